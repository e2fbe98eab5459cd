/**
 * Start the watchdog: a plain Node process in its own session (detached: a new process group,
 * so killing the runner's group does not kill it), needing no container image. It cleans the
 * session when the runner dies without teardown (or when teardown could not finish), and sweeps
 * the sessions of dead runs in the background, so that setup never waits on them.
 *
 * Its inputs come from its parent, at spawn time: the session directory, the state root to
 * sweep, and the docker CLI to run. Never from a record on disk.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WATCHDOG_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));

export interface WatchdogTask {
  /** Watch this session's owner and clean the session when it dies. */
  readonly sessionDir?: string;
  /** Sweep the dead sessions recorded under this state root, in the background. */
  readonly sweepRoot?: string;
  /** The run's own session id: the background sweep leaves it alone. */
  readonly ownSession?: string;
  /** The docker CLI to run (the parent's configured one); default: docker on PATH. */
  readonly dockerPath?: string | undefined;
}

/** Pure: the watchdog's argv for a task. */
export function watchdogArgs(task: WatchdogTask): string[] {
  const args = [WATCHDOG_SCRIPT];
  if (task.sessionDir) args.push('--session-dir', task.sessionDir);
  if (task.sweepRoot) args.push('--sweep-root', task.sweepRoot);
  if (task.ownSession) args.push('--own-session', task.ownSession);
  if (task.dockerPath) args.push('--docker-path', task.dockerPath);
  return args;
}

export function spawnWatchdog(task: WatchdogTask, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const child = spawn(process.execPath, watchdogArgs(task), {
    detached: true,
    stdio: 'ignore',
    env,
  });
  child.on('error', () => {
    // The session still works without it; SIGKILL would then leave objects for the next sweep.
  });
  child.unref();
  return child.pid;
}

export function stopWatchdog(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

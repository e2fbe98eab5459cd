/**
 * The session's helper processes, started by path (no import: they import the session, not the
 * other way round).
 *
 * - The watchdog: a plain Node process in its own session (detached: a new process group, so
 *   killing the runner's group does not kill it), needing no container image. It cleans the
 *   session when the runner dies without teardown (or when teardown could not finish), and sweeps
 *   the sessions of dead runs in the background, so that setup never waits on them.
 * - The signal cleaner: run synchronously from a signal handler (Node has no synchronous HTTP),
 *   in a process group of its own, so that a second Ctrl+C to the runner's group cannot stop it
 *   halfway; if the runner is killed meanwhile it still finishes.
 *
 * Their inputs come from their parent, at spawn time: the session directory, the state root to
 * sweep, and the docker CLI to run. Never from a record on disk.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WATCHDOG_SCRIPT = fileURLToPath(new URL('../watchdog/main.js', import.meta.url));
export const CLEAN_NOW_SCRIPT = fileURLToPath(new URL('../watchdog/clean-now.js', import.meta.url));

export interface WatchdogTask {
  /** Watch this session's owner and clean the session when it dies. */
  readonly sessionDir?: string;
  /** Sweep the dead sessions recorded under this state root, in the background. */
  readonly sweepRoot?: string;
  /** The run's own session id: the background sweep leaves it alone. */
  readonly ownSession?: string;
  /** The docker CLI to run (the parent's configured one); default: docker on PATH. */
  readonly dockerPath?: string | undefined;
  /**
   * The session socket, bound and listening in the parent (socket/bind.ts): the watchdog gets
   * the descriptor as its fd 3 and serves it at `path`.
   */
  readonly socket?: { readonly fd: number; readonly path: string } | undefined;
}

/** The descriptor number the watchdog finds the session socket on. */
export const WATCHDOG_SOCKET_FD = 3;

/** Pure: the watchdog's argv for a task. */
export function watchdogArgs(task: WatchdogTask): string[] {
  const args = [WATCHDOG_SCRIPT];
  if (task.sessionDir) args.push('--session-dir', task.sessionDir);
  if (task.sweepRoot) args.push('--sweep-root', task.sweepRoot);
  if (task.ownSession) args.push('--own-session', task.ownSession);
  if (task.dockerPath) args.push('--docker-path', task.dockerPath);
  if (task.socket && task.sessionDir) args.push('--socket-fd', String(WATCHDOG_SOCKET_FD), '--socket-path', task.socket.path);
  return args;
}

export function spawnWatchdog(task: WatchdogTask, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const child = spawn(process.execPath, watchdogArgs(task), {
    detached: true,
    stdio: task.socket && task.sessionDir ? ['ignore', 'ignore', 'ignore', task.socket.fd] : 'ignore',
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

/** Pure: the signal cleaner's argv. */
export function cleanNowArgs(sessionDir: string, dockerPath: string | undefined): string[] {
  return [CLEAN_NOW_SCRIPT, '--session-dir', sessionDir, ...(dockerPath ? ['--docker-path', dockerPath] : [])];
}

/** Node's timers (and spawnSync's timeout) overflow above this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Exit codes of the signal cleaner. */
export const CLEAN_NOW_EXIT = { complete: 0, incomplete: 1, refused: 2 } as const;

/**
 * Remove the session's objects now and wait for it: for signal handlers, which must finish
 * before the process exits. True when everything went. Bounded by `timeoutMs` (the signal
 * cleaner's own calls time out sooner); on timeout its process group is killed.
 */
export function cleanNowSync(sessionDir: string, options: { dockerPath?: string | undefined; env?: NodeJS.ProcessEnv; timeoutMs: number }): boolean {
  // `detached` is not in the typings of spawnSync, but Node honours it (a new session, as spawn).
  const spawnOptions: SpawnSyncOptions & { detached: boolean } = {
    detached: true,
    stdio: 'ignore',
    env: options.env ?? process.env,
    timeout: Math.min(Math.max(1, Math.floor(options.timeoutMs)), MAX_TIMER_MS),
    killSignal: 'SIGKILL',
  };
  const child = spawnSync(process.execPath, cleanNowArgs(sessionDir, options.dockerPath), spawnOptions);
  if (child.error && child.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return child.status === CLEAN_NOW_EXIT.complete;
}

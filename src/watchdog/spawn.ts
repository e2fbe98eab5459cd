/**
 * Start the watchdog: a plain Node process in its own session (detached: a new process group,
 * so killing the runner's group does not kill it), needing no container image. It cleans the
 * session when the runner dies without teardown.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WATCHDOG_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));

export function spawnWatchdog(sessionDir: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const child = spawn(process.execPath, [WATCHDOG_SCRIPT, sessionDir], {
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

/** Finding and watching the session's helper processes from a test (Linux /proc). */
import { readdirSync, readFileSync } from 'node:fs';

/** The watchdog watching `sessionDir`, found by its argv; undefined when none runs. */
export function watchdogOf(sessionDir: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => arg.endsWith('watchdog/main.cjs')) && argv[argv.indexOf('--session-dir') + 1] === sessionDir) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Whether `pid` runs (a zombie, dead but not yet reaped, does not). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

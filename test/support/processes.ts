/** Finding, watching and ending the session's helper processes from a test (Linux /proc). */
import { readdirSync, readFileSync } from 'node:fs';
import { removeSessionDir } from '../../src/session/store.js';

/** The processes (not this one) whose argv `matches`, read from /proc. */
function processesWhere(matches: (argv: readonly string[]) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (matches(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0'))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The watchdog watching `sessionDir`, found by its argv; undefined when none runs. */
export function watchdogOf(sessionDir: string): number | undefined {
  return processesWhere((argv) => argv.some((arg) => arg.endsWith('watchdog/main.cjs')) && argv[argv.indexOf('--session-dir') + 1] === sessionDir)[0];
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

/** Where the session's helpers start from: the watchdog's bundle, the signal cleaner. */
const HELPER_SCRIPT = /\/watchdog\/(main\.cjs|clean-now\.js)$/;

/**
 * The session helpers (watchdog, signal cleaner) that work under `dir`: one of their arguments
 * is `dir` or a path in it. Only this package's helper scripts are ever named.
 */
export function helpersUnder(dir: string): number[] {
  return processesWhere((argv) => argv.some((arg) => HELPER_SCRIPT.test(arg)) && argv.some((arg) => arg === dir || arg.startsWith(`${dir}/`)));
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes a state directory a test's sessions used. A watchdog or signal cleaner a run left
 * (an incomplete teardown keeps its watchdog on purpose, to retry) would go on writing its log
 * there while rm walks the tree: the last rmdir then fails with ENOTEMPTY, and Node's own
 * retries repeat only that rmdir. So the helpers under it are killed first (the test is over),
 * then the directory goes as the product removes a session's (whole removal repeated).
 */
export function removeStateDir(dir: string): void {
  for (let round = 0; round < 50; round++) {
    const helpers = helpersUnder(dir);
    if (helpers.length === 0) break;
    for (const pid of helpers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    pause(20);
  }
  // Nothing writes there any more; what one wrote just before its end is taken by the retries.
  removeSessionDir(dir);
}

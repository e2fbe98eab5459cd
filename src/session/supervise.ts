/**
 * Keeping the session's watchdog while the run goes on. When it ends during the run (killed,
 * out of memory, crashed), the tests' connections to the session socket are refused
 * (ECONNREFUSED) and a crash of the runner would leave the session to the next run. The runner
 * sees the exit (the watchdog is its child: its exit is reaped here, so its PID cannot have been
 * reused) and starts another on the same socket path, at most MAX_RESTARTS times: the tests'
 * DOCKER_HOST does not change, and only what was in flight at the death, and what was tried in
 * the moment before the restart, got refused. A watchdog that exited 0 ended on purpose (its
 * record was refused, or it was told to stop with SIGTERM): it is not restarted. Once teardown
 * (or the signal cleanup) begins, nothing is restarted.
 */
import type { WatchdogExit, WatchdogProcess } from './processes.js';

export const MAX_RESTARTS = 2;

/** One watchdog that ended during the run, and its successor if one was started. */
export interface WatchdogEnd {
  readonly pid: number;
  readonly exit: WatchdogExit;
  readonly restarted?: { readonly pid: number; readonly at: number };
}

/** Pure: whether an exit calls for a new watchdog. */
export function shouldRestart(exit: WatchdogExit, restartsSoFar: number): boolean {
  const failed = exit.signal !== null || (exit.code !== null && exit.code !== 0);
  return failed && restartsSoFar < MAX_RESTARTS;
}

export interface SupervisedWatchdog {
  /** The watchdog now (after restarts, the last one started). */
  current(): WatchdogProcess | undefined;
  /** Those that ended during the run, in order. */
  ends(): readonly WatchdogEnd[];
  /** No more restarts from now on (synchronous: the signal path). */
  freeze(): void;
  /** No more restarts; resolves once a restart under way has finished (or given up). */
  stop(): Promise<void>;
}

/**
 * `restart` starts a new watchdog on the same socket path and hands it to `started` as soon as
 * it is spawned (before any further await), or gives up; it must check, after each await, that
 * the session is still open.
 */
export function superviseWatchdog(first: WatchdogProcess | undefined, restart: (started: (next: WatchdogProcess) => void) => Promise<void>): SupervisedWatchdog {
  let current = first;
  let stopped = false;
  let restarts = 0;
  let underway: Promise<void> | undefined;
  const ends: WatchdogEnd[] = [];
  const watch = (watchdog: WatchdogProcess) => {
    watchdog.onExit((exit) => {
      if (stopped || current !== watchdog) return;
      const end: { pid: number; exit: WatchdogExit; restarted?: { pid: number; at: number } } = { pid: watchdog.pid, exit };
      ends.push(end);
      if (!shouldRestart(exit, restarts)) return;
      restarts += 1;
      underway = restart((next) => {
        end.restarted = { pid: next.pid, at: Date.now() };
        current = next;
        watch(next);
      }).catch(() => undefined);
    });
  };
  if (first) watch(first);
  return {
    current: () => current,
    ends: () => ends,
    freeze() {
      stopped = true;
    },
    async stop() {
      stopped = true;
      await underway;
    },
  };
}

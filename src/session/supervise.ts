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
 *
 * The second restart comes after a pause (RESTART_PAUSES_MS): a cause that lasts a moment (the
 * package's dist/ being rebuilt or moved, attack/134) used up every restart within milliseconds,
 * and the socket refused for the rest of the run. The socket is bound again before the pause,
 * so that clients wait in its queue meanwhile; teardown or a signal cuts the pause short, and then
 * nothing is started.
 */
import type { WatchdogExit, WatchdogProcess } from './processes.js';

export const MAX_RESTARTS = 2;
/** Before each restart, in order: the first at once (a killed watchdog is back before the tests notice). */
export const RESTART_PAUSES_MS: readonly number[] = [0, 1_000];

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
 * the session is still open. Before it spawns, it awaits `pause()`: false when teardown or a
 * signal cut the pause short (then it must not start one).
 */
export function superviseWatchdog(
  first: WatchdogProcess | undefined,
  restart: (started: (next: WatchdogProcess) => void, pause: () => Promise<boolean>) => Promise<void>,
  pausesMs: readonly number[] = RESTART_PAUSES_MS,
): SupervisedWatchdog {
  let current = first;
  let stopped = false;
  let restarts = 0;
  let underway: Promise<void> | undefined;
  let cutShort: (() => void) | undefined;
  const pauseFor = (ms: number) => (): Promise<boolean> =>
    new Promise((resolve) => {
      // No pause: as before pauses, a restart under way when teardown begins finishes (teardown then closes it).
      if (ms <= 0) return resolve(true);
      if (stopped) return resolve(false);
      // Never keeps the runner alive.
      const timer = setTimeout(() => {
        cutShort = undefined;
        resolve(!stopped);
      }, ms).unref();
      cutShort = () => {
        clearTimeout(timer);
        cutShort = undefined;
        resolve(false);
      };
    });
  const ends: WatchdogEnd[] = [];
  const watch = (watchdog: WatchdogProcess) => {
    watchdog.onExit((exit) => {
      if (stopped || current !== watchdog) return;
      const end: { pid: number; exit: WatchdogExit; restarted?: { pid: number; at: number } } = { pid: watchdog.pid, exit };
      ends.push(end);
      if (!shouldRestart(exit, restarts)) return;
      const pause = pauseFor(pausesMs[restarts] ?? 0);
      restarts += 1;
      underway = restart((next) => {
        end.restarted = { pid: next.pid, at: Date.now() };
        current = next;
        watch(next);
      }, pause).catch(() => undefined);
    });
  };
  if (first) watch(first);
  return {
    current: () => current,
    ends: () => ends,
    freeze() {
      stopped = true;
      cutShort?.();
    },
    async stop() {
      stopped = true;
      cutShort?.();
      await underway;
    },
  };
}

/**
 * Closing the session socket at teardown, before the session's objects are listed, so that
 * nothing is created through it after the listing (a straggling client: a background `docker
 * run`, a compose process, a worker that outlived its test, a kept-alive connection):
 *   1. remove the socket's path: new connections fail at once (ENOENT);
 *   2. claim the socket (socket/claim.ts): when the watchdog has not started serving it, it never
 *      will, and there is nothing to wait for;
 *   3. otherwise ask the watchdog over its channel to close it, and wait for the answer, bounded:
 *      it stops accepting, ends every connection, and answers once the creates already sent to
 *      the engine are answered (socket/connection.ts).
 * The signal path does 1 and 2 in the runner and 3 in the signal cleaner (watchdog/clean-now.ts).
 * The warnings here are pure.
 */
import { unlinkSync } from 'node:fs';
import { claimSocket } from '../socket/claim.js';
import { DEFAULT_IN_FLIGHT_MS } from '../socket/close-report.js';
import type { CloseAnswer, WatchdogChannel } from './channel.js';
import type { WatchdogEnd } from './supervise.js';

/** How long teardown waits for the watchdog's answer: its own wait for creates in flight, and a margin. */
export const CLOSE_ANSWER_TIMEOUT_MS = DEFAULT_IN_FLIGHT_MS + 1_000;

/** What closing found. */
export type SocketClosing =
  /** The watchdog had not claimed the socket yet: it will never serve it. */
  | { readonly kind: 'unserved' }
  /** The watchdog serves it (or did): its answer, or why there was none. */
  | { readonly kind: 'asked'; readonly answer: CloseAnswer };

/** Steps 1 and 2, synchronous (the signal path too). True when the watchdog must be asked. */
export function unlinkAndClaim(socketPath: string): boolean {
  unlinkQuietly(socketPath);
  return claimSocket(socketPath, 'close') !== 'won';
}

/** Steps 1 to 3. */
export async function closeSessionSocket(socketPath: string, channel: WatchdogChannel | undefined, timeoutMs = CLOSE_ANSWER_TIMEOUT_MS): Promise<SocketClosing> {
  if (!unlinkAndClaim(socketPath)) return { kind: 'unserved' };
  if (!channel) return { kind: 'asked', answer: { kind: 'gone', ms: 0 } };
  return { kind: 'asked', answer: await channel.closeSocket(timeoutMs) };
}

/**
 * Pure: what teardown says about the close, and whether the session may still gain objects (kept
 * for a later sweep). `endSaid`: a line about the watchdog's end is said already (watchdogEndedWarnings).
 */
export function closingOutcome(closing: SocketClosing, sessionId: string, endSaid = false): { readonly warnings: string[]; readonly mayGainObjects: boolean } {
  if (closing.kind === 'unserved') return { warnings: [], mayGainObjects: false };
  const { answer } = closing;
  const later = (what: string) => `the session is kept so that the next run or \`docker-janitor sweep --session ${sessionId}\` removes ${what} (the watchdog tries once more when the runner ends)`;
  if (answer.kind === 'timeout') {
    return {
      warnings: [
        `The session's watchdog did not confirm within ${seconds(answer.ms)} that the session socket is closed: a client still connected to it could create objects after they were listed; ${later('them')}.`,
      ],
      mayGainObjects: true,
    };
  }
  // Gone: nothing serves the socket any more. When it ended during the run, that line says it.
  if (answer.kind === 'gone') {
    return {
      warnings: endSaid ? [] : ["The session's watchdog was gone when teardown asked it to close the session socket; teardown cleaned the session by its label."],
      mayGainObjects: false,
    };
  }
  const { cutOff } = answer.report;
  if (cutOff === 0) return { warnings: [], mayGainObjects: false };
  return {
    warnings: [
      `${cutOff === 1 ? '1 create request' : `${cutOff} create requests`} sent through the session socket had no answer from the engine within ${seconds(DEFAULT_IN_FLIGHT_MS)} when it closed; the engine may still complete ${cutOff === 1 ? 'it' : 'them'}; ${later(cutOff === 1 ? 'what it makes' : 'what they make')}.`,
    ],
    mayGainObjects: true,
  };
}

/**
 * Pure: one line per watchdog that ended during the run (killed, out of memory, crashed): when
 * the runner noticed, how, and whether another was started (supervise.ts). The tests'
 * connections to the socket were refused meanwhile, and without a watchdog nothing would have
 * cleaned after a crash of the runner; teardown still cleans by the session's label.
 */
export function watchdogEndedWarnings(ends: readonly WatchdogEnd[], hadSocket: boolean): string[] {
  return ends.map((end) => {
    const how = end.exit.signal ? `killed by ${end.exit.signal}` : end.exit.code !== null ? `exit code ${end.exit.code}` : 'its channel closed';
    const ended = `The session's watchdog (pid ${end.pid}) ended during the run (noticed at ${new Date(end.exit.at).toISOString()}, ${how})`;
    if (end.restarted) {
      const restarted = `and was restarted (pid ${end.restarted.pid}, at ${new Date(end.restarted.at).toISOString()})`;
      return hadSocket
        ? `${ended} ${restarted}: the session socket refused connections (ECONNREFUSED) in between; teardown cleaned the session by its label.`
        : `${ended} ${restarted}; teardown cleaned the session by its label.`;
    }
    const effect = hadSocket
      ? 'from then on the session socket refused connections (ECONNREFUSED), and a crash of the runner would have left the session to the next run'
      : 'a crash of the runner would have left the session to the next run';
    return `${ended}: ${effect}; teardown cleaned the session by its label.`;
  });
}

/** Removes one file; gone already is fine. (One unlink: rmSync walks a tree for a single file.) */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or its directory is
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

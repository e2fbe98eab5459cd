/**
 * Who decides the session socket's fate first: the watchdog (to serve it) or teardown (to close
 * it). Setup binds the socket and hands it to the watchdog, whose Node may still be starting when
 * a short run's teardown begins. Teardown must not list the session's objects while anything
 * can still be created through the socket, yet it should not wait for a watchdog that never
 * served. An exclusive create of one file in the socket's private directory (0700) settles it:
 *   - the watchdog claims `serve` before it accepts the first connection; when teardown got
 *     there first, it never serves (it closes its descriptor: waiting clients are refused);
 *   - teardown claims `close` after removing the socket's path; when the watchdog got there
 *     first, teardown asks it to close and waits for its answer (session/channel.ts).
 * Exactly one wins (O_EXCL), so nothing is served unseen and nobody waits for nothing.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writePrivateFile } from '../private/file.cjs';

export const CLAIM_FILE = 'claim';

export type Claimant = 'serve' | 'close';

/**
 * `won`: this caller decides (or had already decided). `lost`: the other one did first.
 * `failed`: the directory is gone or unusable (the caller treats it as lost, its safe side).
 */
export type ClaimOutcome = 'won' | 'lost' | 'failed';

/** `<socket dir>/claim`, next to the socket file. */
export function claimPath(socketPath: string): string {
  return join(dirname(socketPath), CLAIM_FILE);
}

export function claimSocket(socketPath: string, who: Claimant): ClaimOutcome {
  const file = claimPath(socketPath);
  try {
    writePrivateFile(file, who, 'new');
    return 'won';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return 'failed';
  }
  // Claimed already: by this same party before (teardown after a signal cleanup), or the other.
  try {
    return readFileSync(file, 'utf8') === who ? 'won' : 'lost';
  } catch {
    return 'failed';
  }
}

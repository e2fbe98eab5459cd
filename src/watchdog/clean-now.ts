/**
 * The signal cleaner: `node clean-now.js --session-dir DIR [--docker-path P] [--channel-fd N]`. A signal handler
 * starts it, detached, and waits for it (`cleanNowSync` in session/processes.ts) because Node has
 * no synchronous HTTP: it removes the session's objects (its label, its tracked IDs, the adopted
 * containers) over the session's engine, and exits 0 when everything went, 1 when something is
 * left (the record stays; the watchdog, the next run or `sweep` retry), 2 when the record was
 * refused; it writes the same code to its stdout as its last line. It finishes even when the
 * runner has gone meanwhile (a second Ctrl+C, the wait's bound).
 *
 * Like the watchdog, it takes the docker CLI from its parent (argv), never from the record, and
 * reads the session directory only when it passes the safety checks.
 *
 * With `--channel-fd N` (the runner's end of the watchdog's channel, when the watchdog serves the
 * session socket), it first asks the watchdog to close the socket and waits for its answer
 * (bounded), as teardown does, so nothing is created through the socket after the listing.
 */
import { writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { openChannel } from '../session/channel.js';
import { CLOSE_ANSWER_TIMEOUT_MS } from '../session/closing.js';
import { removeSessionObjects } from '../session/objects.js';
import { CLEAN_NOW_EXIT } from '../session/processes.js';
import { readSessionRecordChecked, readTrackedChecked } from '../session/store.js';
import { engineFor, sweptEverything } from '../session/sweep.js';

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const dir = argValue('--session-dir');
const dockerPath = argValue('--docker-path');
const channelFd = argValue('--channel-fd');
const read = dir ? readSessionRecordChecked(dir) : undefined;
if (!dir || !read?.ok) exit(CLEAN_NOW_EXIT.refused);

if (channelFd !== undefined && Number.isInteger(Number(channelFd))) {
  try {
    // Only destroyed, never ended: ending would shut the runner's end down too (one socket).
    const channel = openChannel(new Socket({ fd: Number(channelFd), readable: true, writable: true }));
    await channel.closeSocket(CLOSE_ANSWER_TIMEOUT_MS);
    channel.end();
  } catch {
    // No channel: the socket's path is gone already; clean anyway.
  }
}

const { record } = read;
const engine = engineFor(record, { dockerPath });
let complete = false;
try {
  const report = await removeSessionObjects(engine, {
    sessionId: record.id,
    tracked: readTrackedChecked(dir).entries,
    stopTimeout: 0,
    keep: false,
    // Adopted containers too: without a watchdog nobody recorded them as they appeared.
    adopt: { filters: record.adopt, sinceMs: record.startedAt },
    // No channel: no session socket, the tests label by hand (teardown does the same).
    takeImageLabelled: channelFd === undefined,
  });
  complete = sweptEverything(report);
} catch {
  complete = false; // the engine is gone or hung: the watchdog, the next run or sweep retry
} finally {
  engine.close();
}
exit(complete ? CLEAN_NOW_EXIT.complete : CLEAN_NOW_EXIT.incomplete);

/** Says the code on stdout too (the waiter, when there is one, reads it: this process is not its child). */
function exit(code: number): never {
  try {
    writeSync(1, `${code}\n`);
  } catch {
    // Nobody reads any more (the runner is gone): the cleanup was for the session, not for it.
  }
  process.exit(code);
}

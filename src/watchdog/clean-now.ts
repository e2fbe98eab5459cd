/**
 * The signal cleaner: `node clean-now.js --session-dir DIR [--docker-path P]`. A signal handler
 * runs it synchronously (`cleanNowSync` in session/processes.ts) because Node has no synchronous
 * HTTP: it removes the session's objects (its label, its tracked IDs, the adopted containers)
 * over the session's engine, and exits 0 when everything went, 1 when something is left (the
 * record stays; the watchdog, the next run or `sweep` retry), 2 when the record was refused.
 *
 * Like the watchdog, it takes the docker CLI from its parent (argv), never from the record, and
 * reads the session directory only when it passes the safety checks.
 */
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
const read = dir ? readSessionRecordChecked(dir) : undefined;
if (!dir || !read?.ok) process.exit(CLEAN_NOW_EXIT.refused);

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
  });
  complete = sweptEverything(report);
} catch {
  complete = false; // the engine is gone or hung: the watchdog, the next run or sweep retry
} finally {
  engine.close();
}
process.exit(complete ? CLEAN_NOW_EXIT.complete : CLEAN_NOW_EXIT.incomplete);

/**
 * One "test run with nothing to clean", in a fresh Node process as a runner's global setup gets
 * it: import the package, openSession() (sweep, session record, watchdog start), teardown().
 * Prints one JSON line of timings and the docker commands run. Env: DOCKER_HOST (the bench's
 * engine), DOCKER_JANITOR_STATE_DIR (the bench's private state root).
 */
import { loadOpenSession } from './procedures.mjs';

const started = performance.now();
const { openSession } = await loadOpenSession();
const imported = performance.now();
/** @type {string[][]} */
const commands = [];
const session = await openSession({}, { onCommand: (args) => commands.push([...args]) });
const opened = performance.now();
const result = await session.teardown();
const done = performance.now();
process.stdout.write(
  `${JSON.stringify({
    importMs: imported - started,
    openMs: opened - imported,
    teardownMs: done - opened,
    commands,
    problems: [...(result.warnings ?? []), ...(session.warnings ?? [])],
  })}\n`,
);

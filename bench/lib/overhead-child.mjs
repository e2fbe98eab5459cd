/**
 * One "test run with nothing to clean", in a fresh Node process as a runner's global setup gets
 * it: import dist/session/open.js (what the Vitest and Jest setups load), openSession({}) (record,
 * watchdog start, sweep in the background), teardown(); then a second openSession({}) +
 * teardown() in the same process (warm: nothing left to load). Imports nothing before the clock
 * starts. Prints one JSON line of timings and the docker commands / API requests of the first
 * session. Env: DOCKER_HOST (the bench's engine), DOCKER_JANITOR_STATE_DIR (the bench's private
 * state root), DOCKER_JANITOR_DOCKER_PATH for the CLI transport (`auto` then takes the CLI, and
 * the options stay empty, as a user's would).
 */
const started = performance.now();
const { openSession } = await import(new URL('../../dist/session/open.js', import.meta.url).href);
const imported = performance.now();
/** @type {string[][]} */
const commands = [];
const session = await openSession({}, { onCommand: (args) => commands.push([...args]), onRequest: (request) => commands.push(['API', request.method, request.path.replace(/\?.*$/, '')]) });
const opened = performance.now();
const result = await session.teardown();
const done = performance.now();
const warm = await openSession({});
const warmResult = await warm.teardown();
const warmDone = performance.now();
process.stdout.write(
  `${JSON.stringify({
    importMs: imported - started,
    openMs: opened - imported,
    teardownMs: done - opened,
    warmMs: warmDone - done,
    transport: session.engine.transport ?? (commands.some((c) => c[0] === 'API') ? 'api' : 'cli'),
    commands,
    problems: [...(result.warnings ?? []), ...(session.warnings ?? []), ...(warmResult.warnings ?? []), ...(warm.warnings ?? [])],
  })}\n`,
);

/**
 * The procedures under test. Each prepares its own (identical) state untimed, then times only
 * the cleanup and counts the docker processes it spawns.
 *   seed          the seed's cleanup, faithfully (per-container stop + rm, prune until=1h, then
 *                 `docker images | grep '<none>' | awk '{print $3}'` and one `docker image rm` per line)
 *   janitor       docker-janitor's session teardown as a user gets it: openSession() from the
 *                 built package, containers made with the session label, then teardown(), on
 *                 the Engine API transport (`docker.transport: 'api'`)
 *   janitor-cli-teardown  the same on the docker CLI transport (`docker.transport: 'cli'`)
 *   cli-api       fresh processes: `node dist/cli/bin.js sweep --session ID`, then `clean`,
 *                 both with `--transport api` (containers made with the session label)
 *   cli-cli       the same with `--transport cli`
 *   floor         the fewest raw docker commands: `rm -f -v` all, `image prune -f`, list, one batched `image rm`
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './engine.mjs';
import { prepareState } from './state.mjs';

/** The seed's listing, run through bash exactly as the seed does (the only shell in the project). */
export const SEED_LIST_PIPELINE = "docker images | grep '<none>' | awk '{print $3}'";

export const CLI_BIN = join(REPO_ROOT, 'dist/cli/bin.js');

/**
 * @typedef {object} Bounds
 * @property {number} seedContainers  containers the seed stops for real per run (each waits ~10 s); the rest are extrapolated
 * @property {number} seedImages      images the seed's loop removes for real per run; the rest are extrapolated
 */

/**
 * @typedef {object} RunResult
 * @property {number} ms            wall time of the cleanup (for the seed: measured + extrapolated)
 * @property {number} processes     docker processes spawned (for the seed: spawned + the ones the bound skipped)
 * @property {number} [measuredMs]  seed: the part actually timed
 * @property {number} [imagesMs]    seed: its image part alone (prune, listing, loop; extrapolated like ms)
 * @property {number} [perContainerMs]  seed: measured `docker stop` + `docker rm` per container
 * @property {number} [perImageMs]      seed: measured `docker image rm` per image
 * @property {{ containers: number, images: number, perContainerMs: number, perImageMs: number }} [extrapolated]
 * @property {string[]} problems    what the procedure itself reported as failed / warned
 * @property {number} [requests]  docker-janitor on the API transport: Engine API requests
 * @property {{ at: number, args: string[] }[]} [commands]  docker-janitor: each docker command (or API request) and when it started (ms into teardown)
 */

const now = () => performance.now();

/**
 * `openSession` as a user imports it: `import { openSession } from 'docker-janitor'` (the
 * package resolves its own name through `exports`), else dist/session/open.js.
 */
export async function loadOpenSession() {
  if (existsSync(join(REPO_ROOT, 'dist/index.js'))) {
    const main = await import('docker-janitor');
    if (typeof main.openSession === 'function') return { openSession: main.openSession, from: "`import { openSession } from 'docker-janitor'` (dist/index.js)" };
  }
  const open = await import(pathToFileURL(join(REPO_ROOT, 'dist/session/open.js')).href);
  return { openSession: open.openSession, from: 'dist/session/open.js' };
}

/**
 * @typedef {object} Context
 * @property {import('./engine.mjs').Engine} engine
 * @property {import('./state.mjs').SizeSpec} size
 * @property {{ tar: string, ids: string[] }} images
 * @property {Bounds} bounds
 * @property {(input?: object, context?: object) => Promise<any>} openSession
 */

/** @param {Context} ctx @returns {Promise<RunResult>} */
async function seed(ctx) {
  const { engine, size, images, bounds } = ctx;
  const { containers } = await prepareState(engine, size, images);
  let processes = 0;

  // 1. Per tracked container: `docker stop` (waits 10 s: sleep ignores SIGTERM), then `docker rm`.
  const timedContainers = containers.slice(0, Math.min(containers.length, bounds.seedContainers));
  let containerMs = 0;
  for (const id of timedContainers) {
    const started = now();
    engine.docker(['stop', id], { allowFailure: true });
    engine.docker(['rm', id], { allowFailure: true });
    containerMs += now() - started;
    processes += 2;
  }
  const skippedContainers = containers.slice(timedContainers.length);
  if (skippedContainers.length > 0) engine.docker(['rm', '-f', ...skippedContainers]); // untimed: same end state

  // 2. The seed's prune.
  let imageMs = 0;
  let started = now();
  engine.docker(['image', 'prune', '-f', '--filter', 'dangling=true', '--filter', 'until=1h'], { allowFailure: true });
  processes += 1;
  // 3. The seed's listing and loop: one `docker image rm` per line, never forced.
  const listed = execFileSync('bash', ['-c', SEED_LIST_PIPELINE], { env: engine.env, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  processes += 1;
  const fixedMs = now() - started;
  const timedImages = listed.slice(0, Math.min(listed.length, bounds.seedImages));
  for (const id of timedImages) {
    started = now();
    engine.docker(['image', 'rm', id], { allowFailure: true });
    imageMs += now() - started;
    processes += 1;
  }
  const skippedImages = listed.slice(timedImages.length);
  if (skippedImages.length > 0) engine.docker(['image', 'rm', ...skippedImages], { allowFailure: true }); // untimed, never forced

  const perContainerMs = timedContainers.length > 0 ? containerMs / timedContainers.length : 0;
  const perImageMs = timedImages.length > 0 ? imageMs / timedImages.length : 0;
  const measuredMs = containerMs + fixedMs + imageMs;
  const extra = skippedContainers.length * perContainerMs + skippedImages.length * perImageMs;
  return {
    ms: measuredMs + extra,
    measuredMs,
    imagesMs: fixedMs + imageMs + skippedImages.length * perImageMs,
    perContainerMs,
    perImageMs,
    processes: processes + 2 * skippedContainers.length + skippedImages.length,
    ...(extra > 0
      ? { extrapolated: { containers: skippedContainers.length, images: skippedImages.length, perContainerMs, perImageMs } }
      : {}),
    problems: [],
  };
}

/** @param {Context} ctx @param {'api' | 'cli'} transport @returns {Promise<RunResult>} */
async function janitor(ctx, transport) {
  const { engine, size, images } = ctx;
  /** @type {{ at: number, args: string[] }[]} */
  const commands = [];
  /** @type {{ at: number, args: string[] }[]} */
  const requests = [];
  let started = Number.NaN;
  // images: 'all': the bench's dangling images are loaded after the session opened (the default
  // before-and-own scope leaves them, as other processes' images); the floor removes them all too.
  const session = await ctx.openSession({ images: 'all', docker: { transport } }, {
    env: engine.env,
    onCommand: (args) => Number.isFinite(started) && commands.push({ at: now() - started, args: [...args] }),
    onRequest: (request) => Number.isFinite(started) && requests.push({ at: now() - started, args: ['API', request.method, request.path.replace(/\?.*$/, '')] }),
  });
  try {
    await prepareState(engine, size, images, session.labels);
    started = now();
    const result = await session.teardown();
    const ms = now() - started;
    started = Number.NaN;
    return {
      ms,
      processes: commands.length,
      requests: requests.length,
      commands: [...commands, ...requests].sort((a, b) => a.at - b.at),
      problems: teardownProblems(result, size),
    };
  } finally {
    started = Number.NaN;
    await session.teardown(); // idempotent: closes the session (and its watchdog) if the timed call threw
  }
}

/** A session id of the form the package makes (`<time36>-<8 hex>`), for `sweep --session`. */
const benchSessionId = () => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

/**
 * `sweep --session ID` then `clean`, each a fresh `node dist/cli/bin.js` process, on one transport.
 * @param {Context} ctx @param {'api' | 'cli'} transport @param {{ count: boolean }} [options] @returns {Promise<RunResult>}
 */
async function janitorCli(ctx, transport, options = { count: false }) {
  const { engine, size, images } = ctx;
  const id = benchSessionId();
  await prepareState(engine, size, images, { 'docker-janitor.session': id });
  const env = { ...engine.env };
  let countFile;
  if (options.count) {
    // Untimed counting run: the CLI's docker calls go through a wrapper that logs each one.
    countFile = join(engine.dir, 'cli-docker-calls.log');
    rmSync(countFile, { force: true });
    env.DOCKER_JANITOR_DOCKER_PATH = countingDocker(engine);
    env.DJ_BENCH_COUNT_FILE = countFile;
  }
  const problems = [];
  const started = now();
  for (const args of [['sweep', '--session', id, '--transport', transport], ['clean', '--transport', transport]]) {
    try {
      execFileSync(process.execPath, [CLI_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const status = /** @type {{ status?: number }} */ (error).status ?? 1;
      const output = String(/** @type {{ stderr?: Buffer }} */ (error).stderr ?? error);
      problems.push(`docker-janitor ${args[0]} exited ${status}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  const ms = now() - started;
  const calls = countFile && existsSync(countFile) ? readFileSync(countFile, 'utf8').split('\n').filter(Boolean).length : undefined;
  return { ms, processes: calls === undefined ? Number.NaN : 2 + calls, problems };
}

/** @param {Context} ctx @returns {Promise<RunResult>} */
async function floor(ctx) {
  const { engine, size, images } = ctx;
  const { containers } = await prepareState(engine, size, images);
  const started = now();
  let processes = 0;
  engine.docker(['rm', '-f', '-v', ...containers]);
  engine.docker(['image', 'prune', '-f']);
  const remaining = [...new Set(engine.docker(['images', '--filter', 'dangling=true', '-q', '--no-trunc']).split('\n').filter(Boolean))];
  processes += 3;
  if (remaining.length > 0) {
    engine.docker(['image', 'rm', ...remaining], { allowFailure: true });
    processes += 1;
  }
  return { ms: now() - started, processes, problems: [] };
}

/**
 * @typedef {object} Procedure
 * @property {string} key
 * @property {string} title
 * @property {(ctx: Context) => Promise<RunResult>} run
 */

/** @type {readonly Procedure[]} */
export const PROCEDURES = [
  { key: 'seed', title: 'seed procedure', run: seed },
  { key: 'janitor', title: 'docker-janitor teardown(), API transport', run: (ctx) => janitor(ctx, 'api') },
  { key: 'janitor-cli-teardown', title: 'docker-janitor teardown(), CLI transport', run: (ctx) => janitor(ctx, 'cli') },
  { key: 'cli-api', title: 'docker-janitor sweep --session + clean (fresh processes), API transport', run: (ctx) => janitorCli(ctx, 'api') },
  { key: 'cli-cli', title: 'docker-janitor sweep --session + clean (fresh processes), CLI transport', run: (ctx) => janitorCli(ctx, 'cli') },
  { key: 'floor', title: 'floor (raw docker)', run: floor },
];

/** The untimed run that counts the CLI commands' docker processes (CLI transport: the wrapper sees every call). */
export const countCliProcesses = (/** @type {Context} */ ctx) => janitorCli(ctx, 'cli', { count: true });

/** Teardown result → problems worth reporting (failures, warnings, leftovers). */
function teardownProblems(result, size) {
  const problems = [...(result.warnings ?? [])];
  for (const kind of ['containers', 'networks', 'volumes']) {
    for (const failed of result[kind]?.failed ?? []) problems.push(`${kind} ${String(failed.id).slice(0, 12)}: ${failed.message}`);
  }
  for (const failed of result.images?.failed ?? []) problems.push(`image ${String(failed.id).slice(7, 19)}: ${failed.message}`);
  const removedContainers = result.containers?.removed?.length ?? 0;
  if (removedContainers !== size.containers) problems.push(`teardown removed ${removedContainers} container(s), expected ${size.containers}`);
  return problems;
}

/** A docker wrapper (Node, no shell) that appends one line per call, then runs docker with the same arguments. */
function countingDocker(engine) {
  const path = join(engine.dir, 'counting-docker.mjs');
  if (!existsSync(path)) {
    writeFileSync(
      path,
      [
        '#!/usr/bin/env node',
        "import { appendFileSync } from 'node:fs';",
        "import { spawnSync } from 'node:child_process';",
        "appendFileSync(process.env.DJ_BENCH_COUNT_FILE, JSON.stringify(process.argv.slice(2)) + '\\n');",
        "const result = spawnSync('docker', process.argv.slice(2), { stdio: 'inherit' });",
        'process.exit(result.status ?? 1);',
        '',
      ].join('\n'),
    );
    chmodSync(path, 0o755);
  }
  return path;
}

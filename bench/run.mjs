#!/usr/bin/env node
/**
 * `npm run bench`: teardown cost of the seed's procedure, docker-janitor and the raw-docker
 * floor, side by side on the same prepared states, on a private engine this script starts and
 * always removes (also on error and Ctrl+C). Prints the markdown report and writes
 * docs/benchmarks.md and its chart, docs/benchmarks.svg.
 *
 *   node bench/run.mjs [--quick] [--layers] [--rounds N] [--seed-rounds N] [--sizes small,medium,large] [--overhead-runs N]
 *                      [--seed-containers N] [--seed-images N] [--out PATH | --no-write]
 *
 * Needs dist/ (npm run bench compiles it first) and root for the private dockerd.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chartDataFromMarkdown, renderChart } from './lib/chart.mjs';
import { BASE_IMAGE, buildBaseImage, engineVersions, REPO_ROOT, startEngine } from './lib/engine.mjs';
import { CLI_BIN, countCliProcesses, loadOpenSession, PROCEDURES } from './lib/procedures.mjs';
import { elideIds, formatMs, renderReport } from './lib/report.mjs';
import { craftImageTarballs, diffSnapshots, restoreBaseline, SIZES, snapshot } from './lib/state.mjs';

const USAGE = 'usage: node bench/run.mjs [--quick] [--layers] [--rounds N] [--seed-rounds N] [--sizes small,medium,large] [--overhead-runs N] [--seed-containers N] [--seed-images N] [--out PATH | --no-write]';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    layers: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'seed-rounds': { type: 'string' },
    sizes: { type: 'string' },
    'overhead-runs': { type: 'string' },
    'seed-containers': { type: 'string' },
    'seed-images': { type: 'string' },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const positive = (name, fallback) => {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`bench: --${name} expects a whole number >= 1, got "${raw}"\n${USAGE}\n`);
    process.exit(2);
  }
  return value;
};
const quick = values.quick === true;
const rounds = positive('rounds', quick ? 1 : 4);
// The seed's runs are long (a real 10 s `docker stop` each) and steady: fewer of them.
const seedRounds = Math.min(rounds, positive('seed-rounds', quick ? 1 : 3));
const overheadRuns = positive('overhead-runs', quick ? 3 : 7);
const bounds = {
  seedContainers: positive('seed-containers', 1),
  seedImages: positive('seed-images', quick ? 30 : 300),
};
const sizeNames = (values.sizes ?? SIZES.map((size) => size.name).join(',')).split(',').map((name) => name.trim());
const sizes = sizeNames.map((name) => {
  const size = SIZES.find((candidate) => candidate.name === name);
  if (!size) {
    process.stderr.write(`bench: unknown size "${name}"; expected ${SIZES.map((s) => s.name).join(', ')}\n`);
    process.exit(2);
  }
  return size;
});
const out = values['no-write'] ? undefined : resolve(values.out ?? join(REPO_ROOT, 'docs/benchmarks.md'));

for (const file of [CLI_BIN, join(REPO_ROOT, 'dist/session/open.js')]) {
  if (!existsSync(file)) {
    process.stderr.write(`bench: ${file} is missing; build first: npm run build (npm run bench does)\n`);
    process.exit(1);
  }
}

const log = (message) => process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
const benchStarted = performance.now();

/** @type {import('./lib/engine.mjs').Engine | undefined} */
let engine;
const cleanup = () => {
  const current = engine;
  engine = undefined;
  if (current) {
    process.stderr.write('[bench] stopping the private engine and removing its directory\n');
    current.stop();
  }
};
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(signal, () => {
    process.stderr.write(`\n[bench] ${signal}: cleaning up\n`);
    cleanup();
    process.exit(128 + (os.constants.signals[signal] ?? 1));
  });
}
process.on('exit', cleanup);

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
} finally {
  cleanup();
}

async function main() {
  const loadBefore = os.loadavg()[0] ?? 0;
  log('starting a private engine');
  engine = startEngine();
  buildBaseImage(engine);
  const versions = engineVersions(engine);
  const images = craftImageTarballs(engine, sizes.map((size) => size.dangling), { layers: values.layers === true });
  const baseline = snapshot(engine);
  const { openSession, from } = await loadOpenSession();
  log(`engine ${versions.server}, CLI ${versions.client}; docker-janitor from ${from}; ${rounds} round(s), sizes ${sizeNames.join(', ')}`);

  // A run with nothing to clean, in fresh processes (the engine holds only the base image), on
  // each transport, runs alternated. The CLI transport through DOCKER_JANITOR_DOCKER_PATH (the
  // options stay empty, as a user's would).
  /** @type {Record<'api' | 'cli', import('./lib/report.mjs').OverheadSample[]>} */
  const overheadBy = { api: [], cli: [] };
  for (let run = 0; run < overheadRuns; run++) {
    for (const transport of /** @type {const} */ (run % 2 === 0 ? ['api', 'cli'] : ['cli', 'api'])) {
      const env = transport === 'cli' ? { ...engine.env, DOCKER_JANITOR_DOCKER_PATH: 'docker' } : engine.env;
      const spawned = performance.now();
      const line = execFileSync(process.execPath, [join(REPO_ROOT, 'bench/lib/overhead-child.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] })
        .toString()
        .trim()
        .split('\n')
        .pop();
      overheadBy[transport].push({ ...JSON.parse(line ?? '{}'), processMs: performance.now() - spawned });
    }
  }
  const overhead = overheadBy.api;
  const overheadLoad = os.loadavg()[0] ?? 0;
  for (const transport of /** @type {const} */ (['api', 'cli'])) {
    log(`nothing to clean (${transport}): import ${overheadBy[transport].map((o) => formatMs(o.importMs)).join(', ')}; open+teardown ${overheadBy[transport].map((o) => formatMs(o.openMs + o.teardownMs)).join(', ')}`);
  }
  checkEndState(baseline, 'nothing-to-clean', []);

  // The signal path: SIGINT to a runner stand-in with N session containers, until it exited.
  const signalRuns = [];
  for (const containers of [1, 10]) {
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      signalRuns.push({ containers, ...(await signalRun(containers)) });
      checkEndState(baseline, `signal N=${containers}`, []);
    }
  }
  log(`signal path: ${signalRuns.map((r) => `N=${r.containers} ${formatMs(r.ms)}${r.left ? ` (${r.left} left)` : ''}`).join(', ')}`);

  /** @type {import('./lib/report.mjs').SizeResults[]} */
  const results = sizes.map((size) => ({
    size,
    runs: Object.fromEntries(PROCEDURES.map((procedure) => [procedure.key, []])),
    endState: Object.fromEntries(PROCEDURES.map((procedure) => [procedure.key, []])),
    cliProcesses: Number.NaN,
  }));

  for (let round = 0; round < rounds; round++) {
    for (const [sizeIndex, result] of results.entries()) {
      const size = result.size;
      const ctx = { engine, size, images: /** @type {{ tar: string, ids: string[] }} */ (images.get(size.dangling)), bounds, openSession };
      // Alternate: each round (and each size) starts with a different procedure.
      const order = PROCEDURES.map((_, index) => PROCEDURES[(index + round + sizeIndex) % PROCEDURES.length]);
      for (const procedure of order) {
        if (!procedure || (procedure.key === 'seed' && round >= seedRounds)) continue;
        const sample = await procedure.run(ctx);
        if (sample.commands) {
          result.commandsBy ??= {};
          result.commandsBy[procedure.key] ??= sample.commands.map((command) => `+${Math.round(command.at)} ms ${elideIds(command.args)}`);
          if (procedure.key === 'janitor-cli-teardown') result.janitorCommands ??= result.commandsBy[procedure.key];
          delete sample.commands;
        }
        result.runs[procedure.key]?.push(sample);
        checkEndState(baseline, `${size.name} ${procedure.key}`, result.endState[procedure.key] ?? []);
        log(
          `round ${round + 1}/${rounds} ${size.name.padEnd(6)} ${procedure.key.padEnd(11)} ${formatMs(sample.ms).padStart(8)}${sample.extrapolated ? ` (timed ${formatMs(sample.measuredMs ?? 0)}, rest extrapolated)` : ''}  ${Number.isFinite(sample.processes) ? `${sample.processes} docker processes` : ''}${sample.problems.length ? `  problems: ${sample.problems.join('; ')}` : ''}`,
        );
      }
      if (round === 0) {
        result.cliProcesses = (await countCliProcesses(ctx)).processes;
        checkEndState(baseline, `${size.name} cli-cli (count run)`, result.endState['cli-cli'] ?? []);
      }
    }
  }

  /** @type {import('./lib/report.mjs').Report} */
  const report = {
    meta: {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
      cpuModel: os.cpus()[0]?.model?.trim() ?? '?',
      memoryGiB: os.totalmem() / 1024 ** 3,
      kernel: `${os.type()} ${os.release()}`,
      node: process.version,
      engine: versions.server,
      cli: versions.client,
      driver: versions.driver,
      quick,
      rounds,
      seedRounds,
      bounds,
      openSessionFrom: from,
      prepNote:
        `Images: the base image (busybox on scratch, built like the test suite does) is saved, N copies of its config, each with its own label${values.layers ? ' and its own one-file layer (`--layers`)' : ' (no layer of their own, like the LABEL-stage images of the test suite; `--layers` gives each its own one-file layer)'}, are written next to its layers under a manifest naming no tag, and \`docker load\` of that tarball leaves N distinct dangling images, made less than an hour before (so the seed's \`until=1h\` prune keeps them, as right after a real test run). Containers are created and started through the Engine API on a kept-alive socket, 4 at a time.`,
      totalSeconds: (performance.now() - benchStarted) / 1000,
      load: [loadBefore, os.loadavg()[0] ?? 0],
      overheadLoad,
    },
    sizes: results,
    overhead,
    overheadBy,
    signalRuns,
  };
  // The chart is drawn from the same measurements as the tables, next to the document.
  const chart = out ? out.replace(/\.md$/, '') + '.svg' : undefined;
  const markdown = renderReport(report, chart ? { chartFile: basename(chart) } : {});
  process.stdout.write(`${markdown}\n`);
  if (out && chart) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${markdown}\n`);
    // Drawn from the table just written (rounded as printed): `node bench/chart.mjs` redraws the same SVG.
    writeFileSync(chart, renderChart(chartDataFromMarkdown(markdown)));
    log(`wrote ${out} and ${chart}`);
  }
  if (results.some((result) => Object.values(result.endState).some((problems) => problems.length > 0))) {
    log('end-state mismatch: see "End state" in the report');
    process.exitCode = 1;
  }
}

/**
 * One signal-path run: bench/lib/signal-child.mjs with N containers, SIGINT once READY, timed
 * until the process exited; then the session's containers left (0 expected).
 * @param {number} containers @returns {Promise<{ ms: number, code: number | null, signal: string | null, left: number }>}
 */
async function signalRun(containers) {
  if (!engine) throw new Error('no engine');
  const env = { ...engine.env, DJ_CHILD_CONTAINERS: String(containers), DJ_BENCH_IMAGE: BASE_IMAGE };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bench/lib/signal-child.mjs')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise((resolveReady, rejectReady) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /READY (\S+)/.exec(out);
      if (match) resolveReady(match[1]);
    });
    child.on('exit', () => rejectReady(new Error(`signal child exited before READY: ${out}`)));
  });
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  const id = await ready;
  const started = performance.now();
  child.kill('SIGINT');
  const { code, signal } = /** @type {{ code: number | null, signal: string | null }} */ (await exited);
  const ms = performance.now() - started;
  const left = engine.docker(['ps', '-aq', '--filter', `label=docker-janitor.session=${id}`]).split('\n').filter(Boolean).length;
  if (left > 0) engine.docker(['rm', '-f', '-v', ...engine.docker(['ps', '-aq', '--filter', `label=docker-janitor.session=${id}`]).split('\n').filter(Boolean)]);
  return { ms, code, signal, left };
}

/** Compare the engine with the baseline; record problems and restore the baseline if needed. */
function checkEndState(baseline, what, problems) {
  if (!engine) return;
  const found = diffSnapshots(baseline, snapshot(engine));
  if (found.length === 0) return;
  problems.push(...found);
  log(`END STATE MISMATCH after ${what}: ${found.join('; ')}`);
  restoreBaseline(engine, baseline);
}

/**
 * Pure: statistics and the markdown report (stdout and docs/benchmarks.md). No I/O here.
 */

/** @param {number[]} values */
export function median(values) {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? /** @type {number} */ (sorted[middle]) : (/** @type {number} */ (sorted[middle - 1]) + /** @type {number} */ (sorted[middle])) / 2;
}

/** @param {number} ms */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 120_000) return `${(ms / 1000).toFixed(0)} s (${(ms / 60_000).toFixed(1)} min)`;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.round(ms)} ms`;
}

/** @param {number} value */
export function formatRatio(value) {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 10 ? `${value.toFixed(0)}×` : `${value.toFixed(2)}×`;
}

/** Issue 7's targets (teardown and CLI vs the floor, startup) and issue 4's (seed, growth). */
export const TARGETS = { janitorVsFloor: 1.0, cliVsFloor: 1.2, seedVsJanitor: 10, growthVsFloor: 1.3, freshMs: 150, sessionMs: 30 };

/**
 * @typedef {import('./procedures.mjs').RunResult} Sample
 * @typedef {object} SizeResults
 * @property {import('./state.mjs').SizeSpec} size
 * @property {Record<string, Sample[]>} runs           procedure key → one sample per round
 * @property {Record<string, string[]>} endState       procedure key → end-state problems over all rounds
 * @property {number} cliProcesses                      docker processes of `rm -f -v` + `docker-janitor clean`
 * @property {string[]} [janitorCommands]              the docker commands of one teardown() (CLI transport)
 * @property {Record<string, string[]>} [commandsBy]   procedure key → the commands / requests of its first teardown()
 * @typedef {object} OverheadSample
 * @property {number} importMs
 * @property {number} openMs
 * @property {number} teardownMs
 * @property {string[][]} commands
 * @property {string[]} problems
 * @typedef {object} Report
 * @property {{ date: string, cpus: number, cpuModel: string, memoryGiB: number, kernel: string, node: string, engine: string, cli: string, driver: string, quick: boolean, rounds: number, seedRounds: number, bounds: import('./procedures.mjs').Bounds, openSessionFrom: string, prepNote: string, totalSeconds: number, load: number[], overheadLoad: number }} meta
 * @property {SizeResults[]} sizes
 * @property {OverheadSample[]} overhead              the API transport's (earlier reports: the only one)
 * @property {Record<string, OverheadSample[]>} [overheadBy]  transport → samples
 * @property {{ containers: number, ms: number, code: number | null, signal: string | null, left: number }[]} [signalRuns]
 */

/** Medians per size and procedure, and the ratios. @param {SizeResults} result */
export function summarize(result) {
  const med = (key) => median((result.runs[key] ?? []).map((sample) => sample.ms));
  const most = (key, field) => Math.max(...(result.runs[key] ?? []).map((sample) => sample[field]).filter(Number.isFinite), Number.NEGATIVE_INFINITY);
  const seed = med('seed');
  const janitor = med('janitor');
  const teardownCli = med('janitor-cli-teardown');
  const cliApi = med('cli-api');
  const cliCli = med('cli-cli');
  const floor = med('floor');
  return {
    seed,
    janitor,
    teardownCli,
    cliApi,
    cliCli,
    /** The CLI commands on the CLI transport (the figure of earlier reports, then `rm -f` + `clean`). */
    cli: cliCli,
    floor,
    janitorVsFloor: janitor / floor,
    janitorVsFloorPaired: pairedRatio(result.runs.janitor, result.runs.floor),
    teardownCliVsFloor: teardownCli / floor,
    cliApiVsFloor: cliApi / floor,
    cliCliVsFloor: cliCli / floor,
    cliVsFloor: cliCli / floor,
    seedVsJanitor: seed / janitor,
    processes: {
      seed: most('seed', 'processes'),
      janitor: most('janitor', 'processes'),
      janitorRequests: most('janitor', 'requests'),
      teardownCli: most('janitor-cli-teardown', 'processes'),
      cli: result.cliProcesses,
      floor: most('floor', 'processes'),
    },
  };
}

/**
 * Median of the per-round ratios a/b: rounds run close together, so this cancels some of the
 * machine's drifting load. @param {Sample[] | undefined} a @param {Sample[] | undefined} b
 */
export function pairedRatio(a = [], b = []) {
  return median(a.slice(0, b.length).map((sample, index) => sample.ms / (b[index]?.ms ?? Number.NaN)));
}

/** @param {OverheadSample[]} samples */
export function summarizeOverhead(samples) {
  return {
    importMs: median(samples.map((s) => s.importMs)),
    openMs: median(samples.map((s) => s.openMs)),
    teardownMs: median(samples.map((s) => s.teardownMs)),
    warmMs: median(samples.map((s) => s.warmMs ?? Number.NaN)),
    processMs: median(samples.map((s) => s.processMs ?? Number.NaN)),
    sessionMs: median(samples.map((s) => s.openMs + s.teardownMs)),
    totalMs: median(samples.map((s) => s.importMs + s.openMs + s.teardownMs)),
    processes: Math.max(0, ...samples.map((s) => s.commands.filter((c) => c[0] !== 'API').length)),
    requests: Math.max(0, ...samples.map((s) => s.commands.filter((c) => c[0] === 'API').length)),
    commands: samples[0]?.commands ?? [],
    problems: [...new Set(samples.flatMap((s) => s.problems))],
  };
}

/**
 * The targets (issue 7; the seed and growth rows from issue 4), each with its value, met or missed.
 * @param {Report} report
 */
export function evaluateTargets(report) {
  /** @type {{ target: string, value: string, met: boolean | undefined, why: string }[]} */
  const rows = [];
  const bySize = new Map(report.sizes.map((result) => [result.size.name, { result, s: summarize(result) }]));
  for (const name of ['medium', 'large']) {
    const entry = bySize.get(name);
    if (!entry) continue;
    const { s } = entry;
    const ratioRow = (what, ms, ratio, target, why) =>
      rows.push({ target: `${name}: ${what} ≤ ${target.toFixed(1)}× the floor`, value: `${formatMs(ms)} vs ${formatMs(s.floor)} = ${formatRatio(ratio)}`, met: ratio <= target, why });
    ratioRow('teardown(), API transport', s.janitor, s.janitorVsFloor, TARGETS.janitorVsFloor, `median of per-round ratios ${formatRatio(s.janitorVsFloorPaired)}; ${s.processes.janitorRequests} API requests, no docker process`);
    ratioRow('teardown(), CLI transport', s.teardownCli, s.teardownCliVsFloor, TARGETS.janitorVsFloor, `${s.processes.teardownCli} docker processes (floor: ${s.processes.floor})`);
    ratioRow('`sweep --session` + `clean` (fresh processes), API transport', s.cliApi, s.cliApiVsFloor, TARGETS.cliVsFloor, 'two Node processes (start-up and import included), Engine API requests');
    ratioRow('`sweep --session` + `clean` (fresh processes), CLI transport', s.cliCli, s.cliCliVsFloor, TARGETS.cliVsFloor, `two Node processes and ${Number.isFinite(s.processes.cli) ? s.processes.cli - 2 : '?'} docker processes`);
    if (name === 'medium') {
      rows.push({
        target: `medium: teardown() (API) at least ${TARGETS.seedVsJanitor}× faster than the seed`,
        value: `${formatMs(s.seed)} vs ${formatMs(s.janitor)} = ${formatRatio(s.seedVsJanitor)}`,
        met: s.seedVsJanitor >= TARGETS.seedVsJanitor,
        why: `the seed waits the 10 s stop timeout per container (sleep ignores SIGTERM), one after another, then spawns one \`docker image rm\` per image (${s.processes.seed} docker processes)`,
      });
    }
  }
  const small = bySize.get('small');
  const large = bySize.get('large');
  if (small && large) {
    const janitorGrowth = large.s.janitor - small.s.janitor;
    const floorGrowth = large.s.floor - small.s.floor;
    const ratio = janitorGrowth / floorGrowth;
    rows.push({
      target: `teardown() (API) grows no faster than the floor (small → large, within ${TARGETS.growthVsFloor}×)`,
      value: `+${formatMs(janitorGrowth)} vs +${formatMs(floorGrowth)} = ${formatRatio(ratio)}`,
      met: ratio <= TARGETS.growthVsFloor,
      why: ratio <= TARGETS.growthVsFloor ? 'the growth is the daemon removing more containers and images' : 'teardown() adds per-item work the floor does not do',
    });
  }
  for (const [transport, samples] of Object.entries(report.overheadBy ?? { api: report.overhead })) {
    if (!samples || samples.length === 0) continue;
    const o = summarizeOverhead(samples);
    rows.push({
      target: `nothing to clean (${transport}), fresh Node process, import included: ≤ ${TARGETS.freshMs} ms`,
      value: `${formatMs(o.totalMs)} (import ${formatMs(o.importMs)})`,
      met: o.totalMs <= TARGETS.freshMs,
      why: `import of dist/session/open.js + openSession({}) + teardown(); the whole process, Node start-up included, took ${formatMs(o.processMs)}; 1-minute load ${report.meta.overheadLoad.toFixed(2)} on ${report.meta.cpus} CPUs`,
    });
    rows.push({
      target: `nothing to clean (${transport}), without the import: ≤ ${TARGETS.sessionMs} ms`,
      value: `${formatMs(o.sessionMs)} first in the process; ${formatMs(o.warmMs)} for a second session in the same process`,
      met: o.sessionMs <= TARGETS.sessionMs,
      why: `${transport === 'api' ? `${o.requests} API requests` : `${o.processes} docker processes`}; the first session also pays the process's first HTTP request or docker process, and spawns the detached watchdog (a new Node process)`,
    });
  }
  const mismatches = report.sizes.flatMap((result) => Object.entries(result.endState).filter(([, problems]) => problems.length > 0));
  rows.push({
    target: 'every procedure reaches the same end state',
    value: mismatches.length === 0 ? 'same end state in every round' : `${mismatches.length} mismatch(es)`,
    met: mismatches.length === 0,
    why:
      mismatches.length === 0
        ? 'no container left; every dangling image removed; base image, its parent, volumes and networks untouched'
        : 'see "End state" below',
  });
  return rows;
}

/**
 * The markdown document (also printed to stdout).
 * @param {Report} report
 * @param {{ chartFile?: string }} [options]  the chart's SVG, relative to the document
 */
export function renderReport(report, options = {}) {
  const { meta } = report;
  const lines = [];
  lines.push('# Benchmarks: teardown cost, start-up, the signal path');
  lines.push('');
  lines.push(
    '_Generated by `npm run bench` (bench/run.mjs). Do not edit by hand: rerun it. Each procedure runs on the same prepared state, on a private engine the bench starts itself, procedures alternated, medians over the rounds._',
  );
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(`- date: ${meta.date}${meta.quick ? ' (`--quick`: fewer rounds, tighter seed bounds)' : ''}`);
  lines.push(`- CPUs: ${meta.cpus} × ${meta.cpuModel}; memory ${meta.memoryGiB.toFixed(1)} GiB; kernel ${meta.kernel}; Node ${meta.node}`);
  lines.push(`- Docker Engine ${meta.engine} (storage driver ${meta.driver}), Docker CLI ${meta.cli}; private engine via scripts/test-engine.sh (no bridge)`);
  lines.push(`- rounds: ${meta.rounds} per size and procedure (the seed: ${meta.seedRounds}), each round and size starting with a different procedure; docker-janitor loaded as ${meta.openSessionFrom}; the bench took ${meta.totalSeconds.toFixed(0)} s`);
  lines.push(`- 1-minute load average ${meta.load.map((value) => value.toFixed(2)).join(' at start, ')} at end (other work on the machine shows up here and in the per-round spread)`);
  lines.push('');
  lines.push('## Sizes and procedures');
  lines.push('');
  lines.push('| size | containers (`sleep 3600`, ignores SIGTERM) | dangling images | of which used by a container |');
  lines.push('|---|---:|---:|---:|');
  for (const { size } of report.sizes) lines.push(`| ${size.name} | ${size.containers} | ${size.dangling} | ${size.inUse} |`);
  lines.push('');
  lines.push("- **seed**: the seed's cleanup, faithfully: per tracked container `docker stop` then `docker rm`; `docker image prune -f --filter dangling=true --filter until=1h`; then `docker images | grep '<none>' | awk '{print $3}'` (through bash, as the seed does) and one `docker image rm ID` per line, never forced.");
  lines.push('- **teardown() API / CLI**: `openSession({ docker: { transport } })` from the built package (in the bench\'s process, import not timed), containers created with its session label, then `teardown()` (containers with their volumes, networks, volumes, then the image cleaner), on the Engine API transport or the docker CLI transport. Only `teardown()` is timed; docker processes counted with the `onCommand` hook, API requests with `onRequest`.');
  lines.push('- **sweep + clean API / CLI**: a user without the plugin, as fresh processes: `node dist/cli/bin.js sweep --session ID --transport T`, then `node dist/cli/bin.js clean --transport T` (containers created with that session\'s label). Node start-up and import are inside the time. The CLI transport\'s docker processes are counted in one extra untimed run through a logging docker wrapper.');
  lines.push('- **floor**: the fewest raw docker commands: one `docker rm -f -v` of all containers, one `docker image prune -f`, one listing of what remains, and one batched `docker image rm` if anything does.');
  lines.push(`- State preparation is not timed. ${meta.prepNote}`);
  lines.push('');
  lines.push('## Cleanup time (median)');
  lines.push('');
  if (options.chartFile) {
    lines.push(`![Cleanup time per size on a log scale: the seed's procedure, docker-janitor teardown() and the raw-docker floor](${options.chartFile})`);
    lines.push('');
  }
  lines.push('| size | seed | teardown() API | teardown() CLI | sweep + clean API | sweep + clean CLI | floor | teardown API ÷ floor | teardown CLI ÷ floor | sweep + clean API ÷ floor | sweep + clean CLI ÷ floor | seed ÷ teardown API |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const result of report.sizes) {
    const s = summarize(result);
    const star = (result.runs.seed ?? []).some((sample) => sample.extrapolated) ? ' \\*' : '';
    lines.push(
      `| ${result.size.name} | ${formatMs(s.seed)}${star} | ${formatMs(s.janitor)} | ${formatMs(s.teardownCli)} | ${formatMs(s.cliApi)} | ${formatMs(s.cliCli)} | ${formatMs(s.floor)} | ${formatRatio(s.janitorVsFloor)} | ${formatRatio(s.teardownCliVsFloor)} | ${formatRatio(s.cliApiVsFloor)} | ${formatRatio(s.cliCliVsFloor)} | ${formatRatio(s.seedVsJanitor)} |`,
    );
  }
  lines.push('');
  lines.push('## Docker processes spawned');
  lines.push('');
  lines.push('| size | seed | teardown() API | teardown() CLI | sweep + clean CLI | floor |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const result of report.sizes) {
    const s = summarize(result);
    lines.push(
      `| ${result.size.name} | ${s.processes.seed} (+ bash, grep, awk) | ${Number.isFinite(s.processes.janitor) ? s.processes.janitor : 0} (${Number.isFinite(s.processes.janitorRequests) ? s.processes.janitorRequests : '?'} API requests) | ${s.processes.teardownCli} | ${Number.isFinite(s.processes.cli) ? `${s.processes.cli} (2 of them Node)` : 'n/a'} | ${s.processes.floor} |`,
    );
  }
  lines.push('');
  const seeded = report.sizes.filter((result) => (result.runs.seed ?? []).some((sample) => sample.extrapolated));
  if (report.sizes.some((result) => (result.runs.seed ?? []).length > 0)) {
    if (seeded.length > 0) {
      lines.push('\\* **Seed extrapolated.** Each `docker stop` waits the full 10 s stop timeout, one container after another, so the bench');
      lines.push(
        `stops at most ${meta.bounds.seedContainers} container(s) and removes at most ${meta.bounds.seedImages} image(s) one by one per run for real; the rest are removed untimed (same end state) and their time is`,
      );
      lines.push('extrapolated from the per-item cost measured in the same run. The process count includes the skipped items.');
      lines.push('');
    }
    lines.push('Where the seed spends its time:');
    lines.push('');
    lines.push('| size | containers stopped for real | images removed one by one for real | per container (stop + rm) | per image (rm) | timed part | image part alone (prune, list, loop) |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const result of report.sizes) {
      const samples = result.runs.seed ?? [];
      const first = samples[0];
      if (!first) continue;
      const totalContainers = result.size.containers;
      const realContainers = totalContainers - (first.extrapolated?.containers ?? 0);
      const perContainer = median(samples.map((sample) => sample.perContainerMs ?? Number.NaN));
      const perImage = median(samples.map((sample) => sample.perImageMs ?? Number.NaN));
      const realImages = first.extrapolated ? `${result.size.dangling - first.extrapolated.images} of ${result.size.dangling}` : `all ${result.size.dangling}`;
      lines.push(
        `| ${result.size.name} | ${realContainers} of ${totalContainers} | ${realImages} | ${formatMs(perContainer)} | ${formatMs(perImage)} | ${formatMs(median(samples.map((sample) => sample.measuredMs ?? sample.ms)))} | ${formatMs(median(samples.map((sample) => sample.imagesMs ?? Number.NaN)))} |`,
      );
    }
    lines.push('');
  }
  const overheadBy = report.overheadBy ?? (report.overhead.length > 0 ? { api: report.overhead } : {});
  if (Object.keys(overheadBy).length > 0) {
    lines.push('## A run with nothing to clean');
    lines.push('');
    lines.push(
      `What the plugin adds to a test run when there is nothing to clean: a fresh Node process imports dist/session/open.js (what the Vitest and Jest setups load), runs \`openSession({})\` (record, watchdog spawn, dead-session sweep in the background) and \`teardown()\`, then a second \`openSession({})\` + \`teardown()\` in the same process (warm). The CLI transport is chosen with \`DOCKER_JANITOR_DOCKER_PATH\` (the options stay empty). ${Object.values(overheadBy)[0]?.length ?? 0} runs per transport, alternated, medians.`,
    );
    lines.push('');
    lines.push('| transport | import | openSession() | teardown() | openSession() + teardown() | with import | warm (2nd session, same process) | whole process (spawn → exit) | docker processes / API requests |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [transport, samples] of Object.entries(overheadBy)) {
      const o = summarizeOverhead(samples);
      lines.push(`| ${transport} | ${formatMs(o.importMs)} | ${formatMs(o.openMs)} | ${formatMs(o.teardownMs)} | ${formatMs(o.sessionMs)} | ${formatMs(o.totalMs)} | ${formatMs(o.warmMs)} | ${formatMs(o.processMs)} | ${o.processes} / ${o.requests} |`);
    }
    lines.push('');
    for (const [transport, samples] of Object.entries(overheadBy)) {
      const o = summarizeOverhead(samples);
      lines.push(`- ${transport}: ${o.commands.map((args) => `\`${elideIds(args)}\``).join(', ') || 'none'}.`);
      if (o.problems.length > 0) lines.push(`  Warnings: ${o.problems.join('; ')}.`);
    }
    lines.push('');
  }
  if (report.signalRuns && report.signalRuns.length > 0) {
    lines.push('## The signal path');
    lines.push('');
    lines.push(
      'A runner stand-in (bench/lib/signal-child.mjs: `openSession({})`, `handleSignals()`, N containers `sleep 3600` started with the session label) gets SIGINT once ready; timed from the signal until the process has exited (the handler removes the session\'s objects synchronously, in a detached child, then re-raises). Default stop timeout 0. Containers of the session left afterwards are counted.',
    );
    lines.push('');
    lines.push('| containers | SIGINT → exit (median) | runs | exit | left after exit |');
    lines.push('|---:|---:|---|---|---:|');
    for (const containers of [...new Set(report.signalRuns.map((run) => run.containers))]) {
      const runs = report.signalRuns.filter((run) => run.containers === containers);
      lines.push(
        `| ${containers} | ${formatMs(median(runs.map((run) => run.ms)))} | ${runs.map((run) => formatMs(run.ms)).join(', ')} | ${[...new Set(runs.map((run) => run.signal ?? `code ${run.code}`))].join(', ')} | ${Math.max(...runs.map((run) => run.left))} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Other benchmarks (separate scripts)');
  lines.push('');
  lines.push('Not part of `npm run bench`; each starts its own private engine or needs `DOCKER_HOST` at one:');
  lines.push('');
  lines.push('- `node bench/socket.mjs`: the session socket\'s added latency per request, `docker cp` throughput through it, and its start-up (results in docs/socket-benchmark.md).');
  lines.push('- `node bench/sessions.mjs DIST N setup|sweep`: setup time with N dead session records, and `sweep` of N dead sessions (DOCKER_HOST at a private engine from scripts/test-engine.sh).');
  lines.push('- `node bench/engine-transports.mjs`: the Engine API transport against the CLI transport, call by call.');
  lines.push("- `node bench/closing.mjs`: what closing the session socket before the listing adds to a teardown with nothing to clean, and how long a create through the socket takes (results in docs/socket-benchmark.md).");
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  lines.push('| target | measured | met? | why |');
  lines.push('|---|---|---|---|');
  for (const row of evaluateTargets(report)) {
    lines.push(`| ${row.target} | ${row.value} | ${row.met === undefined ? 'n/a' : row.met ? 'met' : '**missed**'} | ${row.why} |`);
  }
  lines.push('');
  const withCommands = report.sizes.filter((result) => result.commandsBy && Object.keys(result.commandsBy).length > 0);
  if (withCommands.length > 0) {
    lines.push('## What docker-janitor teardown() runs');
    lines.push('');
    lines.push('Each docker command (CLI transport) or API request (API transport) of one (the first) teardown() per size and transport, with when it started, in ms from the start of teardown(); IDs elided.');
    lines.push('');
    for (const result of withCommands) {
      const s = summarize(result);
      for (const [key, list] of Object.entries(result.commandsBy ?? {})) {
        const api = key === 'janitor';
        lines.push(`- ${result.size.name}, ${api ? 'API' : 'CLI'} transport (median teardown ${formatMs(api ? s.janitor : s.teardownCli)}):`);
        for (const line of list) lines.push(`  - \`${line}\``);
      }
    }
    lines.push('');
  }
  lines.push('## End state');
  lines.push('');
  const mismatches = report.sizes.flatMap((result) =>
    Object.entries(result.endState)
      .filter(([, problems]) => problems.length > 0)
      .map(([key, problems]) => `- ${result.size.name}, ${key}: ${[...new Set(problems)].join('; ')}`),
  );
  lines.push(
    mismatches.length === 0
      ? 'After every run of every procedure the engine matched the baseline taken before the first state was prepared (containers, all images including intermediate ones, volumes, networks); the bench asserts it.'
      : 'Mismatches against the baseline (the engine was restored before the next run):',
  );
  lines.push(...mismatches);
  const procedureProblems = report.sizes.flatMap((result) =>
    Object.entries(result.runs).flatMap(([key, samples]) => [...new Set(samples.flatMap((sample) => sample.problems))].map((problem) => `- ${result.size.name}, ${key}: ${problem}`)),
  );
  if (procedureProblems.length > 0) {
    lines.push('');
    lines.push('Problems the procedures reported:');
    lines.push(...procedureProblems);
  }
  lines.push('');
  lines.push('## Per-round samples');
  lines.push('');
  lines.push('| size | procedure | cleanup time per round |');
  lines.push('|---|---|---|');
  for (const result of report.sizes) {
    for (const [key, samples] of Object.entries(result.runs)) {
      lines.push(`| ${result.size.name} | ${key} | ${samples.map((sample) => formatMs(sample.ms)).join(', ')} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

/**
 * Which docker commands the largest size's teardown() runs more often than the smallest's.
 * @param {SizeResults[]} sizes
 */
function extraCommands(sizes) {
  const verbs = (result) => {
    /** @type {Map<string, number>} */
    const counts = new Map();
    for (const line of result?.janitorCommands ?? []) {
      const verb = line.replace(/^\+\d+ ms docker /, '').split(' ').slice(0, 2).join(' ');
      counts.set(verb, (counts.get(verb) ?? 0) + 1);
    }
    return counts;
  };
  const first = verbs(sizes[0]);
  const last = verbs(sizes[sizes.length - 1]);
  const extra = [...last].filter(([verb, count]) => count > (first.get(verb) ?? 0)).map(([verb, count]) => `+${count - (first.get(verb) ?? 0)} \`${verb}\``);
  return `${sizes[sizes.length - 1]?.size.name ?? 'the largest size'} runs ${extra.join(', ') || 'more calls'}`;
}

/** A docker command (or `API METHOD PATH`) with IDs elided, for the report. @param {readonly string[]} args */
export function elideIds(args) {
  if (args[0] === 'API') return `${args[1]} ${String(args[2]).replace(/(sha256:)?[0-9a-f]{12,64}/g, '<ID>').replace(/docker-janitor-remove:[\w.-]+/g, '<temporary ref>')}`;
  const out = [];
  let ids = 0;
  for (const arg of args) {
    if (/^(sha256:)?[0-9a-f]{12,64}$/.test(arg)) ids++;
    else {
      if (ids > 0) out.push(`<${ids} ID${ids > 1 ? 's' : ''}>`);
      ids = 0;
      out.push(arg.replace(/(docker-janitor\.session=)[\w-]+/, '$1<id>'));
    }
  }
  if (ids > 0) out.push(`<${ids} ID${ids > 1 ? 's' : ''}>`);
  return `docker ${out.join(' ')}`;
}

#!/usr/bin/env node
/**
 * The session socket's cost, on a private engine this script starts and always removes:
 * - added latency per request (GET /_ping, POST /containers/create, and a create of a missing
 *   image: the label rewrite without the engine's container work, with a small body and with the
 *   docker CLI's), p50 and p99, through the
 *   socket against direct, each on one kept-alive connection (http.Agent), requests interleaved,
 *   also as the median of paired differences;
 * - `docker cp` of a 256 MiB file into and out of a container, through against direct, rounds
 *   interleaved (the order rotates each round), every copy started on a quiet disk (`sync`
 *   first, untimed, so that no copy pays for the previous one's writeback); also the CPU time
 *   the socket's process spent per copy, which the machine's other load disturbs far less;
 * - with --compare DIST, the same requests and copies through a socket served from another
 *   build's dist/ directory as a third side, interleaved with the other two (before/after in one
 *   run);
 * - startup: startSessionSocket() until the first /_ping answers through it.
 *
 *   node bench/socket.mjs [--requests N] [--creates N] [--cp-mib N] [--cp-rounds N] [--compare DIST] [--only cp] [--cp-way in|out|both] [--json]
 *
 * `--only cp` measures the copies alone (no startup, no requests); `--cp-way in` or `out` copies
 * one way only (a copy in is then checked with `sha256sum` inside the container, untimed).
 *
 * Needs dist/ (npm run build) and root for the private dockerd. Targets (issue 8): <= 0.3 ms added
 * at p50, >= 80% of direct cp throughput, <= 100 ms startup.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BASE_IMAGE, buildBaseImage } from './lib/engine.mjs';
import { CLI_CREATE_BODY, hostSocket, interleaved, LABELS, quantile, request, socketBench } from './lib/socket.mjs';


const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    creates: { type: 'string', default: '200' },
    'cp-mib': { type: 'string', default: '256' },
    'cp-rounds': { type: 'string', default: '7' },
    compare: { type: 'string' },
    'startup-rounds': { type: 'string', default: '20' },
    only: { type: 'string' },
    'cp-way': { type: 'string', default: 'both' },
    json: { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(values.requests);
const CREATES = Number(values.creates);
const CP_MIB = Number(values['cp-mib']);
const CP_ROUNDS = Number(values['cp-rounds']);
const STARTUP_ROUNDS = Number(values['startup-rounds']);
const COMPARE = values.compare === undefined ? undefined : resolve(values.compare, 'socket/index.js');
const ONLY_CP = values.only === 'cp';
if (values.only !== undefined && !ONLY_CP) throw new Error(`--only: ${values.only} (only 'cp' is known)`);
const CP_WAY = values['cp-way'];
if (!['in', 'out', 'both'].includes(CP_WAY)) throw new Error(`--cp-way: ${CP_WAY} (in, out or both)`);
const COPY_IN = CP_WAY !== 'out';
const COPY_OUT = CP_WAY !== 'in';
if (COMPARE !== undefined && !existsSync(COMPARE)) throw new Error(`--compare: ${COMPARE} does not exist (give a built dist/ directory)`);

const { startSessionSocket } = await import('../dist/socket/index.js');
const ms = (value) => `${value.toFixed(3)} ms`;
const signed = (value) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;

const { engine, dir, cleanup } = socketBench('socket');

/**
 * CPU time (user + system, ms) process `pid` used so far: its own (`self`), that of the children
 * it waited for (`children`), or both (`all`); undefined where /proc does not say.
 */
function cpuMs(pid, which = 'self') {
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []).map(Number);
    const own = (fields[11] ?? NaN) + (fields[12] ?? NaN);
    const children = (fields[13] ?? NaN) + (fields[14] ?? NaN);
    const ticks = which === 'self' ? own : which === 'children' ? children : own + children;
    // USER_HZ is 100 on every Linux that Node runs on.
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

const loadBefore = loadavg()[0];
try {
  buildBaseImage(engine);
  const results = {};

  // ---- startup ----------------------------------------------------------------------------
  if (!ONLY_CP) {
    const startups = [];
    for (let i = 0; i < STARTUP_ROUNDS; i++) {
      const path = join(dir, `startup-${i}.sock`);
      const agent = new http.Agent({ keepAlive: false });
      const start = performance.now();
      const socket = await startSessionSocket({ path, upstream: { socketPath: engine.socket }, labels: LABELS });
      await request(agent, path, 'GET', '/_ping');
      startups.push(performance.now() - start);
      await socket.close();
    }
    const processStartups = [];
    for (let i = 0; i < Math.min(STARTUP_ROUNDS, 5); i++) {
      const path = join(dir, `process-${i}.sock`);
      const start = performance.now();
      const hosted = await hostSocket(engine, path);
      await request(new http.Agent({ keepAlive: false }), path, 'GET', '/_ping');
      processStartups.push(performance.now() - start);
      await hosted.close();
    }
    results.startup = {
      p50: quantile(startups, 0.5),
      max: Math.max(...startups),
      process: { p50: quantile(processStartups, 0.5), max: Math.max(...processStartups) },
    };
  }

  // ---- latency ----------------------------------------------------------------------------
  const proxyPath = join(dir, 'docker.sock');
  const socket = await hostSocket(engine, proxyPath);
  const direct = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const proxied = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // With --compare, the other build's socket is a third side of every measure.
  const baselinePath = join(dir, 'baseline.sock');
  const baseline = COMPARE === undefined ? undefined : await hostSocket(engine, baselinePath, COMPARE);
  const baselineAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencySides = {
    direct: [direct, engine.socket],
    socket: [proxied, proxyPath],
    baseline: [baselineAgent, baselinePath],
  };
  if (!ONLY_CP) {
    const latency = async (name, count, method, path, body, after, expectStatus) => {
      const send = (side) => request(latencySides[side][0], latencySides[side][1], method, path, body, expectStatus);
      results[name] = await interleaved(count, Math.min(100, count), send, after, baseline !== undefined);
    };
    await latency('ping', REQUESTS, 'GET', '/_ping', undefined, async () => {});
    const created = [];
    await latency('create', CREATES, 'POST', '/containers/create', { Image: BASE_IMAGE, Cmd: ['true'], Labels: { bench: '1' } }, async (text) => {
      created.push(JSON.parse(text).Id);
    });
    // The rewrite path without the engine's container work (and its noise): a create of an image
    // that does not exist is collected, labelled and forwarded like any other, and answered 404.
    await latency('createMissing', REQUESTS, 'POST', '/containers/create', { Image: 'dj-bench-missing:none', Cmd: ['true'], Labels: { bench: '1' } }, async () => {}, 404);
    // The same with the body the docker CLI sends (`docker create IMAGE true`, CLI 28.2): 1.7 KB
    // with every host config member, which the implicit-volume check reads through.
    await latency('createMissingCli', REQUESTS, 'POST', '/containers/create', { ...CLI_CREATE_BODY, Image: 'dj-bench-missing:none' }, async () => {}, 404);
    const labelled = engine.docker(['ps', '-aq', '--filter', 'label=docker-janitor.session=bench']).split('\n').filter(Boolean).length;
    results.create.labelledThroughSocket = labelled;
    for (let i = 0; i < created.length; i += 100) engine.docker(['rm', '-f', ...created.slice(i, i + 100)]);
  }

  // ---- docker cp ----------------------------------------------------------------------------
  const file = join(dir, 'payload');
  const fd = openSync(file, 'w');
  const hash = createHash('sha256');
  for (let i = 0; i < CP_MIB; i++) {
    const block = randomBytes(1024 * 1024);
    hash.update(block);
    writeSync(fd, block);
  }
  closeSync(fd);
  const sum = hash.digest('hex');
  const container = engine.docker(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
  // dockerd with the children it waited for (20.10 untars and tars in a child of its own).
  const enginePid = Number(readFileSync(join(engine.dir, 'docker.pid'), 'utf8').trim());
  const delta = (before, after) => (before === undefined || after === undefined ? undefined : after - before);
  /** One copy: its time, and the CPU time the socket's process (`pid`), dockerd and the docker CLI spent on it. */
  const cp = async (host, args, pid) => {
    // Untimed: the previous copy's dirty pages go to disk now, not during this copy.
    execFileSync('sync');
    // The CLI is this process's child: its CPU time shows in ours once it was waited for.
    const before = [pid === undefined ? undefined : cpuMs(pid), cpuMs(enginePid, 'all'), cpuMs(process.pid, 'children')];
    const start = performance.now();
    await new Promise((resolve, reject) =>
      execFile('docker', ['cp', ...args], { env: { ...engine.env, DOCKER_HOST: host } }, (error) => (error ? reject(error) : resolve())),
    );
    const ms = performance.now() - start;
    const after = [pid === undefined ? undefined : cpuMs(pid), cpuMs(enginePid, 'all'), cpuMs(process.pid, 'children')];
    return { ms, socket: delta(before[0], after[0]), engine: delta(before[1], after[1]), cli: delta(before[2], after[2]) };
  };
  const sides = [
    { name: 'direct', host: engine.host },
    { name: 'socket', host: `unix://${proxyPath}`, pid: socket.pid },
    ...(baseline ? [{ name: 'baseline', host: `unix://${baselinePath}`, pid: baseline.pid }] : []),
  ];
  const copies = Object.fromEntries(sides.map((side) => [side.name, { in: [], out: [] }]));
  const out = join(dir, 'out');
  // Copies out only: the file goes in once, direct and untimed.
  if (!COPY_IN) await cp(engine.host, [file, `${container}:/payload`]);
  for (let round = 0; round < CP_ROUNDS; round++) {
    // Each side goes first in turn.
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(round + k) % sides.length];
      const c = copies[side.name];
      if (COPY_IN) c.in.push(await cp(side.host, [file, `${container}:/payload`], side.pid));
      if (COPY_OUT) {
        rmSync(out, { force: true });
        c.out.push(await cp(side.host, [`${container}:/payload`, out], side.pid));
        const got = createHash('sha256').update(readFileSync(out)).digest('hex');
        if (got !== sum) throw new Error(`docker cp through ${side.name}: checksum mismatch`);
      } else {
        const got = engine.docker(['exec', container, 'sha256sum', '/payload']).split(/\s+/)[0];
        if (got !== sum) throw new Error(`docker cp in through ${side.name}: checksum mismatch`);
      }
    }
  }
  const mibps = (t) => CP_MIB / (t / 1000);
  const cpuOf = (list, key) => {
    const values = list.map((copy) => copy[key]).filter((value) => value !== undefined);
    return values.length ? quantile(values, 0.5) : undefined;
  };
  const cpResult = (name, way) => {
    const d = copies.direct[way].map((copy) => copy.ms);
    const s = copies[name][way].map((copy) => copy.ms);
    const cpu = copies[name][way].map((copy) => copy.socket).filter((value) => value !== undefined);
    return {
      directMiBps: mibps(quantile(d, 0.5)),
      socketMiBps: mibps(quantile(s, 0.5)),
      ratio: quantile(d, 0.5) / quantile(s, 0.5),
      // Each round's copies ran back to back: their ratio cancels slow drifts of the machine's load.
      pairedRatio: quantile(s.map((value, i) => (d[i] ?? value) / value), 0.5),
      bestRatio: Math.min(...d) / Math.min(...s),
      cpuMs: cpu.length ? quantile(cpu, 0.5) : undefined,
      cpuEach: cpu,
      // The other two processes of the copy (medians), direct and through this socket.
      engineCpuMs: { direct: cpuOf(copies.direct[way], 'engine'), socket: cpuOf(copies[name][way], 'engine') },
      cliCpuMs: { direct: cpuOf(copies.direct[way], 'cli'), socket: cpuOf(copies[name][way], 'cli') },
      msDirect: d.map((v) => Math.round(v)),
      ms: s.map((v) => Math.round(v)),
    };
  };
  const ways = [...(COPY_IN ? ['in'] : []), ...(COPY_OUT ? ['out'] : [])];
  const cpResults = (name) => Object.fromEntries(ways.map((way) => [way, cpResult(name, way)]));
  results.cp = { mib: CP_MIB, rounds: CP_ROUNDS, ...cpResults('socket') };
  if (baseline) {
    results.cp.baseline = { dist: values.compare, ...cpResults('baseline') };
    await baseline.close();
  }
  await socket.close();
  direct.destroy();
  proxied.destroy();
  baselineAgent.destroy();

  const latencyLines = (label, r) => [
    `| GET /_ping${label} p50 (${r.ping.count}) | ${ms(r.ping.direct.p50)} | ${ms(r.ping.socket.p50)} | ${signed(r.ping.added.p50)} | <= +0.3 ms |`,
    `| GET /_ping${label} p99 | ${ms(r.ping.direct.p99)} | ${ms(r.ping.socket.p99)} | ${signed(r.ping.added.p99)} | |`,
    `| GET /_ping${label}, paired difference p50 / p99 | | | ${signed(r.ping.paired.p50)} / ${signed(r.ping.paired.p99)} | |`,
    `| POST /containers/create${label} p50 (${r.create.count}) | ${ms(r.create.direct.p50)} | ${ms(r.create.socket.p50)} | ${signed(r.create.added.p50)} | <= +0.3 ms |`,
    `| POST /containers/create${label} p99 | ${ms(r.create.direct.p99)} | ${ms(r.create.socket.p99)} | ${signed(r.create.added.p99)} | |`,
    `| POST /containers/create${label}, paired difference p50 / p99 | | | ${signed(r.create.paired.p50)} / ${signed(r.create.paired.p99)} | |`,
    `| POST /containers/create of a missing image (404)${label} p50 (${r.createMissing.count}) | ${ms(r.createMissing.direct.p50)} | ${ms(r.createMissing.socket.p50)} | ${signed(r.createMissing.added.p50)} | <= +0.3 ms |`,
    `| POST /containers/create of a missing image (404)${label} p99 | ${ms(r.createMissing.direct.p99)} | ${ms(r.createMissing.socket.p99)} | ${signed(r.createMissing.added.p99)} | |`,
    `| POST /containers/create of a missing image${label}, paired difference p50 / p99 | | | ${signed(r.createMissing.paired.p50)} / ${signed(r.createMissing.paired.p99)} | |`,
    `| the same with the docker CLI's 1.7 KB body (404)${label} p50 (${r.createMissingCli.count}) | ${ms(r.createMissingCli.direct.p50)} | ${ms(r.createMissingCli.socket.p50)} | ${signed(r.createMissingCli.added.p50)} | <= +0.3 ms |`,
    `| the same with the docker CLI's body${label}, paired difference p50 / p99 | | | ${signed(r.createMissingCli.paired.p50)} / ${signed(r.createMissingCli.paired.p99)} | |`,
  ];
  const pct = (ratio) => `${(ratio * 100).toFixed(0)}%`;
  const cpLines = (label, r) =>
    ways.flatMap((way) => [
      `| docker cp ${CP_MIB} MiB ${way}${label} (median of ${CP_ROUNDS}) | ${r[way].directMiBps.toFixed(0)} MiB/s | ${r[way].socketMiBps.toFixed(0)} MiB/s | ${pct(r[way].ratio)} | >= 80% |`,
      `| docker cp ${way}${label}: median of the rounds' ratios / best against best | | | ${pct(r[way].pairedRatio)} / ${pct(r[way].bestRatio)} | |`,
      ...(r[way].cpuMs === undefined ? [] : [`| docker cp ${way}${label}: CPU time of the socket's process per copy (median; each) | | ${r[way].cpuMs.toFixed(0)} ms (${r[way].cpuEach.join(', ')}) | | |`]),
      `| docker cp ${way}${label}: CPU time of dockerd (with its children) / of the docker CLI per copy (median), direct and through | ${r[way].engineCpuMs.direct ?? '?'} / ${r[way].cliCpuMs.direct ?? '?'} ms | ${r[way].engineCpuMs.socket ?? '?'} / ${r[way].cliCpuMs.socket ?? '?'} ms | | |`,
      `| docker cp ${way}${label}: each round's ms | ${r[way].msDirect.join(', ')} | ${r[way].ms.join(', ')} | | |`,
    ]);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    const lines = [
      `## Session socket (${new Date().toISOString().slice(0, 10)}, ${engine.docker(['version', '--format', '{{.Server.Version}}'])})`,
      '',
      `${cpus().length} CPUs, 1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end: on a shared machine the engine's own times vary more than the socket adds.`,
      '',
      '| measure | direct | through the socket | added / ratio | target |',
      '|---|---|---|---|---|',
      ...(ONLY_CP ? [] : latencyLines('', results)),
      ...(baseline && !ONLY_CP ? latencyLines(` (baseline: ${values.compare})`, Object.fromEntries(['ping', 'create', 'createMissing', 'createMissingCli'].map((name) => [name, results[name].baseline]))) : []),
      ...cpLines('', results.cp),
      ...(results.cp.baseline ? cpLines(` (baseline: ${values.compare})`, results.cp.baseline) : []),
      ...(ONLY_CP
        ? []
        : [
            `| startup to first /_ping (median of ${STARTUP_ROUNDS}, max) | | ${ms(results.startup.p50)} (max ${ms(results.startup.max)}) | | <= 100 ms |`,
            `| a new node process hosting it, to first /_ping (median, max) | | ${ms(results.startup.process.p50)} (max ${ms(results.startup.process.max)}) | | |`,
            '',
            `Containers created through the socket${baseline ? 's' : ''} carrying the session label: ${results.create.labelledThroughSocket} of ${(baseline ? 2 : 1) * (CREATES + Math.min(100, CREATES))}.`,
          ]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  cleanup();
}

#!/usr/bin/env node
/**
 * Where a session teardown's time goes, over the Engine API: every request with when it started
 * and when its answer ended, per-kind latencies, the concurrency reached, and the raw floor and
 * (as an experiment, never shipped) the same teardown with the temporary references taken out,
 * on the same prepared states, variants interleaved. On a private engine it starts and removes.
 *
 *   node bench/timeline.mjs [--sizes medium,large] [--rounds N] [--dist DIR[,DIR…]] [--no-tags] [--json FILE]
 *
 * --dist: the package directories to compare (each with its own dist/), default this one; named
 * by their basename in the report. --no-tags adds, for the first --dist, a variant whose
 * `POST /images/{id}/tag` is sent as `GET /_ping` and whose `DELETE /images/docker-janitor-remove:…`
 * goes to the image ID instead (an unsafe experiment: it prices the temporary references).
 */
import http from 'node:http';
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBaseImage, REPO_ROOT, startEngine } from './lib/engine.mjs';
import { craftImageTarballs, prepareState, SIZES } from './lib/state.mjs';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'medium,large' },
    rounds: { type: 'string', default: '2' },
    dist: { type: 'string' },
    'no-tags': { type: 'boolean', default: false },
    floor: { type: 'boolean', default: true },
    json: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const sizes = values.sizes.split(',').map((name) => SIZES.find((size) => size.name === name.trim()) ?? fail(`unknown size ${name}`));
const dists = (values.dist ?? REPO_ROOT).split(',').map((dir) => resolve(dir));
const log = (message) => process.stderr.write(`[timeline ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
const t0 = performance.now();
function fail(message) {
  throw new Error(message);
}

// ---- the recorder: every request through node:http (the package's api transport uses it) ----
/** @type {{ method: string, path: string, start: number, end: number, status: number }[] | undefined} */
let recording;
let recordStart = 0;
let noTags = false;
/** temporary reference → image ID, for the no-tags experiment */
const tagged = new Map();
const originalRequest = http.request;
http.request = function patched(options, callback) {
  if (typeof options !== 'object' || options === null || typeof options.path !== 'string' || options.headers?.Host !== 'docker') {
    return originalRequest.call(http, options, callback);
  }
  let { method, path } = options;
  if (noTags) {
    const tag = /^\/v[\d.]+\/images\/([^/]+)\/tag\?(.*)$/.exec(path);
    const untag = /^\/v[\d.]+\/images\/(docker-janitor-remove:[^/?]+)$/.exec(path);
    if (method === 'POST' && tag) {
      const query = new URLSearchParams(tag[2]);
      tagged.set(`${query.get('repo')}:${query.get('tag')}`, decodeURIComponent(tag[1]));
      method = 'GET';
      path = '/_ping';
    } else if (method === 'DELETE' && untag && tagged.has(decodeURIComponent(untag[1]))) {
      path = path.replace(untag[1], encodeURIComponent(tagged.get(decodeURIComponent(untag[1]))).replace(/%3A/gi, ':'));
    }
  }
  const entry = { method: options.method, path: options.path, start: performance.now() - recordStart, end: Number.NaN, status: 0 };
  const mine = recording;
  mine?.push(entry);
  const request = originalRequest.call(http, { ...options, method, path }, callback);
  request.on('response', (response) => {
    entry.status = response.statusCode ?? 0;
    response.on('end', () => {
      entry.end = performance.now() - recordStart;
    });
  });
  return request;
};

/** The kind of a request, from its method and path. */
function kindOf({ method, path }) {
  const p = path.replace(/\?.*$/, '').replace(/^\/v[\d.]+/, '');
  if (p === '/_ping') return 'ping';
  if (method === 'POST' && /^\/images\/[^/]+\/tag$/.test(p)) return 'tag';
  if (method === 'DELETE' && p.startsWith('/images/')) return 'image-delete';
  if (method === 'DELETE' && p.startsWith('/containers/')) return 'container-delete';
  if (method === 'POST' && p === '/images/prune') return 'image-prune';
  if (method === 'GET' && p === '/images/json') return 'list-images';
  if (method === 'GET' && p === '/containers/json') return 'list-containers';
  if (method === 'GET' && /^\/images\/.+\/json$/.test(p)) return 'inspect-image';
  return `${method} ${p.replace(/\/[0-9a-f]{64}/g, '/<id>')}`;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};
const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)}` : '-');

/** Max requests in flight at once, overall and per kind. */
function maxInFlight(entries) {
  const events = entries.flatMap((e) => [
    { t: e.start, d: 1, k: kindOf(e) },
    { t: Number.isFinite(e.end) ? e.end : Infinity, d: -1, k: kindOf(e) },
  ]);
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  const now = new Map();
  const max = new Map();
  let all = 0;
  let maxAll = 0;
  for (const ev of events) {
    all += ev.d;
    maxAll = Math.max(maxAll, all);
    now.set(ev.k, (now.get(ev.k) ?? 0) + ev.d);
    max.set(ev.k, Math.max(max.get(ev.k) ?? 0, now.get(ev.k)));
  }
  return { all: maxAll, byKind: max };
}

function summarise(entries, total) {
  const kinds = new Map();
  for (const e of entries) {
    const k = kindOf(e);
    const list = kinds.get(k) ?? [];
    list.push(e);
    kinds.set(k, list);
  }
  const flight = maxInFlight(entries);
  const rows = [...kinds].map(([k, list]) => {
    const lat = list.map((e) => e.end - e.start);
    return {
      kind: k,
      n: list.length,
      median: median(lat),
      p90: pct(lat, 0.9),
      max: Math.max(...lat),
      first: Math.min(...list.map((e) => e.start)),
      last: Math.max(...list.map((e) => e.end)),
      inFlight: flight.byKind.get(k) ?? 0,
    };
  });
  const containersGone = Math.max(...entries.filter((e) => kindOf(e) === 'container-delete').map((e) => e.end));
  const deletesAfter = entries.filter((e) => kindOf(e) === 'image-delete' && e.start >= containersGone).length;
  const deletesEndedBefore = entries.filter((e) => kindOf(e) === 'image-delete' && e.end < containersGone).length;
  return { total, rows, maxInFlight: flight.all, containersGone, deletesAfter, deletesEndedBefore, afterContainers: total - containersGone };
}

function printSummary(label, s) {
  const lines = [
    `### ${label}: ${ms(s.total)} ms; last container delete answered at +${ms(s.containersGone)} ms, then ${ms(s.afterContainers)} ms more; ${s.deletesEndedBefore} image deletes answered before it, ${s.deletesAfter} sent after it; max ${s.maxInFlight} requests in flight`,
    '',
    '| kind | n | latency median | p90 | max | first sent | last answered | max in flight |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...s.rows.map((r) => `| ${r.kind} | ${r.n} | ${ms(r.median)} | ${ms(r.p90)} | ${ms(r.max)} | +${ms(r.first)} | +${ms(r.last)} | ${r.inFlight} |`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---- procedures ----
async function teardownRun(openSession, engine, size, images, options = {}) {
  const session = await openSession({ images: 'all', docker: { transport: 'api' } }, { env: engine.env });
  try {
    await prepareState(engine, size, images, session.labels);
    recording = [];
    noTags = options.noTags === true;
    tagged.clear();
    recordStart = performance.now();
    const result = await session.teardown();
    const total = performance.now() - recordStart;
    const entries = recording;
    recording = undefined;
    noTags = false;
    const problems = [...(result.warnings ?? []), ...(result.images?.failed ?? []).map((f) => f.message)];
    if ((result.containers?.removed?.length ?? 0) !== size.containers) problems.push(`removed ${result.containers?.removed?.length} containers`);
    return { total, entries, problems, removedImages: result.images?.removed?.length ?? 0 };
  } finally {
    recording = undefined;
    noTags = false;
    await session.teardown();
  }
}

/** The floor over the API, in this process: every container DELETE force+v (50 at a time), one prune, one listing. */
async function apiFloor(engine, size, images) {
  const { containers } = await prepareState(engine, size, images);
  const socketPath = engine.env.DOCKER_HOST.replace(/^unix:\/\//, '');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const call = (method, path) =>
    new Promise((resolveCall, reject) => {
      const request = http.request({ socketPath, agent, method, path, headers: { Host: 'docker' } }, (response) => {
        response.resume();
        response.on('end', () => resolveCall(response.statusCode));
      });
      request.on('error', reject);
      request.end();
    });
  recording = [];
  recordStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < containers.length) await call('DELETE', `/v1.41/containers/${containers[next++]}?force=1&v=1`);
    }),
  );
  await call('POST', '/v1.41/images/prune');
  await call('GET', `/v1.41/images/json?filters=${encodeURIComponent('{"dangling":["true"]}')}`);
  const total = performance.now() - recordStart;
  const entries = recording.map((e) => e);
  recording = undefined;
  agent.destroy();
  return { total, entries, problems: [] };
}

/** The bench's floor: raw docker CLI processes. */
async function cliFloor(engine, size, images) {
  const { containers } = await prepareState(engine, size, images);
  const started = performance.now();
  engine.docker(['rm', '-f', '-v', ...containers]);
  const rm = performance.now() - started;
  engine.docker(['image', 'prune', '-f']);
  const prune = performance.now() - started - rm;
  const remaining = engine.docker(['images', '--filter', 'dangling=true', '-q', '--no-trunc']).split('\n').filter(Boolean);
  if (remaining.length > 0) engine.docker(['image', 'rm', ...remaining], { allowFailure: true });
  return { total: performance.now() - started, entries: [], problems: [], phases: { rm, prune } };
}

// ---- main ----
const engine = startEngine();
const stop = () => engine.stop();
process.on('SIGINT', () => {
  stop();
  process.exit(130);
});
try {
  buildBaseImage(engine);
  const tarballs = craftImageTarballs(engine, sizes.map((size) => size.dangling));
  const loaded = [];
  for (const dir of dists) {
    const module = await import(pathToFileURL(join(dir, 'dist/session/open.js')).href);
    loaded.push({ name: basename(dir), openSession: module.openSession });
  }
  /** @type {{ name: string, run: (size: any, images: any) => Promise<any> }[]} */
  const variants = loaded.map((dist) => ({ name: `teardown ${dist.name}`, run: (size, images) => teardownRun(dist.openSession, engine, size, images) }));
  if (values['no-tags']) {
    const first = loaded[0];
    variants.push({ name: `teardown ${first.name} WITHOUT tags (experiment)`, run: (size, images) => teardownRun(first.openSession, engine, size, images, { noTags: true }) });
  }
  if (values.floor) {
    variants.push({ name: 'floor (docker CLI)', run: (size, images) => cliFloor(engine, size, images) });
    variants.push({ name: 'floor over the API (rm all, prune, list)', run: (size, images) => apiFloor(engine, size, images) });
  }
  const loadStart = os.loadavg();
  const all = [];
  for (let round = 0; round < rounds; round++) {
    for (const size of sizes) {
      const images = tarballs.get(size.dangling);
      const order = variants.map((_, index) => variants[(index + round) % variants.length]);
      for (const variant of order) {
        const result = await variant.run(size, images);
        all.push({ round, size: size.name, variant: variant.name, ...result });
        log(`round ${round + 1} ${size.name} ${variant.name}: ${ms(result.total)} ms${result.phases ? ` (rm ${ms(result.phases.rm)}, prune ${ms(result.phases.prune)})` : ''}${result.problems.length ? ` problems: ${result.problems.slice(0, 3).join('; ')}` : ''}  load ${os.loadavg()[0].toFixed(2)}`);
      }
    }
  }
  process.stdout.write(`\nload average at start ${loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n\n`);
  for (const size of sizes) {
    process.stdout.write(`## ${size.name}\n\n| variant | runs (ms) | median |\n|---|---|---:|\n`);
    for (const variant of variants) {
      const runs = all.filter((r) => r.size === size.name && r.variant === variant.name).map((r) => r.total);
      process.stdout.write(`| ${variant.name} | ${runs.map(ms).join(', ')} | ${ms(median(runs))} |\n`);
    }
    process.stdout.write('\n');
    for (const variant of variants) {
      const last = all.filter((r) => r.size === size.name && r.variant === variant.name && r.entries.length > 0).pop();
      if (last) printSummary(`${size.name}, ${variant.name} (last round)`, summarise(last.entries, last.total));
    }
  }
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(all.map((r) => ({ ...r, entries: r.entries.map((e) => ({ ...e, kind: kindOf(e) })) })), null, 1));
    log(`wrote ${values.json}`);
  }
} finally {
  stop();
}

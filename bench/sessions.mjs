// Dead session records and what they cost: setup time with N dead records, and `sweep` of N.
//   node bench/sessions.mjs DIST N setup|sweep [WITH_CONTAINERS]
// DIST is a built dist/ (this one, or an older build to compare); DOCKER_HOST must point at a
// private engine (scripts/test-engine.sh). Records have no objects left on the engine, except
// the first WITH_CONTAINERS (default 10), which each have one labelled container.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const [dist, countText, mode, withText] = process.argv.slice(2);
const count = Number(countText);
const withContainers = Number(withText ?? '10');
if (!dist || !count || !['setup', 'sweep'].includes(mode ?? '')) {
  console.error('usage: node bench/sessions.mjs DIST N setup|sweep [WITH_CONTAINERS]');
  process.exit(2);
}
if (!process.env.DOCKER_HOST?.includes('dj-')) throw new Error('DOCKER_HOST must point at a private engine');

// DJ_BENCH_HUNG=1: the records name an engine that accepts connections and never answers.
let recordHost = process.env.DOCKER_HOST;
let hung;
if (process.env.DJ_BENCH_HUNG === '1') {
  const { createServer } = await import('node:net');
  const socket = join(mkdtempSync(join(tmpdir(), 'dj-bench-hung-')), 'hung.sock');
  hung = createServer(() => {});
  await new Promise((r) => hung.listen(socket, r));
  recordHost = `unix://${socket}`;
}
const state = mkdtempSync(join(tmpdir(), 'dj-bench-state-'));
mkdirSync(join(state, 'sessions'), { mode: 0o700 });
const deadPid = spawnSync('true').pid;
const ids = [];
for (let i = 0; i < count; i++) {
  const id = `${(Date.now() - 3_600_000 + i).toString(36)}-${randomBytes(4).toString('hex')}`;
  const dir = join(state, 'sessions', id);
  mkdirSync(dir, { mode: 0o700 });
  const record = { id, pid: deadPid, hostname: hostname(), startedAt: Date.now() - 3_600_000, docker: { host: recordHost }, stopTimeout: 0, adopt: { labels: [], all: false } };
  writeFileSync(join(dir, 'session.json'), JSON.stringify(record), { mode: 0o600 });
  writeFileSync(join(dir, 'tracked.jsonl'), '', { mode: 0o600 });
  ids.push(id);
}
for (const id of ids.slice(0, process.env.DJ_BENCH_HUNG === '1' ? 0 : withContainers)) {
  execFileSync('docker', ['run', '-d', '--label', `docker-janitor.session=${id}`, 'dj-test-base:latest', 'sleep', '3600']);
}
const left = () => execFileSync('docker', ['ps', '-aq', '--filter', 'label=docker-janitor.session']).toString().split('\n').filter(Boolean).length;
const records = () => readdirSync(join(state, 'sessions')).length;
const env = { ...process.env, DOCKER_JANITOR_STATE_DIR: state };

if (mode === 'setup') {
  process.env.DOCKER_JANITOR_STATE_DIR = state;
  const { openSession } = await import(resolve(dist, 'session/open.js'));
  const started = performance.now();
  const session = await openSession({ images: 'off' });
  const setupMs = performance.now() - started;
  // With the background sweep, wait until the dead records are gone (bounded).
  while (records() > 1 && performance.now() - started < 300_000) await new Promise((r) => setTimeout(r, 100));
  const allSweptMs = performance.now() - started;
  await session.teardown();
  console.log(JSON.stringify({ mode, count, withContainers, setupMs: Math.round(setupMs), deadRecordsGoneMs: Math.round(allSweptMs), recordsLeft: records(), containersLeft: left() }));
} else {
  const started = performance.now();
  const result = spawnSync(process.execPath, [resolve(dist, 'cli/bin.js'), 'sweep'], { env, encoding: 'utf8' });
  const sweepMs = performance.now() - started;
  console.log(JSON.stringify({ mode, count, withContainers, exit: result.status, sweepMs: Math.round(sweepMs), recordsLeft: records(), containersLeft: left(), lastLine: result.stdout.trim().split('\n').at(-1) }));
}
rmSync(state, { recursive: true, force: true });
hung?.close();
process.exit(0);

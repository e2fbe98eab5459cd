// What closing the session socket at teardown costs (issue 8: the socket is closed before the
// session's objects are listed). On a private engine of its own, in this one process:
//   - teardown() with nothing to clean, three variants per round, order rotated each round:
//       off     socket: false (no socket, nothing to close)
//       served  socket on, the watchdog serving it (waited for with GET /_ping through it): the
//               close handshake over the watchdog's channel
//       early   socket on, teardown right after openSession (the watchdog not started yet):
//               the claim file settles it, nothing to wait for (its teardown shares the CPUs
//               with the watchdog's start; 'off' and 'served' wait until it is idle)
//     with the default options (images 'before-and-own') and with images 'off' (less noise);
//     paired differences (served − off, early − off) per round, medians and p90;
//   - finishRun() (what the Vitest and Jest adapters run at the end: the rendering modules
//     loaded, then teardown), each in a fresh process (bench/lib/finish-child.mjs), socket on
//     (served, idle) and off alternated;
//   - the window a create in flight adds: POST /containers/create through the served socket,
//     answer times (the close waits at most this long for a create the engine already has);
//   - what the socket adds to setup (issue 8: at most 100 ms): openSession() with socket: false,
//     against openSession() with the socket until a GET /_ping through it is answered (the
//     watchdog serving), alternated, paired differences.
//
//   npm run build && node bench/closing.mjs [--rounds N] [--creates N]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBaseImage, REPO_ROOT, BASE_IMAGE, startEngine } from './lib/engine.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, creates: { type: 'string', default: '30' }, processes: { type: 'string', default: '15' } } });
/** How long 'off' and 'served' wait before teardown (after the socket answered, for 'served'). */
const PAUSE_MS = 500;
const rounds = Number(values.rounds);
const creates = Number(values.creates);

const { openSession } = await import(join(REPO_ROOT, 'dist/session/open.js'));
const { waitUntilServing } = await import(join(REPO_ROOT, 'dist/socket/ready.js'));

const engine = startEngine();
process.on('exit', () => engine.stop());
const loads = [os.loadavg()[0]];
const log = (line) => process.stderr.write(`${line}\n`);

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const ms = (value) => `${value.toFixed(2)} ms`;

/** One session opened and torn down with nothing to clean; returns teardown()'s time. */
async function once(variant, base) {
  const session = await openSession({ ...base, socket: variant !== 'off', signals: false, sweepDeadSessions: false }, { env: engine.env });
  if (variant === 'served') {
    const ping = await waitUntilServing(session.socket, { timeoutMs: 20_000 });
    if (!ping.ok) throw new Error(`the socket did not serve: ${ping.reason}`);
  }
  if (variant !== 'early') {
    // The same pause for 'off' and 'served': the watchdog has booted (its start is CPU the
    // teardown would otherwise share) and sits idle in both.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  }
  const started = performance.now();
  const result = await session.teardown();
  const took = performance.now() - started;
  if (result.warnings.length > 0 || result.incomplete) throw new Error(`${variant}: ${JSON.stringify(result.warnings)}`);
  return took;
}

// Warm-up: the first session loads the lazy modules.
await once('off', {});
await once('served', {});

const variants = ['off', 'served', 'early'];
const results = {};
for (const [name, base] of [
  ['default options', {}],
  ["images 'off'", { images: 'off' }],
]) {
  const samples = { off: [], served: [], early: [] };
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]);
    for (const variant of order) samples[variant].push(await once(variant, base));
  }
  results[name] = samples;
  loads.push(os.loadavg()[0]);
}

// finishRun in fresh processes, socket on and off alternated.
const finish = { on: [], off: [] };
for (let i = 0; i < Number(values.processes); i++) {
  for (const mode of i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
    const line = execFileSync(process.execPath, [join(REPO_ROOT, 'bench/lib/finish-child.mjs'), mode], { env: engine.env, stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim()
      .split('\n')
      .pop();
    finish[mode].push(JSON.parse(line ?? '{}').finishMs);
  }
}
loads.push(os.loadavg()[0]);

// Creates through the served socket: how long the engine takes to answer one.
buildBaseImage(engine);
const session = await openSession({ images: 'off', signals: false, sweepDeadSessions: false }, { env: engine.env });
await waitUntilServing(session.socket, { timeoutMs: 20_000 });
const createTimes = [];
const body = JSON.stringify({ Image: BASE_IMAGE, Cmd: ['sleep', '3600'] });
for (let i = 0; i < creates; i++) {
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const req = http.request({ socketPath: session.socket, method: 'POST', path: '/containers/create', headers: { 'Content-Type': 'application/json' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`create: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
  createTimes.push(performance.now() - started);
}
const removed = await session.teardown();
loads.push(os.loadavg()[0]);

// Setup with and without the socket, alternated; teardown untimed.
const setup = { off: [], on: [], onReturned: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
    const started = performance.now();
    const opened = await openSession({ images: 'off', socket: mode === 'on', signals: false, sweepDeadSessions: false }, { env: engine.env });
    if (mode === 'on') {
      // openSession() returns once the socket is bound: the tests may start, and their first
      // call waits in the socket's queue until the watchdog serves it.
      setup.onReturned.push(performance.now() - started);
      const ping = await waitUntilServing(opened.socket, { timeoutMs: 20_000 });
      if (!ping.ok) throw new Error(`the socket did not serve: ${ping.reason}`);
    }
    setup[mode].push(performance.now() - started);
    await opened.teardown();
  }
}
loads.push(os.loadavg()[0]);

const lines = [];
lines.push(`# Closing the session socket at teardown`);
lines.push('');
lines.push(
  `node ${process.version}, ${os.cpus().length} CPUs, 1-minute load ${loads.map((l) => l.toFixed(1)).join(' → ')}; ${rounds} rounds per option set, order rotated; times of teardown() in one process (API transport), nothing to clean; 'off' and 'served' start teardown ${PAUSE_MS} ms after setup (the watchdog idle), 'early' at once.`,
);
lines.push('');
lines.push('| options | off (no socket) p50 | served p50 | early p50 | served − off, paired p50 / p90 | early − off, paired p50 / p90 |');
lines.push('|---|---:|---:|---:|---:|---:|');
for (const [name, samples] of Object.entries(results)) {
  const served = samples.served.map((value, i) => value - samples.off[i]);
  const early = samples.early.map((value, i) => value - samples.off[i]);
  lines.push(
    `| ${name} | ${ms(quantile(samples.off, 0.5))} | ${ms(quantile(samples.served, 0.5))} | ${ms(quantile(samples.early, 0.5))} | ${ms(quantile(served, 0.5))} / ${ms(quantile(served, 0.9))} | ${ms(quantile(early, 0.5))} / ${ms(quantile(early, 0.9))} |`,
  );
}
lines.push('');
const finishDiff = finish.on.map((value, i) => value - finish.off[i]);
lines.push(
  `finishRun() in a fresh process (the adapters' end: rendering modules loaded, then teardown), ${finish.on.length} processes per mode, alternated: socket off p50 ${ms(quantile(finish.off, 0.5))}, socket on (served, idle) p50 ${ms(quantile(finish.on, 0.5))}; on − off, paired p50 ${ms(quantile(finishDiff, 0.5))}, p90 ${ms(quantile(finishDiff, 0.9))}.`,
);
lines.push('');
lines.push(
  `POST /containers/create through the served socket, ${creates} in a row: p50 ${ms(quantile(createTimes, 0.5))}, p90 ${ms(quantile(createTimes, 0.9))}, max ${ms(Math.max(...createTimes))} (the close waits this long at most for a create the engine already has; ${removed.containers.removed.length} containers removed by the teardown after).`,
);
lines.push('');
const setupDiff = setup.on.map((value, i) => value - setup.off[i]);
lines.push(
  `Setup, ${rounds} sessions per mode, alternated: openSession() with socket: false p50 ${ms(quantile(setup.off, 0.5))}; with the socket, until it returns p50 ${ms(quantile(setup.onReturned, 0.5))}, until a GET /_ping through it is answered (the watchdog, a new Node process, serving) p50 ${ms(quantile(setup.on, 0.5))}; served − off, paired p50 ${ms(quantile(setupDiff, 0.5))}, p90 ${ms(quantile(setupDiff, 0.9))} (target: at most 100 ms).`,
);
process.stdout.write(`${lines.join('\n')}\n`);

// What the session socket adds to setup (issue 8: at most 100 ms), on a private engine of its
// own: openSession() with socket: false, against openSession() with the socket until a
// GET /_ping through it is answered (the watchdog, a new Node process, serving it), in
// alternated pairs; paired differences (with − without) per pair, medians and p90. The first
// request of a test waits in the socket's queue until then.
//
// With --compare DIST (another build's dist/ directory, e.g. one built from an older commit), the
// same pairs with that build's openSession() as a further side, interleaved: before/after in one
// run. Every session is torn down (untimed) before the next one opens.
//
//   npm run build && node bench/setup.mjs [--rounds N] [--compare DIST]
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, startEngine } from './lib/engine.mjs';
import { quantile } from './lib/socket.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, compare: { type: 'string' } } });
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of at least 1');
/** Time for the previous session's watchdog to end before the next pair: it shares the CPUs. */
const PAUSE_MS = 300;

const sides = [];
for (const [name, dist] of [['this build', join(REPO_ROOT, 'dist')], ...(values.compare ? [[`--compare ${values.compare}`, resolve(values.compare)]] : [])]) {
  const { openSession } = await import(join(dist, 'session/open.js'));
  const { waitUntilServing } = await import(join(dist, 'socket/ready.js'));
  sides.push({ name, openSession, waitUntilServing, off: [], served: [], returned: [] });
}

const engine = startEngine();
process.on('exit', () => engine.stop());
const loads = [os.loadavg()[0]];

async function once(side, socket) {
  const started = performance.now();
  const session = await side.openSession({ images: 'off', socket, signals: false, sweepDeadSessions: false }, { env: engine.env });
  if (socket) {
    side.returned.push(performance.now() - started);
    const ping = await side.waitUntilServing(session.socket, { timeoutMs: 20_000, intervalMs: 1 });
    if (!ping.ok) throw new Error(`${side.name}: the socket did not serve: ${ping.reason}`);
  }
  const took = performance.now() - started;
  await session.teardown();
  await new Promise((done) => setTimeout(done, PAUSE_MS));
  return took;
}

// Warm-up: the first session of each side loads its lazy modules.
for (const side of sides) await once(side, true);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? sides : [...sides].reverse();
  for (const side of order) {
    for (const socket of round % 2 === 0 ? [false, true] : [true, false]) side[socket ? 'served' : 'off'].push(await once(side, socket));
  }
}
loads.push(os.loadavg()[0]);

const ms = (value) => `${value.toFixed(1)} ms`;
const lines = [`node ${process.version}, ${os.cpus().length} CPUs, 1-minute load ${loads.map((l) => l.toFixed(1)).join(' → ')}; ${rounds} pairs per side, alternated.`, ''];
lines.push('| build | setup without the socket p50 | with it, until it returns p50 | until a /_ping through it answers p50 (min, max) | added (paired) p50 / p90 | target |');
lines.push('|---|---:|---:|---:|---:|---|');
for (const side of sides) {
  const added = side.served.map((value, i) => value - side.off[i]);
  lines.push(
    `| ${side.name} | ${ms(quantile(side.off, 0.5))} | ${ms(quantile(side.returned, 0.5))} | ${ms(quantile(side.served, 0.5))} (${ms(Math.min(...side.served))}, ${ms(Math.max(...side.served))}) | ${ms(quantile(added, 0.5))} / ${ms(quantile(added, 0.9))} | <= 100 ms |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);

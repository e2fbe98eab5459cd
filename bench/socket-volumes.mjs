#!/usr/bin/env node
/**
 * What the session socket adds to a container create that mounts a named volume: the socket
 * first creates the volume itself, with the session label (POST /volumes/create on a connection
 * of its own), then forwards the create. On a private engine this script starts and always
 * removes, through the socket against direct, requests interleaved (the first of each pair
 * alternates), each client on one kept-alive connection:
 * - a create with a new named volume (`HostConfig.Binds: ["NAME:/data"]`, a new NAME each time:
 *   the engine creates the volume either way);
 * - a create with a named volume that exists already (the socket's volume create finds it);
 * - a create with no volume (the socket's label rewrite only), for comparison in the same run.
 *
 *   node bench/socket-volumes.mjs [--creates N] [--json]
 *
 * Needs dist/ (npm run build) and root for the private dockerd.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BASE_IMAGE, buildBaseImage, startEngine } from './lib/engine.mjs';

const { values } = parseArgs({ options: { creates: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } } });
const CREATES = Number(values.creates);
const LABELS = { 'docker-janitor.session': 'bench' };

const quantile = (list, q) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const ms = (value) => `${value.toFixed(2)} ms`;

function request(agent, socketPath, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {};
    const req = http.request({ socketPath, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(text);
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const engine = startEngine();
const dir = mkdtempSync(join(tmpdir(), 'dj-bench-volumes-'));
chmodSync(dir, 0o700);
const cleanup = () => {
  engine.stop();
  rmSync(dir, { recursive: true, force: true });
};
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => {
    cleanup();
    process.exit(code);
  });
}

/** The socket in a process of its own, as the watchdog hosts it. */
async function hostSocket(path) {
  const url = new URL('../dist/socket/index.js', import.meta.url).href;
  const code = `const { startSessionSocket } = await import(${JSON.stringify(url)});
const s = await startSessionSocket({ path: ${JSON.stringify(path)}, upstream: { socketPath: ${JSON.stringify(engine.socket)} }, labels: ${JSON.stringify(LABELS)} });
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => s.close().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  return { close: async () => { child.stdin.end(); await once(child, 'exit'); } };
}

const loadBefore = loadavg()[0];
try {
  buildBaseImage(engine);
  const proxyPath = join(dir, 'docker.sock');
  const socket = await hostSocket(proxyPath);
  const direct = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const proxied = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const results = {};
  const created = [];
  const clear = () => {
    for (let i = 0; i < created.length; i += 100) engine.docker(['rm', '-f', ...created.slice(i, i + 100)]);
    created.length = 0;
    const volumes = engine.docker(['volume', 'ls', '-q', '--filter', 'name=bench-']).split('\n').filter(Boolean);
    for (let i = 0; i < volumes.length; i += 100) engine.docker(['volume', 'rm', ...volumes.slice(i, i + 100)]);
  };
  engine.docker(['volume', 'create', 'shared-existing']);

  const measure = async (name, bodyFor) => {
    const d = [];
    const p = [];
    // warm-up: 20 each, not counted
    for (let i = 0; i < 20; i++) {
      created.push(JSON.parse(await request(direct, engine.socket, 'POST', '/containers/create', bodyFor('warm-d', i))).Id);
      created.push(JSON.parse(await request(proxied, proxyPath, 'POST', '/containers/create', bodyFor('warm-p', i))).Id);
    }
    for (let i = 0; i < CREATES; i++) {
      for (const which of i % 2 === 0 ? ['d', 'p'] : ['p', 'd']) {
        const start = performance.now();
        const text = which === 'd' ? await request(direct, engine.socket, 'POST', '/containers/create', bodyFor('d', i)) : await request(proxied, proxyPath, 'POST', '/containers/create', bodyFor('p', i));
        (which === 'd' ? d : p).push(performance.now() - start);
        created.push(JSON.parse(text).Id);
      }
    }
    const paired = p.map((value, i) => value - (d[i] ?? value));
    results[name] = {
      count: CREATES,
      direct: { p50: quantile(d, 0.5), p99: quantile(d, 0.99) },
      socket: { p50: quantile(p, 0.5), p99: quantile(p, 0.99) },
      paired: { p50: quantile(paired, 0.5), p99: quantile(paired, 0.99) },
    };
    clear();
  };

  await measure('noVolume', () => ({ Image: BASE_IMAGE, Cmd: ['true'] }));
  await measure('newVolume', (side, i) => ({ Image: BASE_IMAGE, Cmd: ['true'], HostConfig: { Binds: [`bench-${side}-${i}:/data`] } }));
  await measure('existingVolume', () => ({ Image: BASE_IMAGE, Cmd: ['true'], HostConfig: { Binds: ['shared-existing:/data'] } }));
  // The check that matters: the socket's volumes carry the label, the direct ones and the existing one do not.
  await request(proxied, proxyPath, 'POST', '/containers/create', { Image: BASE_IMAGE, Cmd: ['true'], HostConfig: { Binds: ['bench-check:/data'] } });
  results.labelled = {
    throughSocket: JSON.parse(engine.docker(['volume', 'inspect', '--format', '{{json .Labels}}', 'bench-check']) || 'null'),
    existing: JSON.parse(engine.docker(['volume', 'inspect', '--format', '{{json .Labels}}', 'shared-existing']) || 'null'),
  };
  await socket.close();
  direct.destroy();
  proxied.destroy();

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...results, cpus: cpus().length, load: [loadBefore, loadavg()[0]] }, null, 2)}\n`);
  } else {
    const row = (label, r) => [
      `| ${label} p50 (${r.count}) | ${ms(r.direct.p50)} | ${ms(r.socket.p50)} | +${ms(r.socket.p50 - r.direct.p50)} | +${ms(r.paired.p50)} |`,
      `| ${label} p99 | ${ms(r.direct.p99)} | ${ms(r.socket.p99)} | +${ms(r.socket.p99 - r.direct.p99)} | +${ms(r.paired.p99)} |`,
    ];
    const lines = [
      `## Session socket: container creates with a named volume (${new Date().toISOString().slice(0, 10)}, ${engine.docker(['version', '--format', '{{.Server.Version}}'])})`,
      '',
      `${cpus().length} CPUs, 1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end.`,
      '',
      '| POST /containers/create | direct | through the socket | added | paired difference |',
      '|---|---|---|---|---|',
      ...row('no volume', results.noVolume),
      ...row('a new named volume', results.newVolume),
      ...row('an existing named volume', results.existingVolume),
      '',
      `Labels of a volume made through the socket: ${JSON.stringify(results.labelled.throughSocket)}; of the volume that existed before: ${JSON.stringify(results.labelled.existing)}.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  cleanup();
}

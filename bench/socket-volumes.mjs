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
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BASE_IMAGE, buildBaseImage } from './lib/engine.mjs';
import { hostSocket, interleaved, request, socketBench } from './lib/socket.mjs';

const { values } = parseArgs({ options: { creates: { type: 'string', default: '200' }, json: { type: 'boolean', default: false } } });
const CREATES = Number(values.creates);

const ms = (value) => `${value.toFixed(2)} ms`;

const { engine, dir, cleanup } = socketBench('volumes');

const loadBefore = loadavg()[0];
try {
  buildBaseImage(engine);
  const proxyPath = join(dir, 'docker.sock');
  const socket = await hostSocket(engine, proxyPath);
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
    // 20 rounds of warm-up, not counted.
    const send = (side, i, warm) =>
      side === 'direct'
        ? request(direct, engine.socket, 'POST', '/containers/create', bodyFor(warm ? 'warm-d' : 'd', i))
        : request(proxied, proxyPath, 'POST', '/containers/create', bodyFor(warm ? 'warm-p' : 'p', i));
    results[name] = await interleaved(CREATES, 20, send, async (text) => {
      created.push(JSON.parse(text).Id);
    });
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
      `| ${label} p50 (${r.count}) | ${ms(r.direct.p50)} | ${ms(r.socket.p50)} | +${ms(r.added.p50)} | +${ms(r.paired.p50)} |`,
      `| ${label} p99 | ${ms(r.direct.p99)} | ${ms(r.socket.p99)} | +${ms(r.added.p99)} | +${ms(r.paired.p99)} |`,
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

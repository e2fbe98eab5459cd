#!/usr/bin/env node
/**
 * How much of the session socket's added latency any relay in a Node process pays, and how much
 * is the socket's own work: on a private engine this script starts and always removes, requests
 * go direct, through the session socket (this build's dist/, in a process of its own, as the
 * watchdog hosts it), and through a relay that only copies bytes between the two sockets (the
 * same kind of process, no parsing, no labels), interleaved (the order rotates each round), each
 * side on one kept-alive connection:
 * - GET /_ping;
 * - a container create of a missing image with the docker CLI's 1.7 KB body (answered 404: the
 *   socket's request path without the engine's container work);
 * - a real container create (small body; the containers are removed at the end).
 * For each, p50 added against direct and the median of paired differences, and the CPU time each
 * relay's process spent per request (from /proc; 10 ms ticks, so over many requests), user and
 * system time apart. With --compare DIST, a socket served from another build's dist/ is one more
 * side, interleaved with the others (before/after in one run). --cases picks the requests
 * (ping, cli404, real; default all three).
 *
 *   npm run build && node bench/relay-floor.mjs [--requests N] [--creates N] [--compare DIST] [--cases ping,cli404,real]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BASE_IMAGE, buildBaseImage } from './lib/engine.mjs';
import { CLI_CREATE_BODY, hostSocket, quantile, request, socketBench } from './lib/socket.mjs';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    creates: { type: 'string', default: '300' },
    compare: { type: 'string' },
    cases: { type: 'string', default: 'ping,cli404,real' },
  },
});
const REQUESTS = Number(values.requests);
const CREATES = Number(values.creates);
const COMPARE = values.compare === undefined ? undefined : resolve(values.compare, 'socket/index.js');
const CASES = new Set(values.cases.split(','));
const WARMUP = 100;

/** CPU time (ms) process `pid` used so far, user and system. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/** A relay that copies bytes both ways and nothing else, in a Node process of its own. */
async function copyRelay(path, engineSocket) {
  const code = `import net from 'node:net';
net.createServer((client) => {
  const engine = net.connect(${JSON.stringify(engineSocket)});
  client.on('data', (data) => engine.write(data));
  engine.on('data', (data) => client.write(data));
  client.on('close', () => engine.destroy());
  engine.on('close', () => client.destroy());
  client.on('error', () => {});
  engine.on('error', () => {});
}).listen(${JSON.stringify(path)}, () => process.stdout.write('ready\\n'));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  return { pid: child.pid, close: async () => { child.stdin.end(); await once(child, 'exit'); } };
}

const { engine, dir, cleanup } = socketBench('relay-floor');
const loads = [loadavg()[0]];
try {
  buildBaseImage(engine);
  const socketPath = join(dir, 'docker.sock');
  const copyPath = join(dir, 'copy.sock');
  const baselinePath = join(dir, 'baseline.sock');
  const socket = await hostSocket(engine, socketPath);
  const baseline = COMPARE === undefined ? undefined : await hostSocket(engine, baselinePath, COMPARE);
  const copy = await copyRelay(copyPath, engine.socket);
  const sides = { direct: engine.socket, socket: socketPath, ...(baseline ? { baseline: baselinePath } : {}), copy: copyPath };
  const names = Object.keys(sides);
  const relays = names.filter((name) => name !== 'direct');
  const agents = Object.fromEntries(names.map((name) => [name, new http.Agent({ keepAlive: true, maxSockets: 1 })]));
  const pids = { socket: socket.pid, ...(baseline ? { baseline: baseline.pid } : {}), copy: copy.pid };
  const made = [];
  const cases = [
    ['ping', 'GET /_ping', REQUESTS, 'GET', '/_ping', undefined, undefined],
    ['cli404', "create, the CLI's body (404)", REQUESTS, 'POST', '/containers/create', { ...CLI_CREATE_BODY, Image: 'dj-bench-missing:none' }, 404],
    ['real', 'create (real)', CREATES, 'POST', '/containers/create', { Image: BASE_IMAGE, Cmd: ['true'] }, undefined],
  ].filter(([key]) => CASES.has(key));
  const rows = [];
  for (const [, label, count, method, path, body, status] of cases) {
    const times = Object.fromEntries(names.map((name) => [name, []]));
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
    for (let i = 0; i < count + WARMUP; i++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(i + k) % names.length];
        const started = performance.now();
        const answer = await request(agents[name], sides[name], method, path, body, status);
        const took = performance.now() - started;
        if (status === undefined && method === 'POST') made.push(JSON.parse(answer).Id);
        if (i >= WARMUP) times[name].push(took);
      }
    }
    const perRequest = (ms) => ((ms * 1000) / (count + WARMUP)).toFixed(0);
    const cpu = Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => {
        const now = cpuMs(pid);
        return [name, `${perRequest(now.user + now.system - cpuBefore[name].user - cpuBefore[name].system)} (${perRequest(now.user - cpuBefore[name].user)} + ${perRequest(now.system - cpuBefore[name].system)})`];
      }),
    );
    const direct = quantile(times.direct, 0.5);
    const added = (name) => quantile(times[name], 0.5) - direct;
    const paired = (name) => quantile(times[name].map((value, i) => value - times.direct[i]), 0.5);
    const signed = (value) => `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(3)}`;
    rows.push(`| ${label} (${count}) | ${direct.toFixed(3)} ms | ${relays.map((name) => `${signed(added(name))} (${signed(paired(name))}) ms`).join(' | ')} | ${relays.map((name) => cpu[name]).join(' / ')} µs |`);
    loads.push(loadavg()[0]);
  }
  for (let i = 0; i < made.length; i += 100) engine.docker(['rm', ...made.slice(i, i + 100)]);
  for (const agent of Object.values(agents)) agent.destroy();
  await socket.close();
  await baseline?.close();
  await copy.close();
  process.stdout.write(
    [
      `## The relay floor (${new Date().toISOString().slice(0, 10)}, ${engine.docker(['version', '--format', '{{.Server.Version}}'])})`,
      '',
      `${cpus().length} CPUs, 1-minute load average ${loads.map((load) => load.toFixed(1)).join(' → ')}; p50 added against direct (median of paired differences in brackets); CPU per request as user + system.${baseline ? ` Baseline: the socket of ${values.compare}.` : ''}`,
      '',
      `| request | direct p50 | through the session socket | ${baseline ? 'through the baseline socket | ' : ''}through a byte-copying relay | CPU per request: ${relays.join(' / ')} |`,
      `|---|---|---|${baseline ? '---|' : ''}---|---|`,
      ...rows,
      '',
    ].join('\n'),
  );
} finally {
  cleanup();
}

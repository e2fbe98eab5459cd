/**
 * What the session socket benches share (bench/socket.mjs, bench/socket-volumes.mjs): a private
 * engine with a 0700 directory for the socket, the socket hosted in a process of its own, one
 * HTTP request on a kept-alive connection, and requests timed direct against through the socket,
 * interleaved.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startEngine } from './engine.mjs';

/** What `docker create dj-bench-base:latest true` sends with docker CLI 28.2.2 (API 1.41), as captured. */
export const CLI_CREATE_BODY = {"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["true"],"Image":"dj-bench-base:latest","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}};

/** The label the benches' socket adds. */
export const LABELS = { 'docker-janitor.session': 'bench' };

/** The `q` quantile (0..1) of `values`: the value at that rank of the sorted list. */
export const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/**
 * A private engine and a 0700 temp directory (`dj-bench-<name>-`) for the socket; `cleanup()`
 * removes both, and runs on SIGINT and SIGTERM too.
 */
export function socketBench(name) {
  const engine = startEngine();
  const dir = mkdtempSync(join(tmpdir(), `dj-bench-${name}-`));
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
  return { engine, dir, cleanup };
}

/**
 * The socket at `path` in a process of its own, as the watchdog hosts it (a client in the same
 * process would share its event loop, and a synchronous child process call would deadlock it).
 * `module`: the socket module of another build (bench/socket.mjs --compare).
 */
export async function hostSocket(engine, path, module) {
  const url = module === undefined ? new URL('../../dist/socket/index.js', import.meta.url).href : pathToFileURL(module).href;
  const code = `const { startSessionSocket } = await import(${JSON.stringify(url)});
const s = await startSessionSocket({ path: ${JSON.stringify(path)}, upstream: { socketPath: ${JSON.stringify(engine.socket)} }, labels: ${JSON.stringify(LABELS)} });
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => s.close().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  await once(child.stdout, 'data');
  return { pid: child.pid, close: async () => { child.stdin.end(); await once(child, 'exit'); } };
}

/**
 * One request on `agent` to `socketPath`; resolves with the body text. Rejects on a status of
 * 300 or more, or, with `expectStatus`, on any other status than that.
 */
export function request(agent, socketPath, method, path, body, expectStatus) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {};
    const req = http.request({ socketPath, method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (expectStatus !== undefined ? res.statusCode !== expectStatus : (res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(text);
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * `count` rounds of one request direct and one through the socket, after `warmup` rounds not
 * counted; which goes first alternates, so neither always runs on a warmer engine. `send(side,
 * i, warm)` sends one (`side`: 'direct' or 'socket') and resolves with its answer, timed;
 * `after(answer)` then runs untimed. Returns p50 and p99 of each side, of the difference of
 * those (added), and of the rounds' paired differences. With `baseline` (bench/socket.mjs
 * --compare), each round also sends one to side 'baseline', the order rotating over the three,
 * and the result has the same figures for it under `baseline`.
 */
export async function interleaved(count, warmup, send, after = async () => {}, baseline = false) {
  const sides = baseline ? ['direct', 'socket', 'baseline'] : ['direct', 'socket'];
  const times = Object.fromEntries(sides.map((side) => [side, []]));
  for (let i = 0; i < warmup; i++) {
    for (const side of sides) await after(await send(side, i, true));
  }
  for (let i = 0; i < count; i++) {
    // Two sides: alternate; three: rotate.
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(i + k) % sides.length];
      const start = performance.now();
      const answer = await send(side, i, false);
      times[side].push(performance.now() - start);
      await after(answer);
    }
  }
  const { direct } = times;
  const p = (list) => ({ p50: quantile(list, 0.5), p99: quantile(list, 0.99) });
  const against = (socket) => ({
    count,
    direct: p(direct),
    socket: p(socket),
    added: { p50: quantile(socket, 0.5) - quantile(direct, 0.5), p99: quantile(socket, 0.99) - quantile(direct, 0.99) },
    paired: p(socket.map((value, i) => value - (direct[i] ?? value))),
  });
  return { ...against(times.socket), ...(baseline ? { baseline: against(times.baseline) } : {}) };
}

#!/usr/bin/env node
/**
 * An `ssh://` engine and the session socket (issue 8): what a run-shaped workload costs
 * - `ssh`: directly over `DOCKER_HOST=ssh://…` (the docker CLI's own ssh: what the tests do
 *   when the session socket falls back to labels and adoption);
 * - `relay-cli`: through the session socket, one `docker --host ssh://… system dial-stdio`
 *   process per client connection (that CLI pings the engine on a connection of its own first,
 *   so two SSH logins per connection);
 * - `relay-ssh`: through the session socket, one `ssh … -- HOST docker system dial-stdio` per
 *   client connection, the command the docker CLI itself runs (one login per connection);
 * - `-mux`: the same with SSH connection sharing (ControlMaster/ControlPersist in the ssh
 *   config), and `local`, the engine's own unix socket, as the reference (the tests run where
 *   the engine is).
 *
 * Everything is real and on this machine: a private engine (scripts/test-engine.sh) behind a
 * private sshd (scripts/test-sshd.sh: Debian's openssh-server, its own config and keys on a
 * loopback port), reached directly (RTT 0) or through a loopback TCP proxy that delays each
 * direction by RTT/2 (bench/lib/delay-proxy.mjs; this kernel has no `tc netem`), for each
 * round-trip time asked for. All of it is stopped and removed at the end.
 *
 * Per mode and RTT, interleaved per round (the order rotates):
 * - `docker run -d`, `docker ps`, `docker rm -f`, timed one by one and end to end, with the
 *   SSH connections (sshd's accepted logins) and ssh processes each one opened;
 * - connection setup: a fresh connection's first `GET /_ping`; per request: `GET /_ping` on a
 *   kept-alive connection (p50 of 20);
 * - testcontainers: `GenericContainer.start()` + `stop()` in a fresh process (its client is a
 *   per-process singleton), time and SSH connections.
 *
 *   node bench/ssh.mjs [--rtt 0,5,30] [--rounds 5] [--tc-rounds 2] [--json]
 *
 * Needs root (dockerd, sshd), Debian's openssh-server, dist/ (npm run build).
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createConnection } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { BASE_IMAGE, REPO_ROOT, buildBaseImage, engineVersions, startEngine } from './lib/engine.mjs';

const { values } = parseArgs({
  options: {
    rtt: { type: 'string', default: '0,5,30' },
    rounds: { type: 'string', default: '5' },
    'tc-rounds': { type: 'string', default: '2' },
    modes: { type: 'string', default: 'local,ssh,ssh-mux,relay-cli,relay-ssh,relay-ssh-mux' },
    json: { type: 'boolean', default: false },
  },
});
const RTTS = values.rtt.split(',').map((v) => v.trim()).filter(Boolean);
const ROUNDS = Number(values.rounds);
const TC_ROUNDS = Number(values['tc-rounds']);
const MODES = values.modes.split(',');
const SSHD_SCRIPT = join(REPO_ROOT, 'scripts/test-sshd.sh');
const LABEL = 'dj-bench=ssh';

const quantile = (list, q) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const median = (list) => quantile(list, 0.5);
const fmt = (v) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : '–');

const engine = startEngine();
const work = mkdtempSync(join(tmpdir(), 'dj-bench-ssh-'));
chmodSync(work, 0o700);
/** @type {Array<() => void | Promise<void>>} */
const cleanups = [];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const step of cleanups.reverse()) {
    try {
      await step();
    } catch {
      // go on with the rest
    }
  }
  engine.stop();
  rmSync(work, { recursive: true, force: true });
}
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => void cleanup().then(() => process.exit(code)));
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  void cleanup().then(() => process.exit(1));
});

/** One sshd in front of the engine (scripts/test-sshd.sh), for every RTT. */
function startSshd() {
  const dir = join(work, 'sshd');
  const out = execFileSync('bash', [SSHD_SCRIPT, 'start', dir, engine.socket], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  cleanups.push(() => execFileSync('bash', [SSHD_SCRIPT, 'stop', dir], { stdio: 'ignore' }));
  const host = /DOCKER_HOST=(\S+)/.exec(out)?.[1];
  if (!host) throw new Error(`test-sshd printed no DOCKER_HOST: ${out}`);
  return { dir, host };
}

/**
 * The sshd seen through a delay proxy with RTT ms (0: no proxy), its ssh wrappers (plain and
 * with connection sharing; both count the ssh processes started) and its login count.
 */
async function sshdAt(base, rtt) {
  const { dir } = base;
  let host = base.host;
  if (Number(rtt) > 0) {
    const proxy = spawn(process.execPath, [join(REPO_ROOT, 'bench/lib/delay-proxy.mjs'), new URL(base.host).port, rtt], { stdio: ['pipe', 'pipe', 'inherit'] });
    const [data] = await once(proxy.stdout, 'data');
    const port = data.toString().trim();
    cleanups.push(() => proxy.stdin.end());
    host = `ssh://${new URL(base.host).username}@127.0.0.1:${port}`;
    // The same host key, seen at the proxy's port.
    const key = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${key}\n`, { flag: 'a' });
  }
  // Two wrappers that count ssh processes: one with the plain config, one that adds sharing.
  const count = join(dir, `ssh-processes-${rtt}.log`);
  const muxConfig = join(dir, `ssh_config_mux_${rtt}`);
  writeFileSync(
    muxConfig,
    `Host *\n  ControlMaster auto\n  ControlPath ${dir}/cm-%C\n  ControlPersist 120\n` + readFileSync(join(dir, 'ssh_config'), 'utf8'),
  );
  const bins = {};
  for (const [name, config] of [['plain', join(dir, 'ssh_config')], ['mux', muxConfig]]) {
    const bin = join(dir, `bin-${name}-${rtt}`);
    mkdirSync(bin);
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\necho x >> ${count}\nexec /usr/bin/ssh -F ${config} "$@"\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    bins[name] = bin;
  }
  cleanups.push(() => {
    // The ControlPersist masters of the mux config.
    try {
      execFileSync('/usr/bin/ssh', ['-F', muxConfig, '-O', 'exit', '-p', new URL(host).port, '-l', new URL(host).username, new URL(host).hostname], { stdio: 'ignore' });
    } catch {
      // none running
    }
  });
  const logins = () => (existsSync(join(dir, 'sshd.log')) ? readFileSync(join(dir, 'sshd.log'), 'utf8').split('Accepted publickey').length - 1 : 0);
  const processes = () => (existsSync(count) ? readFileSync(count, 'utf8').split('\n').length - 1 : 0);
  return { dir, host, bins, logins, processes };
}

/**
 * The session socket in a process of its own (as the watchdog hosts it), relaying over ssh:
 * `cli` spawns `docker --host ssh://… system dial-stdio` per connection, `ssh` spawns the ssh
 * command the docker CLI would run (src/socket/upstream.ts, sshDialStdioCommand).
 */
async function hostRelay(path, sshd, bin, kind) {
  const url = new URL('../dist/socket/index.js', import.meta.url).href;
  const upstreamUrl = new URL('../dist/socket/upstream.js', import.meta.url).href;
  const { sshDialStdioCommand } = await import(upstreamUrl);
  const command =
    kind === 'cli'
      ? { file: 'docker', args: ['--host', sshd.host, 'system', 'dial-stdio'], describe: sshd.host }
      : sshDialStdioCommand(sshd.host, join(bin, 'ssh'));
  const code = `const { startSessionSocket } = await import(${JSON.stringify(url)});
const s = await startSessionSocket({ path: ${JSON.stringify(path)}, upstream: { command: ${JSON.stringify(command)} }, labels: { 'docker-janitor.session': 'bench-ssh' }, onProblem: (m) => process.stderr.write('relay: ' + m + '\\n') });
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => s.close().then(() => process.exit(0)));`;
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'], env });
  await once(child.stdout, 'data');
  const close = async () => {
    if (child.exitCode !== null) return;
    child.stdin.end();
    await once(child, 'exit');
  };
  cleanups.push(close);
  return { close };
}

function run(file, args, env) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.slice(0, 3).join(' ')}…: ${stderr.trim() || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** A fresh connection's first GET /_ping, then 20 on it: [setup ms, per-request p50 ms]. */
async function pings(connect) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  agent.createConnection = (_options, callback) => {
    const socket = connect();
    callback?.(null, socket);
    return socket;
  };
  const ping = () =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: 'docker', path: '/_ping', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  let start = performance.now();
  await ping();
  const setup = performance.now() - start;
  const each = [];
  for (let i = 0; i < 20; i++) {
    start = performance.now();
    await ping();
    each.push(performance.now() - start);
  }
  agent.destroy();
  return [setup, median(each)];
}

/** GET /_ping over `ssh … docker system dial-stdio` (what the docker CLI opens per process). */
function sshConnection(sshd, bin) {
  const url = new URL(sshd.host);
  const child = spawn(join(bin, 'ssh'), ['-o', 'ConnectTimeout=30', '-T', '-l', url.username, '-p', url.port, '--', url.hostname, 'docker', 'system', 'dial-stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin });
  duplex.on('close', () => child.kill());
  // What http.Agent calls on a socket it keeps.
  Object.assign(duplex, { setKeepAlive() {}, setNoDelay() {}, setTimeout() {}, ref() {}, unref() {} });
  return duplex;
}

const TC_CHILD = `
const started = performance.now();
const { GenericContainer, Wait } = await import('testcontainers');
const times = [];
for (let i = 0; i < Number(process.argv[1]); i++) {
  const start = performance.now();
  const container = await new GenericContainer(${JSON.stringify(BASE_IMAGE)})
    .withCommand(['sh', '-c', 'echo tc-ready; exec sleep 300'])
    .withLabels({ 'dj-bench': 'ssh' })
    .withWaitStrategy(Wait.forLogMessage('tc-ready'))
    .withStartupTimeout(60_000)
    .start();
  await container.stop({ timeout: 0 });
  times.push(performance.now() - start);
}
process.stdout.write(JSON.stringify(times));
`;

function testcontainers(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', TC_CHILD, String(TC_ROUNDS)], {
      cwd: REPO_ROOT,
      env: { ...env, TESTCONTAINERS_RYUK_DISABLED: 'true', TESTCONTAINERS_HOST_OVERRIDE: 'localhost' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('exit', () => {
      clearTimeout(timer);
      try {
        resolve({ times: JSON.parse(out) });
      } catch {
        const lines = err.trim().split('\n');
        resolve({ error: (lines.find((l) => /^\w*Error: /.test(l)) ?? lines.pop() ?? 'no output').slice(0, 200) });
      }
    });
  });
}

const loadBefore = loadavg()[0];
const results = { rtts: {}, conditions: {} };
try {
  buildBaseImage(engine);
  results.conditions.versions = engineVersions(engine);
  const base = startSshd();
  for (const rtt of RTTS) {
    const sshd = await sshdAt(base, rtt);
    const modeEnv = {};
    const relays = {};
    for (const mode of MODES) {
      const env = { ...engine.env };
      if (mode === 'local') {
        modeEnv[mode] = env;
        continue;
      }
      const bin = sshd.bins[mode.endsWith('-mux') ? 'mux' : 'plain'];
      if (mode.startsWith('ssh')) {
        modeEnv[mode] = { ...env, DOCKER_HOST: sshd.host, PATH: `${bin}:${process.env.PATH}` };
      } else {
        const path = join(work, `relay-${rtt}-${mode}.sock`);
        relays[mode] = await hostRelay(path, sshd, bin, mode.startsWith('relay-cli') ? 'cli' : 'ssh');
        modeEnv[mode] = { ...env, DOCKER_HOST: `unix://${path}` };
      }
    }
    const per = Object.fromEntries(MODES.map((m) => [m, { run: [], ps: [], rm: [], total: [], setup: [], request: [], conns: {}, procs: {}, tc: undefined }]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]);
      for (const mode of order) {
        const env = modeEnv[mode];
        const r = per[mode];
        const step = async (name, args) => {
          const [l0, p0] = [sshd.logins(), sshd.processes()];
          const start = performance.now();
          const out = await run('docker', args, env);
          r[name].push(performance.now() - start);
          (r.conns[name] ??= []).push(sshd.logins() - l0);
          (r.procs[name] ??= []).push(sshd.processes() - p0);
          return out;
        };
        const start = performance.now();
        const id = await step('run', ['run', '-d', '--label', LABEL, BASE_IMAGE, 'sleep', '300']);
        await step('ps', ['ps', '-q', '--filter', `label=${LABEL}`]);
        await step('rm', ['rm', '-f', id]);
        r.total.push(performance.now() - start);
        // Connection setup and per request.
        const connect =
          mode === 'local' || mode.startsWith('relay')
            ? () => createConnection({ path: new URL(env.DOCKER_HOST).pathname })
            : () => sshConnection(sshd, sshd.bins[mode.endsWith('-mux') ? 'mux' : 'plain']);
        const [setup, request] = await pings(connect);
        r.setup.push(setup);
        r.request.push(request);
      }
    }
    for (const mode of MODES) {
      const [l0] = [sshd.logins()];
      const tc = await testcontainers(modeEnv[mode]);
      per[mode].tc = { ...tc, logins: sshd.logins() - l0 };
    }
    for (const relay of Object.values(relays)) await relay.close();
    const leftover = engine.docker(['ps', '-aq', '--filter', `label=${LABEL}`]);
    if (leftover) engine.docker(['rm', '-f', ...leftover.split('\n')], { allowFailure: true });
    results.rtts[rtt] = Object.fromEntries(
      MODES.map((mode) => {
        const r = per[mode];
        return [
          mode,
          {
            run: median(r.run),
            ps: median(r.ps),
            rm: median(r.rm),
            total: median(r.total),
            totalMax: Math.max(...r.total),
            setup: median(r.setup),
            request: median(r.request),
            conns: Object.fromEntries(Object.entries(r.conns).map(([k, v]) => [k, median(v)])),
            procs: Object.fromEntries(Object.entries(r.procs).map(([k, v]) => [k, median(v)])),
            tc: r.tc,
          },
        ];
      }),
    );
    if (!values.json) process.stderr.write(`rtt ${rtt} ms done (load ${loadavg()[0].toFixed(1)})\n`);
  }
  results.conditions.load = [loadBefore, loadavg()[0]];
  results.conditions.cpus = cpus().length;
  results.conditions.rounds = ROUNDS;
} finally {
  await cleanup();
}

if (values.json) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  const lines = [];
  const v = results.conditions.versions;
  lines.push(`${results.conditions.cpus} CPUs, load ${results.conditions.load.map((l) => l.toFixed(1)).join(' → ')}, engine ${v.server}, CLI ${v.client}, ${ROUNDS} rounds, medians in ms`);
  lines.push('');
  lines.push('| RTT | mode | run -d | ps | rm -f | run+ps+rm (max) | SSH logins run/ps/rm | ssh processes run/ps/rm | new connection: first /_ping | /_ping on it | testcontainers start+stop (SSH logins) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [rtt, modes] of Object.entries(results.rtts)) {
    for (const [mode, r] of Object.entries(modes)) {
      const tc = r.tc.error ? `fails: ${r.tc.error}` : `${r.tc.times.map(fmt).join(', ')} (${r.tc.logins})`;
      lines.push(
        `| ${rtt} ms | ${mode} | ${fmt(r.run)} | ${fmt(r.ps)} | ${fmt(r.rm)} | ${fmt(r.total)} (${fmt(r.totalMax)}) | ${r.conns.run}/${r.conns.ps}/${r.conns.rm} | ${r.procs.run}/${r.procs.ps}/${r.procs.rm} | ${fmt(r.setup)} | ${fmt(r.request)} | ${tc} |`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

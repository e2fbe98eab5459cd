/**
 * The session socket wired into sessions (built package: its watchdog, dist/watchdog/main.cjs,
 * serves the socket). A test that knows nothing of docker-janitor, through DOCKER_HOST: docker
 * CLI, python3-docker and docker-compose 1.29 leave nothing after teardown; what is created
 * directly on the engine (another terminal, another run) is never touched; the watchdog cleans
 * after a SIGKILL of the runner, the signal handlers after SIGINT and SIGTERM.
 */
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { openSession as OpenSession } from '../../../src/session/open.js';
import { BASE_IMAGE, dockerEnv, dockerSync, privateHost, resetEngine, startExtraEngine } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { isRunning, removeStateDir, watchdogOf } from '../../support/processes.js';

const PYTHON = '/usr/bin/python3';
const COMPOSE = '/usr/bin/docker-compose';
const SESSION = 'docker-janitor.session';
const BUILD_SESSION = 'docker-janitor.build-session';

let openSession: typeof OpenSession;
let stateDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/session/open.js'))) throw new Error('dist/ is not built: run npm run build first');
  ({ openSession } = (await import(join(REPO_ROOT, 'dist/session/open.js'))) as { openSession: typeof OpenSession });
});

beforeEach(() => {
  resetEngine();
  stateDir = mkdtempSync(join(tmpdir(), 'dj-socket-session-'));
  env = { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: stateDir, DOCKER_CONTEXT: 'ignored-by-tests', DOCKER_TLS_VERIFY: '', DOCKER_CERT_PATH: '/nowhere' };
  delete env.TESTCONTAINERS_RYUK_DISABLED;
});

afterEach(() => {
  removeStateDir(stateDir);
});

const OPTIONS = { signals: false, sweepDeadSessions: false, images: 'off' } as const;
const exists = (kind: 'container' | 'network' | 'volume' | 'image', id: string) => dockerSync([kind, 'inspect', id], { allowFailure: true }) !== '';
const all = () => ({
  containers: dockerSync(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean).sort(),
  networks: dockerSync(['network', 'ls', '-q', '--no-trunc', '--filter', 'type=custom']).split('\n').filter(Boolean).sort(),
  volumes: dockerSync(['volume', 'ls', '-q']).split('\n').filter(Boolean).sort(),
});
const inEnv = (testEnv: NodeJS.ProcessEnv) => (args: string[]) => execFileSync('docker', args, { env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

/** These clients are what the tests are about: without one, the test fails and says how to get it (the suite never skips). */
function need(path: string, debianPackage: string): void {
  if (!existsSync(path)) throw new Error(`${path} not found: install Debian's ${debianPackage} (bash scripts/install-deps.sh)`);
}

/** What `pid` listens on, from /proc: the paths of its listening unix sockets, and the `address:port` (hex) of its listening TCP sockets, IPv4 and IPv6. */
function listeners(pid: number): { unix: string[]; tcp: string[] } {
  const held = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) held.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const rows = (file: string) => readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean).map((line) => line.trim().split(/\s+/));
  // /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 is __SO_ACCEPTCON (listening).
  const unix = rows('/proc/net/unix').filter((c) => c[3] === '00010000' && held.has(c[6]!)).map((c) => c[7] ?? '');
  // /proc/net/tcp{,6}: sl local_address rem_address st … inode; st 0A is LISTEN.
  const tcp = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap(rows).filter((c) => c[3] === '0A' && held.has(c[9]!)).map((c) => c[1]!);
  return { unix, tcp };
}

/** The environment process `pid` started with. */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** Connects to `path` as uid/gid 65534 (nobody); prints `connected` or the error code. */
function connectAsNobody(path: string): string {
  const code = `require('node:net').connect(${JSON.stringify(path)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', code], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`setpriv failed: ${result.stderr}`);
  return result.stdout.trim();
}

describe('a session with the socket (the default)', () => {
  it('docker CLI through DOCKER_HOST: run, create, network, volume, build, commit are cleaned at teardown; a container made from another terminal stays; the environment is restored', async () => {
    // A CA file for Node: the watchdog (a unix engine's) starts without it (processes.ts helperEnv).
    const testEnv: NodeJS.ProcessEnv = { ...env, NODE_EXTRA_CA_CERTS: '/nowhere/extra-ca.pem' };
    const before = { ...testEnv };
    const session = await openSession(OPTIONS, { env: testEnv });
    expect(session.warnings).toEqual([]);
    expect(session.socket).toBe(join(session.dir, 'socket', 'docker.sock'));
    // The modes the relay's own safety test checks, on the wired socket; another uid is refused.
    expect(statSync(session.socket!).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(session.socket!)).mode & 0o777).toBe(0o700);
    expect(connectAsNobody(session.socket!)).toBe('EACCES');

    const restore = session.exportEnv(testEnv);
    expect(testEnv.DOCKER_HOST).toBe(`unix://${session.socket}`);
    expect(testEnv.TESTCONTAINERS_RYUK_DISABLED).toBe('true');
    for (const key of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) expect(key in testEnv).toBe(false);

    const docker = inEnv(testEnv);
    const run = docker(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    // The watchdog serves it: it listens on the session socket (the kernel keeps the name it was
    // bound under, in the same private directory, before setup renamed it into place), and on no
    // TCP port.
    const watchdog = watchdogOf(session.dir);
    expect(watchdog).toBeTypeOf('number');
    expect(environOf(watchdog!).NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(environOf(watchdog!).DOCKER_JANITOR_EXTRA_CA_CERTS).toBe('/nowhere/extra-ca.pem');
    expect(environOf(watchdog!).DOCKER_HOST).toBe(env.DOCKER_HOST);
    const listening = listeners(watchdog!);
    expect(listening.tcp).toEqual([]);
    expect(listening.unix.map((path) => dirname(path))).toEqual([dirname(session.socket!)]);
    const created = docker(['create', BASE_IMAGE, 'true']);
    const network = docker(['network', 'create', 'socket-session-net']);
    const volume = docker(['volume', 'create', 'socket-session-vol']);
    const context = mkdtempSync(join(tmpdir(), 'dj-socket-build-'));
    writeFileSync(join(context, 'Dockerfile'), `FROM ${BASE_IMAGE}\nRUN echo built > /built\n`);
    docker(['build', '-q', '-t', 'socket-session-built:latest', context]);
    rmSync(context, { recursive: true, force: true });
    expect(JSON.parse(dockerSync(['image', 'inspect', '--format', '{{json .Config.Labels}}', 'socket-session-built:latest']))).toMatchObject({ [SESSION]: '', [BUILD_SESSION]: session.id });
    const committed = docker(['commit', run]);
    expect(JSON.parse(dockerSync(['image', 'inspect', '--format', '{{json .Config.Labels}}', committed]))).toMatchObject({ [SESSION]: '', [BUILD_SESSION]: session.id });
    // Another terminal, mid-run, directly on the engine.
    const foreign = dockerSync(['run', '-d', BASE_IMAGE, 'sleep', '3600']);

    const result = await session.teardown();
    expect(result.containers.removed.map((c) => c.id).sort()).toEqual([run, created].sort());
    expect([exists('container', run), exists('container', created), exists('network', network), exists('volume', volume)]).toEqual([false, false, false, false]);
    expect(exists('container', foreign)).toBe(true);
    expect(existsSync(session.dir)).toBe(false);

    restore();
    expect(testEnv).toEqual(before);
  });

  it("images built and committed through the socket: another terminal's container from one, and its untagged build FROM one, are never the run's (labels are inherited); the run's own dangling images go", async () => {
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession({ ...OPTIONS, images: 'before-and-own' }, { env: testEnv });
    session.exportEnv(testEnv);
    const docker = inEnv(testEnv);
    const context = mkdtempSync(join(tmpdir(), 'dj-socket-inherit-'));
    const build = (dockerfile: string, tag: string[], via: (args: string[]) => string) => {
      writeFileSync(join(context, 'Dockerfile'), dockerfile);
      return via(['build', '-q', ...tag, context]);
    };
    // The tests: an app image (tagged), then a rebuild under the same tag, leaving the first dangling.
    const first = build(`FROM ${BASE_IMAGE}\nVOLUME /data\nRUN echo 1 > /v\nCMD ["sleep","3000"]\n`, ['-t', 'inherit-app:dev'], docker);
    const app = build(`FROM ${BASE_IMAGE}\nVOLUME /data\nRUN echo 2 > /v\nCMD ["sleep","3000"]\n`, ['-t', 'inherit-app:dev'], docker);
    expect(first).not.toBe(app);
    // Another terminal, directly on the engine: a database from the tests' image, and a build FROM it.
    const userDb = dockerSync(['run', '-d', '--name', 'inherit-user-db', app]);
    dockerSync(['exec', userDb, 'sh', '-c', 'echo precious > /data/f']);
    const userBuild = build('FROM inherit-app:dev\nRUN echo mine > /mine\n', [], (args) => dockerSync(args));
    // The tests again: a snapshot of their own container, untagged.
    const testContainer = docker(['run', '-d', app]);
    const snapshot = docker(['commit', testContainer]);
    // Someone runs the snapshot directly too.
    const userFromSnapshot = dockerSync(['create', snapshot, 'true']);
    rmSync(context, { recursive: true, force: true });

    const result = await session.teardown();
    expect(result.incomplete).toBeFalsy();
    expect(result.containers.removed.map((c) => c.id)).toEqual([testContainer]);
    expect(dockerSync(['exec', userDb, 'cat', '/data/f'])).toBe('precious');
    expect([exists('container', userFromSnapshot), exists('image', userBuild)]).toEqual([true, true]);
    // The run's own: the dangling first build goes; the snapshot stays while a container uses it.
    expect(exists('image', first)).toBe(false);
    expect(exists('image', snapshot)).toBe(true);
    expect(result.images?.removed.map((i) => i.id)).toContain(first);
    expect(result.images?.removed.map((i) => i.id)).not.toContain(userBuild);
  });

  it("another terminal commits one of the run's containers straight to the engine and runs its own container from it: that container, its volume's data and the untagged commit stay (attack/108)", async () => {
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession({ ...OPTIONS, images: 'before-and-own' }, { env: testEnv });
    session.exportEnv(testEnv);
    const docker = inEnv(testEnv);
    const testContainer = docker(['run', '-d', BASE_IMAGE, 'sleep', '3000']);
    // Another terminal: dockerd copies the container's labels into the commit, and the commit's into its containers.
    const commit = dockerSync(['commit', testContainer]);
    expect(JSON.parse(dockerSync(['image', 'inspect', '--format', '{{json .Config.Labels}}', commit]))).toEqual({ [SESSION]: session.id });
    // A second one nobody uses: untagged, labelled with the session, made during the run.
    const spare = dockerSync(['commit', testContainer]);
    const userDb = dockerSync(['run', '-d', '-v', '/data', commit, 'sleep', '3000']);
    dockerSync(['exec', userDb, 'sh', '-c', 'echo precious > /data/f']);

    const result = await session.teardown();
    expect(result.incomplete).toBeFalsy();
    expect(result.containers.removed.map((c) => c.id)).toEqual([testContainer]);
    expect(result.warnings).toEqual([expect.stringMatching(new RegExp(`^Left container ${userDb.slice(0, 12)}: `))]);
    expect(dockerSync(['exec', userDb, 'cat', '/data/f'])).toBe('precious');
    expect(exists('image', spare)).toBe(true);
    expect(result.images?.removed.map((i) => i.id)).not.toContain(spare);
  });

  it("builds reuse the engine's cache: another terminal's untagged image made during the run, under a build's cached step or a commit, stays; the run's own builds leave none of their intermediate images", async () => {
    const images = () => dockerSync(['images', '-aq', '--no-trunc']).split('\n').filter(Boolean).sort();
    const untouched = images();
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession({ ...OPTIONS, images: 'before-and-own' }, { env: testEnv });
    session.exportEnv(testEnv);
    const docker = inEnv(testEnv);
    const context = mkdtempSync(join(tmpdir(), 'dj-socket-cache-'));
    const build = (dockerfile: string, via: (args: string[]) => string, quiet = true) => {
      writeFileSync(join(context, 'Dockerfile'), dockerfile);
      const output = via(['build', ...(quiet ? ['-q'] : []), context]);
      return quiet ? output : dockerSync(['image', 'inspect', '-f', '{{.Id}}', /Successfully built (\w+)/.exec(output)?.[1] ?? 'none']);
    };
    // Another terminal, directly on the engine, during the run: an untagged build (attack/100, 102).
    const theirs = build(`FROM ${BASE_IMAGE}\nRUN echo theirs > /theirs\n`, (args) => dockerSync(args));
    // The tests: the same Dockerfile (every step but the label steps from the cache, on top of
    // theirs), a commit of a container run from theirs, and builds of their own, quiet or not.
    const cached = build(`FROM ${BASE_IMAGE}\nRUN echo theirs > /theirs\n`, docker);
    const parentOf = (id: string) => dockerSync(['image', 'inspect', '-f', '{{.Parent}}', id]);
    const labelStep = parentOf(cached);
    expect(parentOf(labelStep)).toBe(theirs);
    docker(['run', '--name', 'cache-commit-src', theirs, 'true']);
    const committed = docker(['commit', 'cache-commit-src']);
    docker(['rm', 'cache-commit-src']);
    build(`FROM ${BASE_IMAGE}\nRUN echo one > /one\nRUN echo two > /two\n`, docker);
    build(`FROM ${BASE_IMAGE}\nRUN echo three > /three\n`, docker, false);
    rmSync(context, { recursive: true, force: true });

    const result = await session.teardown();
    expect(result.incomplete).toBeFalsy();
    expect(exists('image', theirs)).toBe(true);
    expect([exists('image', cached), exists('image', committed)]).toEqual([false, false]);
    // Left: theirs, and the label step on it (the cached build went alone, noprune: nothing of theirs lost).
    const left = images().filter((id) => !untouched.includes(id));
    expect(left.sort()).toEqual([theirs, labelStep].sort());
  });

  it("a quiet build (q=1) whose step comes from the cache of another terminal's build that finished while the build's context uploaded: theirs is not the run's and stays (attack/106 Q=1)", async () => {
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession({ ...OPTIONS, images: 'before-and-own' }, { env: testEnv });
    session.exportEnv(testEnv);
    const dockerfile = `FROM ${BASE_IMAGE}\nRUN echo race-${process.pid}-${Date.now()} > /r\n`;
    const big = mkdtempSync(join(tmpdir(), 'dj-socket-race-big-'));
    const small = mkdtempSync(join(tmpdir(), 'dj-socket-race-small-'));
    writeFileSync(join(big, 'Dockerfile'), dockerfile);
    writeFileSync(join(big, 'blob'), Buffer.alloc(512 * 1024, 7));
    writeFileSync(join(small, 'Dockerfile'), dockerfile);
    const context = execFileSync('tar', ['-C', big, '-cf', '-', '.']);
    // The tests' build, as the docker CLI sends it, its context held open before its last KiB.
    let answer = '';
    const answered = new Promise<void>((resolve, reject) => {
      const build = request({ socketPath: session.socket!, method: 'POST', path: '/v1.41/build?q=1&rm=1', headers: { 'Content-Type': 'application/x-tar', 'Content-Length': context.length } }, (response) => {
        response.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        response.on('end', resolve);
      });
      build.on('error', reject);
      build.write(context.subarray(0, context.length - 1024));
      void (async () => {
        await new Promise((done) => setTimeout(done, 500));
        // Meanwhile, another terminal, directly on the engine: the same steps, untagged.
        theirs = (await promisify(execFile)('docker', ['build', '-q', small], { env })).stdout.trim();
        build.end(context.subarray(context.length - 1024));
      })().catch(reject);
    });
    let theirs = '';
    await answered;
    rmSync(big, { recursive: true, force: true });
    rmSync(small, { recursive: true, force: true });
    const ours = (JSON.parse(answer.trim()) as { stream: string }).stream.trim();
    const parentOf = (id: string) => dockerSync(['image', 'inspect', '-f', '{{.Parent}}', id]);
    // Ours <- the label steps <- theirs (the RUN step, from the cache).
    expect(parentOf(parentOf(ours))).toBe(theirs);

    const result = await session.teardown();
    expect(result.incomplete).toBeFalsy();
    expect(exists('image', theirs)).toBe(true);
    expect(exists('image', ours)).toBe(false);
  });

  it('python3-docker and docker-compose 1.29 (network_mode: none) through the socket leave nothing after teardown', { timeout: 180_000 }, async () => {
    need(PYTHON, 'python3-docker');
    need(COMPOSE, 'docker-compose');
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession(OPTIONS, { env: testEnv });
    session.exportEnv(testEnv);
    const untouched = all();
    const py = JSON.parse(execFileSync(PYTHON, [join(REPO_ROOT, 'fixtures/programs/docker-py-client.py'), BASE_IMAGE], { env: testEnv }).toString()) as Record<string, unknown>;
    expect(py.copy_ok).toBe(true);
    const project = join(stateDir, 'compose');
    mkdirSync(project);
    writeFileSync(
      join(project, 'docker-compose.yml'),
      ['version: "3.8"', 'services:', '  app:', `    image: ${BASE_IMAGE}`, '    command: ["sleep", "3600"]', '    network_mode: none', '    volumes: ["data:/data"]', 'volumes:', '  data: {}', ''].join('\n'),
    );
    execFileSync(COMPOSE, ['--project-name', 'djwired', 'up', '-d'], { cwd: project, env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const during = all();
    expect(during.containers.length).toBeGreaterThanOrEqual(untouched.containers.length + 4);

    const result = await session.teardown();
    expect(result.incomplete).toBeFalsy();
    expect(all()).toEqual(untouched);
  });

  it('named volumes made by container creates (docker run -v, --mount, compose short and long syntax) go at teardown; a volume that existed before stays', { timeout: 180_000 }, async () => {
    need(COMPOSE, 'docker-compose');
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession(OPTIONS, { env: testEnv });
    session.exportEnv(testEnv);
    // Before the run, directly on the engine: a volume the run will mount, and compose's name for one.
    dockerSync(['volume', 'create', 'implicit-existing']);
    dockerSync(['volume', 'create', 'djvols_kept']);
    const untouched = all();
    const docker = inEnv(testEnv);
    docker(['run', '--rm', '-v', 'implicit-run:/data', BASE_IMAGE, 'true']);
    docker(['create', '--mount', 'type=volume,src=implicit-mount,dst=/x', BASE_IMAGE, 'true']);
    docker(['create', '-v', 'implicit-existing:/data', BASE_IMAGE, 'true']);
    const project = join(stateDir, 'compose-volumes');
    mkdirSync(project);
    writeFileSync(
      join(project, 'docker-compose.yml'),
      [
        'version: "3.8"',
        'services:',
        '  app:',
        `    image: ${BASE_IMAGE}`,
        '    command: ["sleep", "3600"]',
        '    network_mode: none',
        '    volumes:',
        '      - short:/short',
        '      - kept:/kept',
        '      - type: volume',
        '        source: long',
        '        target: /long',
        'volumes:',
        '  short: {}',
        '  kept: {}',
        '  long: {}',
        '',
      ].join('\n'),
    );
    execFileSync(COMPOSE, ['--project-name', 'djvols', 'up', '-d'], { cwd: project, env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const name of ['implicit-run', 'implicit-mount', 'djvols_short', 'djvols_long']) {
      expect(JSON.parse(dockerSync(['volume', 'inspect', '--format', '{{json .Labels}}', name]))?.[SESSION], name).toBe(session.id);
    }
    expect(JSON.parse(dockerSync(['volume', 'inspect', '--format', '{{json .Labels}}', 'implicit-existing']))).toBeNull();

    const result = await session.teardown();
    expect(result.incomplete).toBeFalsy();
    expect(all()).toEqual(untouched);
    expect([exists('volume', 'implicit-existing'), exists('volume', 'djvols_kept')]).toEqual([true, true]);
  });

  it('a TCP engine with mutual TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH): the socket relays to it over TLS, the tests use plain docker with no TLS settings, teardown removes what they made', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'dj-socket-tls-'));
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'ignore' });
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=dj-test-ca']);
    writeFileSync(join(certs, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    writeFileSync(join(certs, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    // DOCKER_CERT_PATH holds the client's files under the docker CLI's names: ca.pem, cert.pem, key.pem.
    for (const [name, cert, key] of [['server', 'server.pem', 'server-key.pem'], ['client', 'cert.pem', 'key.pem']] as const) {
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', `${name}.csr`, '-subj', `/CN=dj-test-${name}`]);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', `${name}.ext`]);
    }
    // The engine as a remote one with --tlsverify looks: TLS that requires a client certificate
    // signed by the CA, in front of the private engine's socket. In a process of its own: the
    // test's synchronous docker calls block this one's event loop. It prints its port, then the
    // certificate name of each connection.
    const code = `
      const { readFileSync } = require('node:fs'); const { join } = require('node:path');
      const net = require('node:net'); const tls = require('node:tls');
      const [certs, engine] = process.argv.slice(1);
      const pem = (name) => readFileSync(join(certs, name));
      const server = tls.createServer({ key: pem('server-key.pem'), cert: pem('server.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true }, (client) => {
        console.log('PEER ' + client.getPeerCertificate().subject.CN);
        const upstream = net.connect(engine);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
      process.stdin.on('end', () => process.exit(0)).resume();`;
    const proxy = spawn(process.execPath, ['-e', code, certs, privateHost().replace('unix://', '')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let said = '';
    proxy.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    for (let waited = 0; !/^PORT \d+$/m.test(said) && waited < 30_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const peers = () => [...said.matchAll(/^PEER (.*)$/gm)].map((match) => match[1]);
    try {
      const host = `tcp://127.0.0.1:${/^PORT (\d+)$/m.exec(said)?.[1]}`;
      const testEnv: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs, NODE_EXTRA_CA_CERTS: join(certs, 'ca.pem') };
      const before = { ...testEnv };
      const session = await openSession(OPTIONS, { env: testEnv });
      expect(session.warnings).toEqual([]);
      // A TLS engine's watchdog keeps Node's CA file: its connections may need it.
      expect(environOf(watchdogOf(session.dir)!).NODE_EXTRA_CA_CERTS).toBe(join(certs, 'ca.pem'));
      const restore = session.exportEnv(testEnv);
      expect(testEnv.DOCKER_HOST).toBe(`unix://${session.socket}`);
      for (const key of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) expect(key in testEnv).toBe(false);
      // Bounded: a synchronous call that hangs would hold the test past its own timeout.
      const run = execFileSync('docker', ['run', '-d', BASE_IMAGE, 'sleep', '3600'], { env: testEnv, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
      expect(JSON.parse(dockerSync(['inspect', '--format', '{{json .Config.Labels}}', run]))).toEqual({ [SESSION]: session.id });
      const foreign = dockerSync(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
      const result = await session.teardown();
      expect(result.containers.removed.map((c) => c.id)).toEqual([run]);
      expect([exists('container', run), exists('container', foreign)]).toEqual([false, true]);
      // Every connection to the engine, the socket's relay and the session's own calls, came with the client certificate.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(peers().length).toBeGreaterThan(0);
      expect(new Set(peers())).toEqual(new Set(['dj-test-client']));
      restore();
      expect(testEnv).toEqual(before);
    } finally {
      proxy.stdin.end();
      rmSync(certs, { recursive: true, force: true });
    }
  });

  it('the engine goes away mid-stream during the run: each client gets a clean end or error, the socket and the session stay up, and once the engine is back the socket relays again and teardown removes what was made through it', async () => {
    // An engine of this test's own, so that stopping it harms no other test.
    const extra = startExtraEngine();
    const soon = async (done: () => boolean, what: () => string) => {
      for (let waited = 0; !done() && waited < 60_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(done(), what()).toBe(true);
    };
    try {
      const testEnv: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: extra.host };
      const session = await openSession(OPTIONS, { env: testEnv });
      expect(session.warnings).toEqual([]);
      session.exportEnv(testEnv);
      const watchdog = watchdogOf(session.dir);
      expect(watchdog).toBeTypeOf('number');
      const cli = (args: string[]) => spawnSync('docker', args, { env: testEnv, encoding: 'utf8', timeout: 60_000 });
      // A stream through the socket, live: it shows a create made through the socket.
      const events = spawn('docker', ['events', '--since', String(Math.floor(Date.now() / 1000) - 60), '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}'], { env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let streamed = '';
      let ended = false;
      events.stdout.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
      events.stderr.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
      events.on('close', () => (ended = true));
      expect(cli(['volume', 'create', 'engine-away-before']).status).toBe(0);
      await soon(() => streamed.includes('volume create engine-away-before'), () => streamed);

      extra.stop();
      // The stream's connection ended with the engine's; the docker CLI left.
      await soon(() => ended, () => streamed);
      // A request while the engine is away: a clean error from the socket, to that client.
      const ping = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ socketPath: session.socket!, path: '/_ping' }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
      expect(ping.status).toBe(502);
      expect((JSON.parse(ping.body) as { message: string }).message).toMatch(/^docker-janitor session socket: /);
      const refused = cli(['volume', 'ls']);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/docker-janitor session socket: /);
      // Neither the socket nor the session went down.
      expect(existsSync(session.socket!)).toBe(true);
      expect(isRunning(watchdog!)).toBe(true);

      extra.start();
      const after = cli(['volume', 'create', 'engine-away-after']);
      expect(after.status, after.stderr).toBe(0);
      expect(JSON.parse(extra.docker(['volume', 'inspect', '--format', '{{json .Labels}}', 'engine-away-after']))).toEqual({ [SESSION]: session.id });
      expect(watchdogOf(session.dir)).toBe(watchdog);
      const result = await session.teardown();
      expect(result.incomplete).toBeFalsy();
      expect(extra.docker(['volume', 'ls', '-q']).split('\n').filter(Boolean)).toEqual([]);
    } finally {
      extra.dispose();
    }
  });

  it('bad input to the session socket gets a clean error on its own connection; the watchdog and the session go on (a container made through it afterwards is labelled and removed at teardown)', async () => {
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession(OPTIONS, { env: testEnv });
    session.exportEnv(testEnv);
    // The first request through the socket also waits for the watchdog to serve it.
    expect(inEnv(testEnv)(['version', '--format', '{{.Server.Version}}'])).not.toBe('');
    const watchdog = watchdogOf(session.dir);
    expect(watchdog).toBeTypeOf('number');
    /** The answer to `text` on a fresh connection, read until the socket closes it (or, with `leaveAfterMs`, until the client leaves). */
    const raw = (text: string, leaveAfterMs?: number) =>
      new Promise<string>((resolve) => {
        const client = connect(session.socket!);
        let answer = '';
        client.on('data', (data: Buffer) => (answer += data.toString('latin1')));
        client.on('close', () => resolve(answer));
        client.on('error', () => resolve(answer));
        client.write(text);
        if (leaveAfterMs !== undefined) setTimeout(() => client.destroy(), leaveAfterMs);
      });
    const garbage = await raw('THIS IS NOT HTTP\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toContain('"message":"docker-janitor session socket: malformed request line');
    const oversized = await raw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${17 * 1024 * 1024}\r\n\r\n{"Image":`);
    expect(oversized).toMatch(/^HTTP\/1\.1 413 /);
    expect(await raw('POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 500\r\n\r\n{"Image":"dj-', 100)).toBe('');
    expect(all().containers).toEqual([]);

    const id = inEnv(testEnv)(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    expect(JSON.parse(dockerSync(['inspect', '--format', '{{json .Config.Labels}}', id]))).toEqual({ [SESSION]: session.id });
    expect(watchdogOf(session.dir)).toBe(watchdog);
    const result = await session.teardown();
    expect(result.warnings ?? []).toEqual([]);
    expect(result.containers.removed.map((c) => c.id)).toEqual([id]);
  });

  it("the user's own TESTCONTAINERS_RYUK_DISABLED wins: Ryuk stays on when the run asks for it", async () => {
    const testEnv: NodeJS.ProcessEnv = { ...env, TESTCONTAINERS_RYUK_DISABLED: 'false' };
    const before = { ...testEnv };
    const session = await openSession(OPTIONS, { env: testEnv });
    const restore = session.exportEnv(testEnv);
    expect(testEnv.DOCKER_HOST).toBe(`unix://${session.socket}`);
    expect(testEnv.TESTCONTAINERS_RYUK_DISABLED).toBe('false');
    await session.teardown();
    restore();
    expect(testEnv).toEqual(before);
  });

  it('two concurrent runs on one engine: each teardown removes only its own', async () => {
    const envA: NodeJS.ProcessEnv = { ...env };
    const envB: NodeJS.ProcessEnv = { ...env };
    const [a, b] = await Promise.all([openSession(OPTIONS, { env: envA }), openSession(OPTIONS, { env: envB })]);
    a.exportEnv(envA);
    b.exportEnv(envB);
    expect(envA.DOCKER_HOST).not.toBe(envB.DOCKER_HOST);
    const ofA = inEnv(envA)(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    const ofB = inEnv(envB)(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    const netB = inEnv(envB)(['network', 'create', 'socket-run-b']);

    const teardownA = a.teardown();
    // New connections are refused from the start of teardown: nothing can be created after the listing.
    expect(existsSync(a.socket!)).toBe(false);
    expect(existsSync(b.socket!)).toBe(true);
    const resultA = await teardownA;
    expect(resultA.containers.removed.map((c) => c.id)).toEqual([ofA]);
    expect([exists('container', ofA), exists('container', ofB), exists('network', netB)]).toEqual([false, true, true]);
    const resultB = await b.teardown();
    expect(resultB.containers.removed.map((c) => c.id)).toEqual([ofB]);
    expect([exists('container', ofB), exists('network', netB)]).toEqual([false, false]);
  });

  it('socket: false, watchdog: false and an engine only the docker CLI reaches: no socket, DOCKER_HOST left alone; one warning line unless opted out', async () => {
    const off = await openSession({ ...OPTIONS, socket: false }, { env });
    expect([off.socket, off.warnings]).toEqual([undefined, []]);
    await off.teardown();

    const noWatchdog = await openSession({ ...OPTIONS, watchdog: false }, { env });
    expect(noWatchdog.socket).toBeUndefined();
    expect(noWatchdog.warnings).toEqual(['No session socket: it needs the watchdog (watchdog: false); the tests reach the engine directly (labels, tracking and adoption only).']);
    const testEnv: NodeJS.ProcessEnv = { ...env };
    noWatchdog.exportEnv(testEnv);
    expect(testEnv.DOCKER_HOST).toBe(env.DOCKER_HOST);
    expect(testEnv.DOCKER_CONTEXT).toBe(env.DOCKER_CONTEXT);
    await noWatchdog.teardown();

    // A context docker-janitor cannot read is reached only through the docker CLI (ssh:// has
    // its own relay: test/integration/session/ssh.test.ts).
    const cliOnly = await openSession({ ...OPTIONS, docker: { context: 'dj-no-such-context' } }, { env });
    expect(cliOnly.socket).toBeUndefined();
    expect(cliOnly.warnings).toHaveLength(1);
    expect(cliOnly.warnings[0]).toMatch(/^No session socket: the engine docker context "dj-no-such-context" is reached only through the docker CLI/);
    cliOnly.cleanupSync(); // no teardown against a context that does not exist
  });
});

describe('the runner dies with the socket in use', () => {
  const runner = async (mode: string) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'fixtures/programs/socket-runner.mjs'), mode], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const line = /^READY (.*)$/m.exec(out)?.[1];
    if (!line) throw new Error(`the runner did not get ready: ${out}\n${err}`);
    return { exit, err, made: JSON.parse(line) as { session: string; socket: string; containers: string[]; network: string; volume: string } };
  };
  const left = (made: { containers: string[]; network: string; volume: string }) => [
    ...made.containers.map((id) => exists('container', id)),
    exists('network', made.network),
    exists('volume', made.volume),
  ];

  it('SIGKILL: the watchdog closes the socket, then removes what was created through it', async () => {
    const foreign = dockerSync(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    const { exit, made, err } = await runner('sigkill');
    expect(exit.signal).toBe('SIGKILL');
    expect(err).not.toMatch(/WARNING/);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && left(made).some(Boolean)) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(left(made)).toEqual([false, false, false, false]);
    expect(existsSync(made.socket)).toBe(false);
    expect(exists('container', foreign)).toBe(true);
  });

  it("the runner and its watchdog both killed: what was made through the socket stays, labelled; the next run's sweep (docker-janitor sweep) removes it, and the session directory with the socket file", async () => {
    const foreign = dockerSync(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    const child = spawn(process.execPath, [join(REPO_ROOT, 'fixtures/programs/socket-runner.mjs'), 'hold'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (let waited = 0; !/^READY /m.test(out) && waited < 60_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    const made = JSON.parse(/^READY (.*)$/m.exec(out)?.[1] ?? 'null') as { dir: string; socket: string; containers: string[]; network: string; volume: string };
    expect(made).not.toBeNull();
    const watchdog = watchdogOf(made.dir);
    expect(watchdog).toBeTypeOf('number');
    // Stopped first, so that it neither cleans nor is restarted when the runner goes; then both killed.
    process.kill(watchdog!, 'SIGSTOP');
    child.kill('SIGKILL');
    await exited;
    process.kill(watchdog!, 'SIGKILL');
    for (let waited = 0; isRunning(watchdog!) && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(left(made)).toEqual([true, true, true, true]);
    expect(existsSync(made.socket)).toBe(true);

    const swept = spawnSync(process.execPath, [join(REPO_ROOT, 'dist/cli/bin.js'), 'sweep'], { env, encoding: 'utf8', timeout: 120_000 });
    expect(swept.status, `${swept.stdout}\n${swept.stderr}`).toBe(0);
    expect(left(made)).toEqual([false, false, false, false]);
    expect(existsSync(made.dir)).toBe(false);
    expect(exists('container', foreign)).toBe(true);
  });

  it.each(['SIGINT', 'SIGTERM'])('%s: the signal handler removes what was created through the socket, and the run ends with the signal', async (signal) => {
    const foreign = dockerSync(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    const { exit, made } = await runner(`signal:${signal}`);
    expect(exit.signal).toBe(signal);
    expect(left(made)).toEqual([false, false, false, false]);
    expect(exists('container', foreign)).toBe(true);
  });
});

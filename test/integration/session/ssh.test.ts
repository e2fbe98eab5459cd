/**
 * An `ssh://` engine for real: a private sshd (scripts/test-sshd.sh, Debian's openssh-server)
 * in front of the suite's private engine, `DOCKER_HOST=ssh://USER@127.0.0.1:PORT`, and an `ssh`
 * on PATH with the test's key (the watchdog inherits the run's environment, as it would a
 * user's SSH_AUTH_SOCK and ~/.ssh). The session socket relays each connection through
 * `ssh … docker system dial-stdio`; with `socket: false` the session's CLI transport goes over
 * ssh and labels and adoption clean what the test created.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { openSession as OpenSession } from '../../../src/session/open.js';
import type { startSessionSocket as StartSessionSocket, upstreamFor as UpstreamFor } from '../../../src/socket/index.js';
import { BASE_IMAGE, dockerEnv, dockerSync, privateHost, resetEngine } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { startTestSshd, type TestSshd } from '../../support/sshd.js';
import { removeStateDir } from '../../support/processes.js';

const SESSION = 'docker-janitor.session';
const OPTIONS = { signals: false, sweepDeadSessions: false, images: 'off' } as const;

let openSession: typeof OpenSession;
let startSessionSocket: typeof StartSessionSocket;
let upstreamFor: typeof UpstreamFor;
let sshd: TestSshd;
let stateDir: string;
let env: NodeJS.ProcessEnv;

// Without openssh-server this fails loudly (scripts/test-sshd.sh says what to install), as the
// suite does without dockerd: it never skips.
describe('an ssh:// engine (a real sshd on loopback)', () => {
  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist/session/open.js'))) throw new Error('dist/ is not built: run npm run build first');
    ({ openSession } = (await import(join(REPO_ROOT, 'dist/session/open.js'))) as { openSession: typeof OpenSession });
    ({ startSessionSocket, upstreamFor } = (await import(join(REPO_ROOT, 'dist/socket/index.js'))) as {
      startSessionSocket: typeof StartSessionSocket;
      upstreamFor: typeof UpstreamFor;
    });
    sshd = startTestSshd(privateHost().replace(/^unix:\/\//, ''));
  });

  afterAll(() => sshd?.stop());

  beforeEach(() => {
    resetEngine();
    stateDir = mkdtempSync(join(tmpdir(), 'dj-ssh-session-'));
    env = { ...dockerEnv(), DOCKER_HOST: sshd.host, PATH: `${sshd.pathPrefix}:${process.env.PATH}`, DOCKER_JANITOR_STATE_DIR: stateDir };
  });

  afterEach(() => removeStateDir(stateDir));

  const exists = (kind: 'container' | 'network' | 'volume', id: string) => dockerSync([kind, 'inspect', id], { allowFailure: true }) !== '';
  const inEnv = (testEnv: NodeJS.ProcessEnv) => (args: string[]) => execFileSync('docker', args, { env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

  it('the session socket relays through ssh … docker system dial-stdio: what the tests create is labelled and removed at teardown, a container from another terminal stays, no SSH session is left', async () => {
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession(OPTIONS, { env: testEnv });
    expect(session.warnings).toEqual([]);
    expect(session.socket).toBe(join(session.dir, 'socket', 'docker.sock'));
    session.exportEnv(testEnv);
    expect(testEnv.DOCKER_HOST).toBe(`unix://${session.socket}`);

    const docker = inEnv(testEnv);
    // -v NAME: the socket creates the named volume first, over ssh too.
    const run = docker(['run', '-d', '-v', 'ssh-implicit-vol:/data', BASE_IMAGE, 'sleep', '3600']);
    const network = docker(['network', 'create', 'ssh-session-net']);
    const volume = docker(['volume', 'create', 'ssh-session-vol']);
    expect(docker(['ps', '-q', '--no-trunc'])).toContain(run);
    for (const [kind, id] of [['container', run], ['network', network], ['volume', volume], ['volume', 'ssh-implicit-vol']] as const) {
      const format = kind === 'container' ? '{{json .Config.Labels}}' : '{{json .Labels}}';
      expect(JSON.parse(dockerSync([kind, 'inspect', '--format', format, id]))[SESSION]).toBe(session.id);
    }
    const foreign = dockerSync(['run', '-d', BASE_IMAGE, 'sleep', '3600']);

    const result = await session.teardown();
    expect(result.containers.removed.map((c) => c.id)).toEqual([run]);
    expect([exists('container', run), exists('network', network), exists('volume', volume), exists('volume', 'ssh-implicit-vol')]).toEqual([false, false, false, false]);
    expect(exists('container', foreign)).toBe(true);
    // The watchdog closed the socket: every ssh it started has gone, and with it its SSH session.
    await expect.poll(() => sshd.sessions(), { timeout: 30_000 }).toEqual([]);
  });

  it('testcontainers, which cannot use DOCKER_HOST=ssh:// itself, works through the session socket; its container is removed at teardown', async () => {
    const session = await openSession(OPTIONS, { env: { ...env } });
    const saved = { ...process.env };
    session.exportEnv(process.env);
    // This machine may itself be a container: testcontainers would then look for the `bridge`
    // network, which the private engine (--bridge=none) does not have.
    process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
    try {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer(BASE_IMAGE)
        .withCommand(['sh', '-c', 'echo tc-ready; exec sleep 3600'])
        .withWaitStrategy(Wait.forLogMessage('tc-ready'))
        .withStartupTimeout(120_000)
        .start();
      expect(JSON.parse(dockerSync(['container', 'inspect', '--format', '{{json .Config.Labels}}', container.getId()]))[SESSION]).toBe(session.id);
      const result = await session.teardown();
      expect(result.containers.removed.map((c) => c.id)).toEqual([container.getId()]);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('with the key only in an ssh-agent (SSH_AUTH_SOCK when the run starts), the watchdog’s ssh logs in through it', async () => {
    // An ssh that knows the host but has no key file: only the agent can log in.
    const dir = mkdtempSync(join(tmpdir(), 'dj-ssh-agent-'));
    const config = readFileSync(join(sshd.dir, 'ssh_config'), 'utf8')
      .replace(/^\s*IdentityFile .*$/m, `  IdentityFile ${join(dir, 'no-such-key')}`)
      .replace(/^\s*IdentitiesOnly .*\n/m, '');
    writeFileSync(join(dir, 'ssh_config'), config);
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${join(dir, 'ssh_config')} "$@"\n`, { mode: 0o755 });
    const agentSocket = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    try {
      await expect.poll(() => existsSync(agentSocket), { timeout: 30_000 }).toBe(true);
      execFileSync('ssh-add', ['-q', join(sshd.dir, 'client_ed25519')], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: 'ignore' });
      const testEnv: NodeJS.ProcessEnv = { ...env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, SSH_AUTH_SOCK: agentSocket };
      // Without the agent this ssh cannot log in.
      expect(() => execFileSync('docker', ['ps'], { env: { ...testEnv, SSH_AUTH_SOCK: '' }, stdio: 'pipe' })).toThrow(/Permission denied/);
      const session = await openSession(OPTIONS, { env: testEnv });
      session.exportEnv(testEnv);
      const run = inEnv(testEnv)(['run', '-d', BASE_IMAGE, 'sleep', '3600']);
      expect(JSON.parse(dockerSync(['container', 'inspect', '--format', '{{json .Config.Labels}}', run]))[SESSION]).toBe(session.id);
      const result = await session.teardown();
      expect(result.containers.removed.map((c) => c.id)).toEqual([run]);
    } finally {
      agent.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('socket: false: the session reaches the engine with the docker CLI over ssh; labels and adoption remove what the test created', async () => {
    const testEnv: NodeJS.ProcessEnv = { ...env };
    const session = await openSession({ ...OPTIONS, socket: false, adopt: { labels: ['dj.ssh=adopt'] } }, { env: testEnv });
    expect([session.socket, session.warnings]).toEqual([undefined, []]);
    expect(session.engine.transport).toBe('cli');
    session.exportEnv(testEnv);
    expect(testEnv.DOCKER_HOST).toBe(sshd.host);

    const docker = inEnv(testEnv);
    const labels = Object.entries(session.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
    const labelled = docker(['run', '-d', ...labels, BASE_IMAGE, 'sleep', '3600']);
    const adopted = docker(['run', '-d', '--label', 'dj.ssh=adopt', BASE_IMAGE, 'sleep', '3600']);
    const unlabelled = docker(['run', '-d', BASE_IMAGE, 'sleep', '3600']);

    const result = await session.teardown();
    expect(result.containers.removed.map((c) => c.id).sort()).toEqual([labelled, adopted].sort());
    expect([exists('container', labelled), exists('container', adopted), exists('container', unlabelled)]).toEqual([false, false, true]);
  });

  it('a login the sshd refuses: each request through the socket is a 502 with ssh’s own reason, and the socket stays up', async () => {
    const refused = sshd.host.replace(/^ssh:\/\/[^@]+@/, 'ssh://nobody@');
    const chosen = upstreamFor({ kind: 'cli-only', url: refused, reason: 'ssh:// endpoints are reached through the docker CLI', source: 'DOCKER_HOST' });
    if (!('upstream' in chosen) || !('command' in chosen.upstream)) throw new Error(`no command upstream for ${refused}`);
    const dir = mkdtempSync(join(tmpdir(), 'dj-ssh-refused-'));
    const socket = await startSessionSocket({
      path: join(dir, 'docker.sock'),
      upstream: { command: { ...chosen.upstream.command, env } },
      labels: { [SESSION]: 'refused' },
    });
    try {
      for (let i = 0; i < 2; i++) {
        const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const request = http.request({ socketPath: socket.path, path: '/_ping', agent: false }, (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          });
          request.on('error', reject);
          request.end();
        });
        expect(answer.status).toBe(502);
        expect(JSON.parse(answer.text).message).toMatch(/failed \(exit 255\): nobody@127\.0\.0\.1: Permission denied \(publickey\)\.$/);
      }
    } finally {
      await socket.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

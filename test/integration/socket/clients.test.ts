/**
 * Clients nobody here wrote, through the session socket: Debian's python3-docker (docker-py
 * 5.0.3) and docker-compose 1.29, and the testcontainers npm package (Ryuk disabled). Every
 * object they create carries the session label and their own labels, and what they do works.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BASE_IMAGE, dockerSync, resetEngine } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { labelsOf, startTestSocket, type TestSocket } from './support.js';

const SESSION = 'docker-janitor.session';
// The pyenv python3 on PATH here has no docker module: Debian's own interpreter does.
const PYTHON = '/usr/bin/python3';
const COMPOSE = '/usr/bin/docker-compose';

/**
 * docker-compose and docker-py are Python programs that start slowly on a busy machine: at load 17
 * on 2 CPUs the compose test took 34-36 s and docker-py 19-25 s of the default 60 s.
 */
const CLIENT_TIMEOUT = 180_000;

/** These clients are what the tests are about: without one, the test fails and says how to get it (the suite never skips). */
function need(path: string, debianPackage: string): void {
  if (!existsSync(path)) throw new Error(`${path} not found: install Debian's ${debianPackage} (bash scripts/install-deps.sh)`);
}

let socket: TestSocket;
let work: string;

/** Every container, custom network and volume on the engine, by ID. */
function everything(): Array<{ kind: 'container' | 'network' | 'volume'; id: string }> {
  const list = (args: string[]) => dockerSync(args).split('\n').filter(Boolean);
  return [
    ...list(['ps', '-aq', '--no-trunc']).map((id) => ({ kind: 'container' as const, id })),
    ...list(['network', 'ls', '-q', '--no-trunc', '--filter', 'type=custom']).map((id) => ({ kind: 'network' as const, id })),
    ...list(['volume', 'ls', '-q']).map((id) => ({ kind: 'volume' as const, id })),
  ];
}

beforeAll(async () => {
  socket = await startTestSocket();
  work = mkdtempSync(join(tmpdir(), 'dj-socket-clients-'));
});

afterAll(async () => {
  await socket?.stop();
  rmSync(work, { recursive: true, force: true });
  resetEngine();
});

beforeEach(() => {
  resetEngine();
});

describe('python3-docker', () => {
  it('run, exec, logs, archives, network, volume, low-level create, build: all labelled', { timeout: CLIENT_TIMEOUT }, () => {
    need(PYTHON, 'python3-docker');
    const output = execFileSync(PYTHON, [join(REPO_ROOT, 'fixtures/programs/docker-py-client.py'), BASE_IMAGE], { env: socket.env }).toString();
    const result = JSON.parse(output) as Record<string, string | boolean>;
    expect(result.exec).toBe('exec-ok\n');
    expect(result.logs).toBe('py-logs\n');
    expect(result.copy_ok).toBe(true);
    const label = { [SESSION]: socket.sessionId };
    expect(labelsOf('container', result.container as string, dockerSync)).toEqual({ ...label, user: 'py' });
    expect(labelsOf('container', result.logged as string, dockerSync)).toEqual({ ...label, user: 'py-logs' });
    expect(labelsOf('container', result.lowlevel as string, dockerSync)).toEqual({ ...label, flag: '' });
    expect(labelsOf('network', result.network as string, dockerSync)).toEqual({ ...label, user: 'py' });
    expect(labelsOf('volume', result.volume as string, dockerSync)).toEqual({ ...label, user: 'py' });
    // Images get the session that built them, never the container label (see image-labels.ts).
    expect(labelsOf('image', result.image as string, dockerSync)).toEqual({ [SESSION]: '', 'docker-janitor.build-session': socket.sessionId, user: 'py' });
    for (const object of everything()) expect(labelsOf(object.kind, object.id, dockerSync)).toMatchObject(label);
  });
});

describe('docker-compose 1.29', () => {
  it('up creates only labelled objects (containers, the named volume); down removes them', { timeout: CLIENT_TIMEOUT }, () => {
    need(COMPOSE, 'docker-compose');
    const project = join(work, 'compose');
    execFileSync('mkdir', ['-p', project]);
    // The private engine has no bridge: services run with network_mode none.
    writeFileSync(
      join(project, 'docker-compose.yml'),
      [
        'version: "3.8"',
        'services:',
        '  app:',
        `    image: ${BASE_IMAGE}`,
        '    command: ["sleep", "3600"]',
        '    network_mode: none',
        '    labels: { user: compose }',
        '    volumes: ["data:/data"]',
        '  worker:',
        `    image: ${BASE_IMAGE}`,
        '    command: ["sh", "-c", "echo worker-ran; sleep 3600"]',
        '    network_mode: none',
        'volumes:',
        '  data:',
        '    labels: { user: compose-volume }',
        '',
      ].join('\n'),
    );
    const compose = (args: string[]) =>
      execFileSync(COMPOSE, ['--project-name', 'djsocket', ...args], { cwd: project, env: socket.env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

    compose(['up', '-d']);
    const created = everything();
    const byKind = (kind: string) => created.filter((o) => o.kind === kind);
    // What compose 1.29 creates here: two containers and the named volume. With every service
    // on network_mode none it creates no default network.
    expect(byKind('container')).toHaveLength(2);
    expect(byKind('volume')).toEqual([{ kind: 'volume', id: 'djsocket_data' }]);
    expect(byKind('network')).toEqual([]);
    for (const object of created) {
      expect(labelsOf(object.kind, object.id, dockerSync)).toMatchObject({ [SESSION]: socket.sessionId, 'com.docker.compose.project': 'djsocket' });
    }
    expect(labelsOf('volume', 'djsocket_data', dockerSync)).toMatchObject({ user: 'compose-volume' });
    const app = dockerSync(['ps', '-q', '--no-trunc', '--filter', 'label=com.docker.compose.service=app']);
    expect(labelsOf('container', app, dockerSync)).toMatchObject({ user: 'compose' });
    expect(compose(['logs', '--no-color', 'worker'])).toContain('worker-ran');

    compose(['down', '-v', '--timeout', '0']);
    expect(everything()).toEqual([]);
  });
});

describe('testcontainers', () => {
  const saved = { ...process.env };
  afterAll(() => {
    for (const key of ['DOCKER_HOST', 'TESTCONTAINERS_RYUK_DISABLED', 'TESTCONTAINERS_HOST_OVERRIDE']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('start, exec, logs, copy in and out, with Ryuk disabled: the container is labelled', { timeout: CLIENT_TIMEOUT }, async () => {
    process.env.DOCKER_HOST = socket.host;
    process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    // This machine may itself be a container: testcontainers would then look for the `bridge`
    // network, which the private engine (--bridge=none) does not have.
    process.env.TESTCONTAINERS_HOST_OVERRIDE = 'localhost';
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(BASE_IMAGE)
      .withCommand(['sh', '-c', 'echo tc-ready; exec sleep 3600'])
      .withLabels({ user: 'tc' })
      .withWaitStrategy(Wait.forLogMessage('tc-ready'))
      .withStartupTimeout(120_000)
      .start();
    try {
      expect(labelsOf('container', container.getId(), dockerSync)).toMatchObject({
        [SESSION]: socket.sessionId,
        user: 'tc',
        'org.testcontainers': 'true',
      });
      const exec = await container.exec(['sh', '-c', 'echo tc-exec']);
      expect(exec.exitCode).toBe(0);
      expect(exec.output).toBe('tc-exec\n');

      const logs = await container.logs();
      const firstLine = await new Promise<string>((resolve) => logs.once('data', (line: Buffer | string) => resolve(line.toString())));
      logs.destroy();
      expect(firstLine).toContain('tc-ready');

      const content = `copied through the socket ${Date.now()}`;
      await container.copyContentToContainer([{ content, target: '/copied.txt' }]);
      expect((await container.exec(['cat', '/copied.txt'])).output).toBe(content);
      const archive = await container.copyArchiveFromContainer('/copied.txt');
      const chunks: Buffer[] = [];
      for await (const chunk of archive) chunks.push(Buffer.from(chunk as Buffer));
      expect(Buffer.concat(chunks).toString('latin1')).toContain(content);
    } finally {
      await container.stop({ timeout: 0 });
    }
    // stop() removes it (testcontainers' default), through the socket.
    expect(dockerSync(['ps', '-aq', '--filter', `id=${container.getId()}`])).toBe('');
  });
});

/**
 * The watchdog when its engine modules cannot load (the package changed on disk after setup):
 * it ends with exit code 1, also under NODE_OPTIONS=--unhandled-rejections=warn (attack/126).
 *
 * The watchdog after its runner is SIGKILLed: a sweep that fails on something that a later
 * re-sweep removes (here a session network that a foreign container kept busy for a moment)
 * ends complete, and the session's record is removed; it is not left "incomplete" for nothing.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BASE_IMAGE, REPO_ROOT } from '../../support/engine.js';
import { dockerEnv, dockerSync } from '../../support/docker.js';
import { removeStateDir } from '../../support/processes.js';

const CHILD = join(REPO_ROOT, 'fixtures/programs/session-child.mjs');
let stateDir: string;

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist/session/open.js'))) throw new Error('dist/ is not built: run npm run build first');
  stateDir = mkdtempSync(join(tmpdir(), 'dj-watchdog-state-'));
});

afterAll(() => {
  removeStateDir(stateDir);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('a first sweep that fails and a re-sweep that finishes: complete, the record is removed', async () => {
  const options = { watchdog: true, sweepDeadSessions: false, images: 'off' };
  const child = spawn(process.execPath, [CHILD, 'hang', JSON.stringify(options)], {
    env: { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: stateDir, DJ_CHILD_CONTAINERS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const closed = new Promise((resolve) => child.on('close', resolve));
  for (let i = 0; i < 1_500 && !/READY/.test(out); i++) await sleep(100);
  const sessionId = /READY (\S+)/.exec(out)?.[1] ?? '';
  expect(sessionId).not.toBe('');
  const dir = join(stateDir, 'sessions', sessionId);

  // A session network, and a foreign running container attached to it: the watchdog's first
  // sweep cannot remove the network ("active endpoints"), and must never touch the container.
  const network = `dj-wd-net-${sessionId}`;
  dockerSync(['network', 'create', '--label', `docker-janitor.session=${sessionId}`, network]);
  const foreign = dockerSync(['run', '-d', '--network', network, BASE_IMAGE, 'sleep', '600']);
  try {
    child.kill('SIGKILL');
    await closed;
    const log = join(dir, 'watchdog.log');
    for (let i = 0; i < 200 && !(existsSync(log) && /swept: .*failed [1-9]/.test(readFileSync(log, 'utf8'))); i++) await sleep(50);
    expect(readFileSync(log, 'utf8')).toMatch(/swept: .*failed 1/);
    // Gone before the re-sweep (1.5 s later): the re-sweep removes the network and fails nothing.
    dockerSync(['network', 'disconnect', '--force', network, foreign]);
    for (let i = 0; i < 200 && existsSync(dir); i++) await sleep(100);

    expect(dockerSync(['network', 'ls', '-q', '--filter', `name=${network}`])).toBe('');
    expect(existsSync(dir)).toBe(false);
    expect(dockerSync(['inspect', '--format', '{{.State.Running}}', foreign])).toBe('true');
  } finally {
    dockerSync(['rm', '-f', foreign], { allowFailure: true });
    dockerSync(['network', 'rm', network], { allowFailure: true });
  }
});

it('engine modules that cannot load: the watchdog ends with 1, whatever NODE_OPTIONS says of unhandled rejections', async () => {
  // A copy of the built package, one module the watchdog loads after it serves gone.
  const pkg = mkdtempSync(join(tmpdir(), 'dj-watchdog-pkg-'));
  cpSync(join(REPO_ROOT, 'dist'), join(pkg, 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"type":"module"}\n');
  rmSync(join(pkg, 'dist/session/adopt.js'));
  const { openSession } = (await import(join(REPO_ROOT, 'dist/index.js'))) as typeof import('../../../src/index.js');
  const previous = process.env.DOCKER_JANITOR_STATE_DIR;
  process.env.DOCKER_JANITOR_STATE_DIR = stateDir;
  const session = await openSession({ watchdog: false, socket: false, sweepDeadSessions: false, images: 'off', summary: false, docker: { host: dockerEnv().DOCKER_HOST } });
  try {
    for (const nodeOptions of ['', '--unhandled-rejections=warn', '--unhandled-rejections=none']) {
      const watchdog = spawn(process.execPath, [join(pkg, 'dist/watchdog/main.cjs'), '--session-dir', session.dir], {
        env: { ...process.env, NODE_OPTIONS: nodeOptions },
        stdio: 'ignore',
      });
      const code = await new Promise((resolve) => watchdog.on('exit', (exitCode) => resolve(exitCode)));
      expect({ nodeOptions, code }).toEqual({ nodeOptions, code: 1 });
    }
    expect(readFileSync(join(session.dir, 'watchdog.log'), 'utf8')).toMatch(/cannot load the watchdog's modules: .*adopt\.js/);
  } finally {
    await session.teardown();
    if (previous === undefined) delete process.env.DOCKER_JANITOR_STATE_DIR;
    else process.env.DOCKER_JANITOR_STATE_DIR = previous;
    rmSync(pkg, { recursive: true, force: true });
  }
});

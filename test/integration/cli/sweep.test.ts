/**
 * `docker-janitor sweep` (the built CLI) against the private engine: sessions whose runner died
 * without teardown are found in the state directory and removed; `--session ID` removes one by
 * its label; nothing else is touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_IMAGE, containerState, dockerEnv, dockerSync, resetEngine, runContainer } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { removeStateDir } from '../../support/processes.js';

const BIN = join(REPO_ROOT, 'dist/cli/bin.js');
const CHILD = join(REPO_ROOT, 'fixtures/programs/session-child.mjs');
let stateDir: string;

beforeEach(() => {
  if (!existsSync(BIN)) throw new Error('dist/ is not built: run npm run build first');
  resetEngine();
  stateDir = mkdtempSync(join(tmpdir(), 'dj-sweep-state-'));
});

afterEach(() => {
  removeStateDir(stateDir);
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...dockerEnv(), NO_COLOR: '1', DOCKER_JANITOR_STATE_DIR: stateDir, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `cli`, without blocking the event loop (for tests that serve a socket in this process). */
function cliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...dockerEnv(), NO_COLOR: '1', DOCKER_JANITOR_STATE_DIR: stateDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A runner that dies by SIGKILL with no watchdog: its session stays on the engine and on disk. */
function deadSession(): { sessionId: string; container: string } {
  const result = spawnSync(process.execPath, [CHILD, 'sigkill', JSON.stringify({ watchdog: false })], {
    env: { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: stateDir },
    encoding: 'utf8',
  });
  const match = /READY (\S+) (\S+)/.exec(result.stdout);
  if (!match?.[1] || !match[2]) throw new Error(`the child did not start a session: ${result.stdout}${result.stderr}`);
  expect(result.signal).toBe('SIGKILL');
  return { sessionId: match[1], container: match[2] };
}

const exists = (id: string) => dockerSync(['container', 'inspect', id], { allowFailure: true }) !== '';

describe('docker-janitor sweep', () => {
  it('lists dead sessions in a dry run, removes them in a real run, and leaves everything else', async () => {
    const bystander = runContainer(BASE_IMAGE);
    const { sessionId, container } = deadSession();

    const dry = cli(['sweep', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Session ${sessionId}: would remove 1 container`);
    expect(exists(container)).toBe(true);

    const real = cli(['sweep']);
    expect(real).toMatchObject({ code: 0, stderr: '' });
    expect(real.stdout).toContain(`Session ${sessionId}: removed 1 container`);
    expect(exists(container)).toBe(false);
    expect(containerState(bystander)).toBe('running');
    expect(readdirSync(join(stateDir, 'sessions'))).toEqual([]);

    expect(cli(['sweep']).stdout).toContain('No dead sessions to sweep');
  });

  it('--session ID removes that session by its label, with no record on this machine', async () => {
    const labelled = runContainer(BASE_IMAGE, ['--label', 'docker-janitor.session=other-machine-1']);
    const network = dockerSync(['network', 'create', '--label', 'docker-janitor.session=other-machine-1', 'dj-sweep-net']);
    const unrelated = runContainer(BASE_IMAGE, ['--label', 'docker-janitor.session=other-machine-2']);

    const result = cli(['sweep', '--session', 'other-machine-1', '--json']);

    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { sessions: Array<{ sessionId: string; report: { containers: { removed: Array<{ id: string }> } } }> };
    expect(json.sessions[0]?.sessionId).toBe('other-machine-1');
    expect(json.sessions[0]?.report.containers.removed.map((ref) => ref.id)).toEqual([labelled]);
    expect(exists(labelled)).toBe(false);
    expect(dockerSync(['network', 'inspect', network], { allowFailure: true })).toBe('');
    expect(containerState(unrelated)).toBe('running');
  });

  it('exit 2 for a bad session id, exit 3 when the engine is unreachable', () => {
    const bad = cli(['sweep', '--session', '../etc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid value "\.\.\/etc" for --session/);

    const unreachable = cli(['sweep', '--session', 'abc', '--host', 'unix:///nonexistent/docker.sock']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stdout).toContain('could not sweep: The Docker engine is not reachable at unix:///nonexistent/docker.sock');
  });

  it('exit 3 when the engine hangs (a socket that never answers), as clean does', async () => {
    const socket = join(stateDir, 'hung.sock');
    const held: Socket[] = [];
    const server = createServer((connection) => held.push(connection));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const result = await cliAsync(['sweep', '--session', 'abc', '--host', `unix://${socket}`, '--timeout', '1000']);
      expect(result.code).toBe(3);
      expect(result.stdout).toMatch(/could not sweep: .*(did not answer|timed out).* 1000 ms/);
    } finally {
      for (const connection of held) connection.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

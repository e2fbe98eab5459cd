/**
 * Issue 9, item 7: the engine goes down during a run; teardown cannot remove anything. The
 * session's record must stay, the summary must say how to finish, and once the engine is back
 * the next sweep removes what the run left. A second private engine of its own, so the suite's
 * engine is never stopped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sweepDeadSessions } from '../../../src/session/sweep.js';
import { buildBaseImage, REPO_ROOT } from '../../support/engine.js';
import { removeStateDir } from '../../support/processes.js';

const SCRIPT = join(REPO_ROOT, 'scripts/test-engine.sh');
const CHILD = join(REPO_ROOT, 'fixtures/programs/session-child.mjs');
let engineDir: string;
let stateDir: string;
let host: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist/session/open.js'))) throw new Error('dist/ is not built: run npm run build first');
  engineDir = mkdtempSync(join(tmpdir(), 'dj-test-engine-down-'));
  execFileSync('bash', [SCRIPT, 'start', engineDir], { stdio: 'ignore' });
  host = `unix://${join(engineDir, 'docker.sock')}`;
  buildBaseImage(host);
  stateDir = mkdtempSync(join(tmpdir(), 'dj-engine-down-state-'));
  env = { ...process.env, DOCKER_HOST: host, DOCKER_JANITOR_STATE_DIR: stateDir, DOCKER_CLI_HINTS: 'false' };
  delete env.DOCKER_CONTEXT;
});

afterAll(() => {
  execFileSync('bash', [SCRIPT, 'stop', engineDir], { stdio: 'ignore' });
  rmSync(engineDir, { recursive: true, force: true, maxRetries: 3 });
  removeStateDir(stateDir);
});

const docker = (args: string[]) => execFileSync('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

it('the engine down during teardown: the record stays, marked incomplete; the next sweep cleans once the engine is back', async () => {
  const go = join(stateDir, 'GO');
  const options = { watchdog: false, sweepDeadSessions: false, images: 'off', docker: { timeoutMs: 10_000 } };
  const child = spawn(process.execPath, [CHILD, `teardown-when:${go}`, JSON.stringify(options)], {
    env: { ...env, DJ_CHILD_CONTAINERS: '3' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const closed = new Promise((resolve) => child.on('close', resolve));
  for (let i = 0; i < 1_500 && !/READY/.test(out); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const sessionId = /READY (\S+)/.exec(out)?.[1] ?? '';
  const label = `label=docker-janitor.session=${sessionId}`;
  expect(docker(['ps', '-aq', '--filter', label]).split('\n')).toHaveLength(3);

  // The engine goes down. Its containers are stopped first so that dockerd's own shutdown is
  // quick (the script SIGKILLs a dockerd that takes more than 10 s, which leaves mounts behind);
  // exited containers are as much a leak as running ones.
  docker(['kill', ...docker(['ps', '-q', '--filter', label]).split('\n')]);
  execFileSync('bash', [SCRIPT, 'stop', engineDir], { stdio: 'ignore' });
  rmSync(join(engineDir, 'docker.pid'), { force: true });
  writeFileSync(go, '');
  await closed;
  const teardown = JSON.parse(/TEARDOWN (.*)/.exec(out)?.[1] ?? '{}') as { incomplete?: boolean; dockerUnavailable?: string };
  expect(teardown.dockerUnavailable).toMatch(/not reachable/);
  expect(teardown.incomplete).toBe(true);
  expect(readdirSync(join(stateDir, 'sessions'))).toContain(sessionId);

  execFileSync('bash', [SCRIPT, 'start', engineDir], { stdio: 'ignore' }); // back, with the containers still there
  expect(docker(['ps', '-aq', '--filter', label]).split('\n')).toHaveLength(3);

  const swept = await sweepDeadSessions(stateDir, { env });
  expect(swept.sessions.map((session) => session.sessionId)).toEqual([sessionId]);
  expect(docker(['ps', '-aq', '--filter', label])).toBe('');
  expect(readdirSync(join(stateDir, 'sessions'))).not.toContain(sessionId);
});

/**
 * `docker-janitor sessions` (the built CLI) against the private engine: a session kept by
 * keepOnFailure is listed with its containers, a live one as running; `sweep --session ID`
 * then removes the kept one, which leaves the list.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession } from '../../../src/session/open.js';
import { BASE_IMAGE, buildImage, containerState, dockerEnv, resetEngine, runContainer } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { removeStateDir } from '../../support/processes.js';

const BIN = join(REPO_ROOT, 'dist/cli/bin.js');
let stateDir: string;

beforeEach(() => {
  if (!existsSync(BIN)) throw new Error('dist/ is not built: run npm run build first');
  resetEngine();
  stateDir = mkdtempSync(join(tmpdir(), 'dj-sessions-state-'));
});

afterEach(() => removeStateDir(stateDir));

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...dockerEnv(), NO_COLOR: '1', DOCKER_JANITOR_STATE_DIR: stateDir }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Listed {
  id: string;
  state: string;
  pid: number;
  startedAt: string;
  holds?: { containers: string[]; networks: string[]; volumes: string[]; images?: number };
}

describe('docker-janitor sessions', () => {
  it('lists a kept session with its containers and a running one; sweep --session removes the kept one', async () => {
    const env = { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: stateDir };
    const options = { keepOnFailure: true, watchdog: false, signals: false, sweepDeadSessions: false, images: 'off' } as const;
    const kept = await openSession(options, { env });
    const containers = [runContainer(BASE_IMAGE, ['--label', `docker-janitor.session=${kept.id}`]), runContainer(BASE_IMAGE, ['--label', `docker-janitor.session=${kept.id}`])];
    const teardown = await kept.teardown({ failed: true });
    expect(teardown.containers.kept).toHaveLength(2);
    const running = await openSession({ ...options, images: 'session' }, { env });
    const live = runContainer(BASE_IMAGE, ['--label', `docker-janitor.session=${running.id}`]);
    // Dangling images: one of the running session's own (labelled), one of nobody's.
    buildImage({ labels: { 'docker-janitor.session': running.id } });
    buildImage();

    const json = cli(['sessions', '--json']);
    expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 0, stderr: '' });
    const listed = (JSON.parse(json.stdout) as { stateDir: string; sessions: Listed[] });
    expect(listed.stateDir).toBe(stateDir);
    const byId = new Map(listed.sessions.map((session) => [session.id, session]));
    expect(byId.get(kept.id)).toMatchObject({ state: 'kept', pid: process.pid, holds: { networks: [], volumes: [] } });
    expect(byId.get(kept.id)?.holds?.containers.sort()).toEqual([...containers].sort());
    expect(byId.get(kept.id)?.holds?.images).toBe(0);
    // Its own dangling image only: the other one is nobody's.
    expect(byId.get(running.id)).toMatchObject({ state: 'running', pid: process.pid, holds: { containers: [live], images: 1 } });
    expect(Date.parse(byId.get(kept.id)?.startedAt ?? '')).toBeLessThanOrEqual(Date.now());
    for (const id of containers) expect(containerState(id)).toBe('exited'); // listing removed nothing

    const text = cli(['sessions']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${kept.id}\\s+kept\\s+${process.pid}\\s+\\d+s ago\\s+2\\s+0\\s+0\\s+0`));
    expect(text.stdout).toMatch(new RegExp(`${running.id}\\s+running\\s+${process.pid}\\s+\\d+s ago\\s+1\\s+0\\s+0\\s+1`));
    expect(text.stdout).toContain(`inspect: docker ps -a --filter label=docker-janitor.session=${kept.id}`);
    expect(text.stdout).toContain(`remove:  npx docker-janitor sweep --session ${kept.id}`);
    expect(text.stdout).not.toContain(`sweep --session ${running.id}`);

    expect(cli(['sweep', '--session', kept.id]).code).toBe(0);
    for (const id of containers) expect(containerState(id)).toBe('');
    const after = JSON.parse(cli(['sessions', '--json']).stdout) as { sessions: Listed[] };
    expect(after.sessions.map((session) => session.id)).toEqual([running.id]);

    await running.teardown();
    expect(containerState(live)).toBe('');
    expect(JSON.parse(cli(['sessions', '--json']).stdout)).toEqual({ stateDir, sessions: [] });
  });
});

describe('refused state, said out loud', () => {
  it('session directories that fail the checks are named in one warning on stderr; the JSON stays valid', () => {
    const sessions = join(stateDir, 'sessions');
    mkdirSync(sessions, { recursive: true, mode: 0o700 });
    const foreign = join(sessions, 'mx000000-0000000a');
    mkdirSync(foreign, { mode: 0o700 });
    chownSync(foreign, 65534, 65534);
    symlinkSync(tmpdir(), join(sessions, 'mx000000-0000000b'));

    const json = cli(['sessions', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ stateDir, sessions: [] });
    expect(json.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/Ignored 2 session records under .* that failed the safety checks: .*mx000000-0000000a.*owned by uid 65534.*mx000000-0000000b.*symbolic link/),
    ]);
  });

  it('a state root another user made first (no sessions directory yet): refused out loud by sessions and sweep, not "nothing recorded"', () => {
    const root = join(stateDir, 'root');
    mkdirSync(root, { mode: 0o777 });
    chownSync(root, 65534, 65534);
    for (const args of [['sessions'], ['sweep']]) {
      const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...dockerEnv(), NO_COLOR: '1', DOCKER_JANITOR_STATE_DIR: root }, encoding: 'utf8' });
      expect(`${result.stdout}${result.stderr}`).toMatch(/Ignored the session records under .*root: .*owned by uid 65534/);
    }
  });
});

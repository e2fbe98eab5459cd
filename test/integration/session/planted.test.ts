/**
 * Issue 9, item 6: a session record planted by another user in a shared state directory must
 * never make this user's run execute a program or remove a foreign container. The planted
 * record names a `docker.path` (a script that writes a marker file) and tracks a running
 * container that is not the run's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSession } from '../../../src/session/open.js';
import { sweepDeadSessions } from '../../../src/session/sweep.js';
import { REPO_ROOT } from '../../support/engine.js';
import { BASE_IMAGE, containerState, dockerEnv, resetEngine, runContainer } from '../../support/docker.js';
import { removeStateDir } from '../../support/processes.js';

const BIN = join(REPO_ROOT, 'dist/cli/bin.js');
const CHILD = join(REPO_ROOT, 'fixtures/programs/session-child.mjs');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

let work: string;
let marker: string;
let evil: string;

beforeEach(() => {
  if (!existsSync(BIN)) throw new Error('dist/ is not built: run npm run build first');
  resetEngine();
  work = mkdtempSync(join(tmpdir(), 'dj-planted-'));
  marker = join(work, 'MARKER');
  evil = join(work, 'evil-docker');
  writeFileSync(evil, `#!/bin/sh\necho ran "$@" >> ${marker}\nexec docker "$@"\n`);
  chmodSync(evil, 0o755);
  chmodSync(work, 0o755);
});

afterEach(() => {
  removeStateDir(work);
});

/** A dead runner's pid: a process we started and that has ended. */
const deadPid = () => spawnSync('true').pid;

/** Plant `<root>/sessions/<id>/` with a record naming `evil` and tracking `victim`. */
function plant(root: string, id: string, victim: string): string {
  const dir = join(root, 'sessions', id);
  mkdirSync(dir, { recursive: true });
  const record = {
    id,
    pid: deadPid(),
    pidStart: undefined,
    hostname: hostname(),
    startedAt: Date.now() - 60_000,
    docker: { path: evil },
    stopTimeout: 0,
    adopt: { labels: [], all: false },
  };
  writeFileSync(join(dir, 'session.json'), JSON.stringify(record));
  writeFileSync(join(dir, 'tracked.jsonl'), `${JSON.stringify({ id: victim, kind: 'container' })}\n`);
  return dir;
}

function chownTree(path: string, uid: number): void {
  spawnSync('chown', ['-R', `${uid}:${uid}`, path]);
}

function cliSweep(root: string) {
  const result = spawnSync(process.execPath, [BIN, 'sweep'], { env: { ...dockerEnv(), NO_COLOR: '1', DOCKER_JANITOR_STATE_DIR: root }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('a planted session record', () => {
  it('in a shared directory of another owner: setup refuses the directory, sweep ignores it with one warning; nothing runs, nothing is removed', async (context) => {
    if (!isRoot) context.skip('needs root to chown the planted directory to another uid (65534)');
    const victim = runContainer(BASE_IMAGE);
    const shared = join(work, 'shared');
    plant(shared, 'mwwv0000-deadbeef', victim);
    chmodSync(shared, 0o777);
    chownTree(shared, NOBODY);
    const env = { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: shared };

    await expect(openSession({ watchdog: false }, { env })).rejects.toThrow(
      new RegExp(`refusing to use the state directory ${shared}: it is owned by uid ${NOBODY}, not by you .*; set DOCKER_JANITOR_STATE_DIR \\(or XDG_STATE_HOME\\)`),
    );
    const swept = await sweepDeadSessions(shared, { env });
    expect(swept.sessions).toEqual([]);
    expect(swept.warnings).toHaveLength(1);
    const cli = cliSweep(shared);
    expect(cli.stdout.split('\n').filter((line) => line.includes('⚠'))).toEqual([
      expect.stringMatching(new RegExp(`Ignored the session records under ${shared}: it is owned by uid ${NOBODY}`)),
    ]);

    expect(existsSync(marker)).toBe(false);
    expect(containerState(victim)).toBe('running');
  });

  it('a session directory inside a private root that is not ours, or open to others: ignored with one warning', async () => {
    const victim = runContainer(BASE_IMAGE);
    const root = join(work, 'mine');
    mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    const open = plant(root, 'mwwv0001-deadbeef', victim);
    chmodSync(open, 0o777); // group/other accessible: refused, whoever owns it
    if (isRoot) chownTree(plant(root, 'mwwv0002-deadbeef', victim), NOBODY);

    const cli = cliSweep(root);
    const warnings = cli.stdout.split('\n').filter((line) => line.includes('⚠'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`Ignored ${isRoot ? 2 : 1} session records? under ${root} that failed the safety checks`));
    expect(cli.code).toBe(0);

    expect(existsSync(marker)).toBe(false);
    expect(containerState(victim)).toBe('running');
  });

  it("a record of our own never supplies the program: its docker.path is ignored, and a bad tracked id is refused", async () => {
    const root = join(work, 'own');
    mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    const tracked = runContainer(BASE_IMAGE);
    const dir = plant(root, 'mwwv0003-deadbeef', tracked);
    chmodSync(dir, 0o700);
    writeFileSync(join(dir, 'tracked.jsonl'), `${JSON.stringify({ id: tracked, kind: 'container' })}\n${JSON.stringify({ id: '--all; rm -rf /' })}\n`);

    const cli = cliSweep(root);

    expect(existsSync(marker)).toBe(false); // swept with our docker, not the record's
    expect(cli.stdout).toContain('Session mwwv0003-deadbeef: removed 1 container');
    expect(cli.stdout.split('\n').filter((line) => line.includes('⚠'))).toEqual([
      expect.stringContaining('Ignored 1 tracked entry of session mwwv0003-deadbeef that is not a docker ID or name'),
    ]);
    expect(containerState(tracked)).toBe('');
  });

  it("a real run (the built package, background sweep on) next to a planted record: nothing runs, the foreign container stays", async () => {
    const victim = runContainer(BASE_IMAGE);
    const root = join(work, 'run');
    mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    chmodSync(plant(root, 'mwwv0004-deadbeef', victim), 0o775);
    const child = spawn(process.execPath, [CHILD, 'hang', '{}'], { env: { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: root }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('READY') && resolve()));
    const log = join(root, 'background-sweep.log');
    for (let i = 0; i < 50 && !existsSync(log); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('close', resolve));

    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([expect.stringMatching(/Ignored 1 session record under .* that failed the safety checks: mwwv0004-deadbeef \(directory is accessible to group or others/)]);
    expect(existsSync(marker)).toBe(false);
    expect(containerState(victim)).toBe('running');
  });
});

/**
 * The adversarial pass's S1, H1 and S4 on a real engine, with a real second user (uid 65534
 * through setpriv) where the finding needs one:
 *  - S1: a state directory under a parent another user can write (not sticky) is refused; and
 *    when such a tree is swapped under a session anyway, nothing is written through the other
 *    user's symlinks. Under a sticky parent (as /tmp) the other user cannot move it away.
 *  - H1: a state directory so long the socket path is over the unix limit: one warning, the
 *    session goes on with labels, nothing is left on disk, and the runner exits.
 *  - S4: DOCKER_HOST with a port outside 1-65535: no session, no record; a record of it (from an
 *    older version) is one line of `sweep` and `sessions`, and the other dead sessions are swept.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSession } from '../../../src/session/open.js';
import { markClosed, markIncomplete, markKept, markUnreachable, STATE_DIR_ADVICE } from '../../../src/session/store.js';
import { sweepDeadSessions } from '../../../src/session/sweep.js';
import { BASE_IMAGE, containerState, dockerEnv, dockerSync, resetEngine } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { removeStateDir } from '../../support/processes.js';

const BIN = join(REPO_ROOT, 'dist/cli/bin.js');
const CHILD = join(REPO_ROOT, 'fixtures/programs/session-child.mjs');
const NOBODY = 65534;

let work: string;
let victim: string;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error('dist/ is not built: run npm run build first');
  if (process.getuid?.() !== 0) throw new Error('these tests need root: they act as a second user (uid 65534) with setpriv');
});

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'dj-state-dir-'));
  chmodSync(work, 0o755);
  victim = join(work, 'precious');
  writeFileSync(victim, 'precious\n', { mode: 0o600 });
});

afterEach(() => {
  removeStateDir(work);
});

/** Runs `code` in Node as uid/gid 65534; its stdout, trimmed. */
function asNobody(code: string, ...args: string[]): string {
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', code, '--', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`as uid 65534: ${result.stderr}`);
  return result.stdout.trim();
}

function cli(args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...dockerEnv(), NO_COLOR: '1', ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const warningLines = (text: string) => text.split('\n').filter((line) => line.includes('⚠'));

describe('S1: a state directory another user could replace', () => {
  it('under a parent others can write (not sticky): setup refuses in one line naming it; sweep and sessions say so once; nothing is made there', async () => {
    const shared = join(work, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    chownSync(shared, NOBODY, NOBODY);
    const root = join(shared, 'dj');
    const env = { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: root };

    await expect(openSession({ sweepDeadSessions: false }, { env })).rejects.toThrow(
      `refusing to use the state directory ${root}: above it, ${shared} is owned by uid ${NOBODY} (neither you, uid 0, nor root), so another user could put a directory of theirs in its place; ${STATE_DIR_ADVICE}`,
    );
    expect(readdirSync(shared)).toEqual([]);

    // A tree left there by an older version: read by nobody, and said once.
    mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    for (const args of [['sweep'], ['sessions']]) {
      const result = cli(args, { DOCKER_JANITOR_STATE_DIR: root });
      expect(warningLines(`${result.stdout}${result.stderr}`)).toEqual([expect.stringContaining(`Ignored the session records under ${root}: above it, ${shared} is owned by uid ${NOBODY}`)]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('the swap itself (script 15): the other user moves the root away and plants symlinks; no marker is written through them', async () => {
    // Set up as an older version did, before the parent was checked: the session exists.
    const shared = join(work, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const root = join(shared, 'dj');
    const id = 'mwwv0000-deadbeef';
    mkdirSync(join(root, 'sessions', id), { recursive: true, mode: 0o700 });

    asNobody(
      `const fs = require('node:fs'); const [root, id, target] = process.argv.slice(1);
       fs.renameSync(root, root + '.moved');
       fs.mkdirSync(root + '/sessions/' + id, { recursive: true });
       for (const name of ['closed', 'incomplete', 'kept', 'last-unreachable', 'tracked.jsonl']) fs.symlinkSync(target, root + '/sessions/' + id + '/' + name);`,
      root,
      id,
      victim,
    );
    const dir = join(root, 'sessions', id);
    markClosed(dir);
    markIncomplete(dir);
    markKept(dir);
    markUnreachable(dir, Date.now());
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(statSync(victim).uid).toBe(0);

    const swept = await sweepDeadSessions(root, { env: dockerEnv() });
    expect(swept.sessions).toEqual([]);
    expect(swept.warnings).toEqual([expect.stringMatching(new RegExp(`^Ignored the session records under ${root}: above it, ${shared} is writable by group and others without the sticky bit`))]);
  });

  it('under a sticky parent (as /tmp): accepted, and the other user cannot move the state root away (EPERM); the socket stays ours', async () => {
    const shared = join(work, 'sticky');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const root = join(shared, 'dj');
    const session = await openSession({ sweepDeadSessions: false, signals: false, images: 'off' }, { env: { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: root } });
    try {
      expect(session.socket).toBeDefined();
      const code = `try { require('node:fs').renameSync(process.argv[1], process.argv[1] + '.moved'); console.log('moved'); } catch (e) { console.log(e.code); }`;
      expect(asNobody(code, root)).toBe('EPERM');
      expect(statSync(session.socket!).uid).toBe(0);
    } finally {
      await session.teardown();
    }
  });
});

describe('H1: a state directory whose socket path is over the unix limit', () => {
  it('one warning, no socket, nothing left on disk, and the runner exits after teardown', async () => {
    const root = join(work, 'x'.repeat(80));
    const code = `
      const { openSession } = await import(${JSON.stringify(join(REPO_ROOT, 'dist/index.js'))});
      const session = await openSession({ sweepDeadSessions: false, signals: false });
      console.log(JSON.stringify({ socket: session.socket ?? null, warnings: session.warnings, dir: session.dir }));
      const result = await session.teardown();
      console.log(JSON.stringify({ incomplete: result.incomplete }));`;
    const started = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env: { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: root }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.on('exit', (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
    expect({ exit, stderr }).toEqual({ exit: 0, stderr: '' });
    expect(Date.now() - started).toBeLessThan(20_000);
    const [opened, closed] = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const path = join(opened?.dir as string, 'socket', 'docker.sock');
    expect(opened).toEqual({
      socket: null,
      dir: expect.any(String),
      warnings: [
        `No session socket: session socket ${path}: its path is ${Buffer.byteLength(path)} bytes, over the 107-byte limit of a unix socket path (a shorter DOCKER_JANITOR_STATE_DIR makes it fit); the tests reach the engine directly (labels, tracking and adoption only).`,
      ],
    });
    expect(closed).toEqual({ incomplete: false });
    // Node would have bound a cut path in sessions/; the session's directory is gone after teardown.
    expect(readdirSync(join(root, 'sessions'))).toEqual([]);
    expect(readdirSync(root).filter((name) => name !== 'sessions' && name !== 'background-sweep.log')).toEqual([]);
  });
});

describe('S4: a port outside 1-65535 in DOCKER_HOST', () => {
  beforeEach(() => resetEngine());

  it('no session and no record; an older record of it is one line of sweep and sessions, and the other dead session is swept', async () => {
    const root = join(work, 'state');
    const env = { DOCKER_JANITOR_STATE_DIR: root };
    // A run that died (SIGKILL, no watchdog): its container waits for the next sweep.
    const dead = spawnSync(process.execPath, [CHILD, 'sigkill', JSON.stringify({ watchdog: false, socket: false, sweepDeadSessions: false, images: 'off' })], {
      env: { ...dockerEnv(), ...env },
      encoding: 'utf8',
    });
    const [, deadId, container] = /READY (\S+) (\S+)/.exec(dead.stdout) ?? [];
    expect(containerState(container ?? 'none')).toBe('running');

    // A run with a typo in the port: refused in one line, nothing recorded.
    const typo = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import(${JSON.stringify(join(REPO_ROOT, 'dist/index.js'))}).then((m) => m.openSession()).then(() => console.log('opened'), (e) => console.log('refused:', e.message))`],
      { env: { ...dockerEnv(), ...env, DOCKER_HOST: 'tcp://127.0.0.1:99999' }, encoding: 'utf8' },
    );
    expect(typo.stdout.trim()).toBe('refused: DOCKER_HOST tcp://127.0.0.1:99999 is not a usable Docker endpoint: its port 99999 is outside 1-65535.');
    expect(readdirSync(join(root, 'sessions'))).toEqual([deadId]);

    // A record of it as an older version wrote it (the record first, then the failure).
    const bad = join(root, 'sessions', 'mwwv0009-deadbeef');
    mkdirSync(bad, { mode: 0o700 });
    const record = { id: 'mwwv0009-deadbeef', pid: spawnSync('true').pid, hostname: hostname(), startedAt: Date.now(), docker: { host: 'tcp://127.0.0.1:99999' }, stopTimeout: 0, adopt: { labels: [], all: false } };
    writeFileSync(join(bad, 'session.json'), JSON.stringify(record), { mode: 0o600 });

    const sessions = cli(['sessions'], env);
    expect(sessions.stderr).not.toMatch(/\n\s+at |RangeError|unexpected error/);
    expect(sessions.stdout).toContain('tcp://127.0.0.1:99999 is not a usable Docker endpoint: its port 99999 is outside 1-65535.');

    const sweep = cli(['sweep'], env);
    expect(sweep.stderr).toBe('');
    expect(sweep.stdout).toContain(`Session ${deadId}: removed 1 container`);
    expect(sweep.stdout).toContain('tcp://127.0.0.1:99999 is not a usable Docker endpoint: its port 99999 is outside 1-65535.');
    expect(sweep.code).toBe(3); // that engine cannot be asked: "Docker unavailable", as for any engine that never answers
    expect(containerState(container ?? 'none')).toBe('');
    expect(dockerSync(['ps', '-aq'])).toBe('');
  });
});

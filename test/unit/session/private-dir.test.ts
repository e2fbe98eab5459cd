/**
 * The state directory's ancestors (OpenSSH StrictModes, with the sticky bit) and the writes into
 * a session directory (never through a symlink, a FIFO or a hard link). Real directories under
 * the system's temp dir where the check is about modes; a fake lstat where it is about owners
 * (this project runs without root).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkAncestors, judgeAncestor, writePrivateFile, type AncestorIO } from '../../../src/session/private-dir.js';
import {
  appendTracked,
  listSessionDirs,
  markClosed,
  markIncomplete,
  markKept,
  markUnreachable,
  prepareStateRoot,
  STATE_DIR_ADVICE,
  writeImagesBefore,
} from '../../../src/session/store.js';
import { track } from '../../../src/session/tracking.cjs';

const uid = process.getuid?.() ?? 1000;
const stats = (mode: number, owner: number, link = false) => ({ mode, uid: owner, isDirectory: () => !link, isSymbolicLink: () => link });

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'dj-private-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('judgeAncestor', () => {
  it.each([
    [stats(0o40755, 0), undefined],
    [stats(0o40755, 1000), undefined],
    [stats(0o41777, 0), undefined], // /tmp: sticky
    [stats(0o40700, 1000), undefined],
    [stats(0o40755, 65534), 'is owned by uid 65534 (neither you, uid 1000, nor root)'],
    [stats(0o41777, 65534), 'is owned by uid 65534 (neither you, uid 1000, nor root)'],
    [stats(0o40777, 0), 'is writable by group and others without the sticky bit (mode 777)'],
    [stats(0o40775, 1000), 'is writable by group without the sticky bit (mode 775)'],
    [stats(0o40757, 0), 'is writable by others without the sticky bit (mode 757)'],
    [stats(0o120777, 0, true), undefined], // a link's mode means nothing; where it leads is judged on its own
    [stats(0o120777, 65534, true), 'is owned by uid 65534 (neither you, uid 1000, nor root)'],
  ])('%#: %j', (given, expected) => {
    expect(judgeAncestor(given, 1000)).toBe(expected);
  });

  it('judges nothing where there are no uids (Windows)', () => {
    expect(judgeAncestor(stats(0o40777, 5), undefined)).toBeUndefined();
  });
});

describe('checkAncestors', () => {
  /** A file system of `tree` with symbolic `links` (from → to): lstat follows links in all but the last component, as the kernel does. */
  const fake = (tree: Record<string, ReturnType<typeof stats>>, links: Record<string, string> = {}): AncestorIO => {
    const realpath = (path: string): string => {
      for (const [from, to] of Object.entries(links)) if (path === from || path.startsWith(`${from}/`)) return to + path.slice(from.length);
      return path;
    };
    return {
      lstat: (path) => {
        const found = tree[path === '/' ? path : join(realpath(dirname(path)), basename(path))];
        if (!found) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
        return found;
      },
      realpath,
    };
  };

  it('a parent another user owns, or can write without the sticky bit: refused, naming it', () => {
    const tree = { '/': stats(0o40755, 0), '/ci': stats(0o40755, 0), '/ci/cache': stats(0o40777, 0), '/ci/cache/dj': stats(0o40700, 1000) };
    expect(checkAncestors('/ci/cache/dj', 1000, fake(tree))).toEqual({ ok: false, reason: '/ci/cache is writable by group and others without the sticky bit (mode 777)' });
    const owned = { ...tree, '/ci/cache': stats(0o40755, 65534) };
    expect(checkAncestors('/ci/cache/dj', 1000, fake(owned))).toEqual({ ok: false, reason: '/ci/cache is owned by uid 65534 (neither you, uid 1000, nor root)' });
    expect(checkAncestors('/ci/cache/dj', 1000, fake({ ...tree, '/ci/cache': stats(0o41777, 0) }))).toEqual({ ok: true });
  });

  it('ancestors that do not exist yet are not judged (this user creates them 0700); the path itself is not either', () => {
    const tree = { '/': stats(0o40755, 0), '/home': stats(0o40755, 0), '/home/me': stats(0o40700, 1000) };
    expect(checkAncestors('/home/me/.local/state/docker-janitor', 1000, fake(tree))).toEqual({ ok: true });
    expect(checkAncestors('/home/me', 1000, fake({ ...tree, '/home/me': stats(0o40777, 65534) }))).toEqual({ ok: true });
  });

  it('through a symbolic link, the directories it leads to are judged too', () => {
    const tree = {
      '/': stats(0o40755, 0),
      '/var': stats(0o40755, 0),
      '/var/run': stats(0o120777, 0, true),
      '/run': stats(0o40755, 0),
      '/run/shared': stats(0o40777, 0),
    };
    const io = fake(tree, { '/var/run': '/run' });
    expect(checkAncestors('/var/run/shared/dj', 1000, io)).toEqual({ ok: false, reason: '/var/run/shared is writable by group and others without the sticky bit (mode 777)' });
    expect(checkAncestors('/var/run/dj', 1000, io)).toEqual({ ok: true });
    // A link that leads under a directory others can write: found on the resolved path.
    const moved = fake({ ...tree, '/srv': stats(0o40755, 0), '/srv/open': stats(0o40777, 0), '/srv/open/run': stats(0o40755, 0) }, { '/var/run': '/srv/open/run' });
    expect(checkAncestors('/var/run/dj', 1000, moved)).toEqual({ ok: false, reason: '/srv/open is writable by group and others without the sticky bit (mode 777)' });
  });

  it('on the real file system: a 0777 parent is refused, a sticky one is not, and a link to an open directory is refused', () => {
    const open = join(work, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(checkAncestors(join(open, 'dj'))).toEqual({ ok: false, reason: `${open} is writable by group and others without the sticky bit (mode 777)` });
    chmodSync(open, 0o1777);
    expect(checkAncestors(join(open, 'dj'))).toEqual({ ok: true });
    chmodSync(open, 0o777);
    symlinkSync(open, join(work, 'link'));
    expect(checkAncestors(join(work, 'link', 'dj'))).toMatchObject({ ok: false, reason: expect.stringContaining('without the sticky bit') });
    expect(checkAncestors(join(work, 'link', 'dj'), uid).ok).toBe(false);
  });
});

describe('prepareStateRoot under a directory others can write', () => {
  it('refuses in one line naming the directory and what to do, and creates nothing there', () => {
    const open = join(work, 'shared-cache');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const root = join(open, 'dj');
    const check = prepareStateRoot(root);
    expect(check).toEqual({
      ok: false,
      reason: `above it, ${open} is writable by group and others without the sticky bit (mode 777), so another user could put a directory of theirs in its place; ${STATE_DIR_ADVICE}`,
    });
    expect(STATE_DIR_ADVICE).toMatch(/DOCKER_JANITOR_STATE_DIR.*XDG_STATE_HOME/);
    expect(existsSync(root)).toBe(false);
    mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
    expect(listSessionDirs(root)).toEqual({ dirs: [], refused: expect.stringContaining(`above it, ${open} is writable`) });
  });

  it('a root another user could not replace is made 0700 and read', () => {
    const root = join(work, 'ok', 'dj');
    expect(prepareStateRoot(root)).toEqual({ ok: true });
    expect(statSync(join(root, 'sessions')).mode & 0o777).toBe(0o700);
    expect(listSessionDirs(root)).toEqual({ dirs: [] });
  });
});

describe('writePrivateFile', () => {
  let victim: string;
  beforeEach(() => {
    victim = join(work, 'precious');
    writeFileSync(victim, 'precious\n', { mode: 0o600 });
  });

  it.each(['new', 'replace', 'append'] as const)('%s: never through a symlink at the name; the file it points to is untouched', (how) => {
    const name = join(work, 'closed');
    symlinkSync(victim, name);
    expect(() => writePrivateFile(name, 'x\n', how)).toThrow(how === 'new' ? /EEXIST/ : /ELOOP/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(name).isSymbolicLink()).toBe(true);
  });

  it('never into a second link of a file (a hard link), and never truncated before that check', () => {
    const name = join(work, 'incomplete');
    linkSync(victim, name);
    expect(() => writePrivateFile(name, 'x\n', 'replace')).toThrow(/not a regular file of yours with one link/);
    expect(() => writePrivateFile(name, 'x\n', 'append')).toThrow(/one link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('a FIFO at the name fails at once instead of waiting for a reader', () => {
    const name = join(work, 'kept');
    execFileSync('mkfifo', [name]);
    expect(() => writePrivateFile(name, 'x\n', 'replace')).toThrow(/ENXIO/);
  });

  it('new creates 0600 and refuses anything there; replace overwrites; append appends', () => {
    const name = join(work, 'file');
    writePrivateFile(name, 'one\n', 'new');
    expect(statSync(name).mode & 0o777).toBe(0o600);
    expect(() => writePrivateFile(name, 'two\n', 'new')).toThrow(/EEXIST/);
    writePrivateFile(name, 'three\n', 'append');
    expect(readFileSync(name, 'utf8')).toBe('one\nthree\n');
    writePrivateFile(name, 'four\n', 'replace');
    expect(readFileSync(name, 'utf8')).toBe('four\n');
  });
});

describe('the session files, each with a symlink planted at its name', () => {
  it('markers, tracked IDs and the image list are never written through it', () => {
    const dir = join(work, 'session');
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(work, 'precious');
    writeFileSync(victim, 'precious\n');
    for (const name of ['closed', 'kept', 'incomplete', 'last-unreachable', 'images-before.txt', 'tracked.jsonl']) symlinkSync(victim, join(dir, name));
    markClosed(dir);
    markKept(dir);
    markIncomplete(dir);
    markUnreachable(dir, Date.now());
    expect(() => writeImagesBefore(dir, ['sha256:aa'])).toThrow(/ELOOP/);
    expect(() => appendTracked(dir, [{ id: 'abc' }])).toThrow(/ELOOP/);
    const saved = { ...process.env };
    try {
      process.env.DOCKER_JANITOR_SESSION = 'mwwv0000-deadbeef';
      process.env.DOCKER_JANITOR_SESSION_DIR = dir;
      expect(() => track('abc')).toThrow(/ELOOP/);
    } finally {
      process.env = saved;
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});

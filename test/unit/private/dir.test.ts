/**
 * Private directories and their ancestors (OpenSSH StrictModes, with the sticky bit). Real
 * directories under the system's temp dir where the check is about modes; a fake lstat where it
 * is about owners (this project runs without root).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkAncestors, judgeAncestor, judgePrivateDir, type AncestorIO } from '../../../src/private/dir.js';

const uid = process.getuid?.() ?? 1000;
const stats = (mode: number, owner: number, link = false) => ({ mode, uid: owner, isDirectory: () => !link, isSymbolicLink: () => link });

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'dj-private-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('judgePrivateDir', () => {
  const entry = (mode: number, owner: number, dir = true, link = false) => ({ mode, uid: owner, isDirectory: () => dir, isSymbolicLink: () => link });
  it.each([
    [entry(0o40700, 1000), { ok: true }],
    [entry(0o40755, 1000), { ok: false, reason: 'is accessible to group or others (mode 755)' }],
    [entry(0o40700, 65534), { ok: false, reason: 'is owned by uid 65534, not by you (uid 1000)' }],
    [entry(0o120777, 1000, false, true), { ok: false, reason: 'is a symbolic link' }],
    [entry(0o100600, 1000, false), { ok: false, reason: 'is not a directory' }],
  ])('%#', (given, expected) => {
    expect(judgePrivateDir(given, 1000)).toEqual(expected);
  });
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

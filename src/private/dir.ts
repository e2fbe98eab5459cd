/**
 * The state directories and the session socket's must be private to the user, as ssh-agent and
 * tmux require of their sockets' directories: a directory (not a symlink, checked with lstat),
 * owned by the current user, with no access for group or others. Otherwise another user could
 * plant a session record that this user's next run acts on, or reach the socket.
 *
 * Their ancestors are checked too, as OpenSSH's StrictModes checks the path to authorized_keys:
 * each one owned by root or the user, and writable by nobody else unless sticky (/tmp). A parent
 * that another user can write lets that user rename the state directory away and put their own
 * tree in its place after every check (then a marker written through their symlink lands in a
 * file of this user's choosing, and the tests' DOCKER_HOST reaches their socket).
 *
 * Files in such a directory are written by file.cts: never through a symlink at their name, never
 * blocking on a FIFO, and only into a regular file of this user.
 */
import { lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { currentUid } from './file.cjs';

export type DirCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

type DirStats = Pick<Stats, 'uid' | 'mode'> & { isDirectory(): boolean; isSymbolicLink(): boolean };

/** S_ISVTX: in such a directory only an entry's owner (or the directory's) may rename or remove it. */
const STICKY = 0o1000;

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

/** Pure: is a directory with these lstat facts private to `uid`? */
export function judgePrivateDir(stats: DirStats, uid: number | undefined): DirCheck {
  if (stats.isSymbolicLink()) return { ok: false, reason: 'is a symbolic link' };
  if (!stats.isDirectory()) return { ok: false, reason: 'is not a directory' };
  if (uid === undefined) return { ok: true };
  if (stats.uid !== uid) return { ok: false, reason: `is owned by uid ${stats.uid}, not by you (uid ${uid})` };
  if ((stats.mode & 0o077) !== 0) return { ok: false, reason: `is accessible to group or others (mode ${octal(stats.mode)})` };
  return { ok: true };
}

/**
 * Pure: why an ancestor of a state directory with these lstat facts lets another user replace
 * what is below it, or undefined when it does not (OpenSSH StrictModes, with the sticky bit).
 * A symbolic link is judged by its owner; what it points to is checked as a path of its own.
 */
export function judgeAncestor(stats: DirStats, uid: number | undefined): string | undefined {
  if (uid === undefined) return undefined;
  if (stats.uid !== uid && stats.uid !== 0) return `is owned by uid ${stats.uid} (neither you, uid ${uid}, nor root)`;
  if (stats.isSymbolicLink()) return undefined;
  const writable = stats.mode & 0o022;
  if (writable !== 0 && (stats.mode & STICKY) === 0) {
    const who = writable === 0o022 ? 'group and others' : writable === 0o020 ? 'group' : 'others';
    return `is writable by ${who} without the sticky bit (mode ${octal(stats.mode)})`;
  }
  return undefined;
}

/** `/a/b/c` → `['/', '/a', '/a/b', '/a/b/c']` (an absolute path). */
function chainOf(absolute: string): string[] {
  const chain: string[] = [];
  for (let dir = absolute; ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dirname(dir) === dir) return chain;
  }
}

export interface AncestorIO {
  readonly lstat: (path: string) => DirStats;
  readonly realpath: (path: string) => string;
}

const realIO: AncestorIO = { lstat: (path) => lstatSync(path), realpath: (path) => realpathSync.native(path) };

/**
 * Every existing ancestor of `path` (not `path` itself), as written and as the links in it
 * resolve, judged by {@link judgeAncestor}. Ancestors that do not exist yet are not judged: this
 * user creates them (0700).
 */
export function checkAncestors(path: string, uid = currentUid(), io: AncestorIO = realIO): DirCheck {
  if (uid === undefined) return { ok: true };
  const absolute = resolve(path);
  if (dirname(absolute) === absolute) return { ok: true };
  let deepest: string | undefined;
  for (const dir of chainOf(dirname(absolute))) {
    let stats: DirStats;
    try {
      stats = io.lstat(dir);
    } catch {
      break;
    }
    const problem = judgeAncestor(stats, uid);
    if (problem) return { ok: false, reason: `${dir} ${problem}` };
    deepest = dir;
  }
  if (deepest === undefined) return { ok: true };
  // Through a symbolic link (/var/run → /run): the directories it leads to are judged as well.
  let real: string;
  try {
    real = io.realpath(deepest);
  } catch {
    return { ok: true };
  }
  if (real === deepest) return { ok: true };
  for (const dir of chainOf(real)) {
    let stats: DirStats;
    try {
      stats = io.lstat(dir);
    } catch (error) {
      return { ok: false, reason: `${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
    }
    const problem = judgeAncestor(stats, uid);
    if (problem) return { ok: false, reason: `${dir} ${problem}` };
  }
  return { ok: true };
}

export function checkPrivateDir(path: string, uid = currentUid()): DirCheck {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    return { ok: false, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  return judgePrivateDir(stats, uid);
}

/** Create `path` (and missing parents) 0700 if needed, then check it. */
export function ensurePrivateDir(path: string, uid = currentUid()): DirCheck {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    return { ok: false, reason: `cannot be created (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
  }
  return checkPrivateDir(path, uid);
}

/** Whether a file is a regular file (not a symlink) owned by `uid`. */
export function isOwnFile(path: string, uid = currentUid()): boolean {
  try {
    const stats = lstatSync(path);
    return stats.isFile() && (uid === undefined || stats.uid === uid);
  } catch {
    return false;
  }
}

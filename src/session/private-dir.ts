/**
 * State directories must be private to the user, as ssh-agent and tmux require of their
 * sockets' directories: a directory (not a symlink, checked with lstat), owned by the current
 * user, with no access for group or others. Otherwise another user could plant a session
 * record that this user's next run acts on.
 */
import { lstatSync, mkdirSync, type Stats } from 'node:fs';

export type DirCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The current uid, where there is one (not on Windows, where these checks do not apply). */
export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Pure: is a directory with these lstat facts private to `uid`? */
export function judgePrivateDir(stats: Pick<Stats, 'uid' | 'mode'> & { isDirectory(): boolean; isSymbolicLink(): boolean }, uid: number | undefined): DirCheck {
  if (stats.isSymbolicLink()) return { ok: false, reason: 'is a symbolic link' };
  if (!stats.isDirectory()) return { ok: false, reason: 'is not a directory' };
  if (uid === undefined) return { ok: true };
  if (stats.uid !== uid) return { ok: false, reason: `is owned by uid ${stats.uid}, not by you (uid ${uid})` };
  if ((stats.mode & 0o077) !== 0) return { ok: false, reason: `is accessible to group or others (mode ${(stats.mode & 0o777).toString(8).padStart(3, '0')})` };
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

/**
 * Writing a file in a private directory (dir.ts): never through a symlink planted at its name
 * (O_NOFOLLOW), never blocking on a FIFO there (O_NONBLOCK), and only into a regular file of
 * this user with one link (checked on the open descriptor, before a byte of it changes).
 *
 * CommonJS with no dependencies, so `docker-janitor/session` (tracking.cts, loaded by Jest test
 * files) writes with the same guard as the ESM modules, which import it as well.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, writeFileSync } from 'node:fs';

/** The current uid, where there is one (not on Windows, where these checks do not apply). */
export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

// Not on Windows (no symlink attacks of this kind there): 0 leaves the flag out.
const { O_WRONLY, O_CREAT, O_EXCL, O_APPEND } = constants;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/**
 * How {@link writePrivateFile} writes: `new` only creates (O_EXCL: anything already there, a
 * symlink too, is refused), `replace` creates or overwrites, `append` creates or appends.
 */
export type PrivateWrite = 'new' | 'replace' | 'append';

/** Pure: the open(2) flags of a private write. Never follows a symlink at the name, never waits on a FIFO. */
export function privateWriteFlags(how: PrivateWrite): number {
  return O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | (how === 'new' ? O_EXCL : 0) | (how === 'append' ? O_APPEND : 0);
}

/**
 * Write `data` to `path` (0600) in a private directory: a symlink at `path` fails (ELOOP), a
 * FIFO fails at once (ENXIO), and anything that is not a regular file of this user with one link
 * is refused before a byte of it is changed (it is truncated only after that check). Throws on
 * refusal, with the code of the open(2) that failed (EEXIST for `new` over anything) or EPERM.
 * A short `data` goes in one write: with `append`, lines of concurrent writers stay whole.
 */
export function writePrivateFile(path: string, data: string, how: PrivateWrite, uid = currentUid()): void {
  const fd = openSync(path, privateWriteFlags(how), 0o600);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.nlink !== 1 || (uid !== undefined && stats.uid !== uid)) {
      throw Object.assign(new Error(`refusing to write ${path}: not a regular file of yours with one link`), { code: 'EPERM' });
    }
    if (how === 'replace') ftruncateSync(fd, 0);
    if (data !== '') writeFileSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

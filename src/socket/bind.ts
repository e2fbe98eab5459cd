/**
 * Binding the session socket in setup, for another process to serve (the watchdog).
 *
 * Setup binds and listens (about 1 ms) and hands the listening descriptor to the watchdog at
 * spawn, so it never waits for that process's Node to boot: a client that connects before the
 * watchdog accepts waits in the kernel's backlog. Node unlinks a unix socket's path when its
 * server closes (measured on Node 20), and setup must close its own copy; so the socket is bound
 * under a temporary name and renamed into place (a bound socket keeps its inode), and the unlink
 * at close hits the temporary name, which no longer exists.
 *
 * A path over the unix socket limit is refused before anything is created (path-limit.ts), and
 * every failure after the bind closes the server and removes what was bound: nothing is left
 * listening (which would keep the runner alive) and no file is left behind.
 */
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { socketPathProblem } from './path-limit.js';
import { SessionSocketError } from './server.js';

export const SOCKET_DIR = 'socket';
export const SOCKET_FILE = 'docker.sock';

/** `<session dir>/socket/docker.sock`. */
export function sessionSocketPath(sessionDir: string): string {
  return join(sessionDir, SOCKET_DIR, SOCKET_FILE);
}

/** The temporary name the socket is bound under: in the same directory, never longer than `docker.sock`. */
export function bindingPath(path: string, pid = process.pid): string {
  return join(dirname(path), `.b${pid}`);
}

export interface BoundSocket {
  readonly path: string;
  /** The listening descriptor, to pass to the serving process (e.g. as its fd 3). */
  readonly fd: number;
  /** Close this process's copy; the file stays for the process that serves it. */
  release(): Promise<void>;
  /** Close this process's copy and remove the file (nobody will serve it). */
  discard(): Promise<void>;
}

/**
 * Creates the socket's directory (0700, this user's) and binds `path` there (0600, listening).
 * Throws a {@link SessionSocketError} when it cannot, with nothing left listening or on disk.
 */
export async function bindSessionSocket(path: string): Promise<BoundSocket> {
  const tooLong = socketPathProblem(path);
  if (tooLong) throw new SessionSocketError(`session socket ${path}: ${tooLong}`, path);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Checked before the chmod (which would follow a symlink): a directory of this user's.
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) throw new SessionSocketError(`session socket ${path}: ${dir} is not this user's directory`, path);
  chmodSync(dir, 0o700);
  const binding = bindingPath(path);
  rmSync(binding, { force: true });
  const server: Server = createServer();
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  // Whatever failed, the server is closed and what this call bound is removed.
  let placed = false;
  const fail = async (message: string, cause?: unknown): Promise<never> => {
    await close();
    rmSync(binding, { force: true });
    if (placed) rmSync(path, { force: true });
    throw new SessionSocketError(`session socket ${path}: ${message}`, path, cause === undefined ? undefined : { cause });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: binding, exclusive: true }, () => resolve());
    });
  } catch (cause) {
    return fail(`cannot listen: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  try {
    // Not connectable by anyone else before the rename makes it visible under its real name.
    chmodSync(binding, 0o600);
    renameSync(binding, path);
    placed = true;
  } catch (cause) {
    return fail(`cannot put it in place: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  const handle = (server as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return fail('no descriptor to hand over on this platform');
  // Setup never accepts: the serving process does.
  server.on('connection', (socket) => socket.destroy());
  return {
    path,
    fd,
    release: close,
    async discard() {
      await close();
      rmSync(path, { force: true });
    },
  };
}

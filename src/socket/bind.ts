/**
 * Binding the session socket in setup, for another process to serve (the watchdog).
 *
 * Setup binds and listens (about 1 ms) and hands the listening descriptor to the watchdog at
 * spawn, so it never waits for that process's Node to boot: a client that connects before the
 * watchdog accepts waits in the kernel's backlog. Node unlinks a unix socket's path when its
 * server closes (measured on Node 20), and setup must close its own copy; so the socket is bound
 * under a temporary name and renamed into place (a bound socket keeps its inode), and the unlink
 * at close hits the temporary name, which no longer exists.
 */
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { SessionSocketError } from './server.js';

export const SOCKET_DIR = 'socket';
export const SOCKET_FILE = 'docker.sock';

/** `<session dir>/socket/docker.sock`. */
export function sessionSocketPath(sessionDir: string): string {
  return join(sessionDir, SOCKET_DIR, SOCKET_FILE);
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
 * Throws a {@link SessionSocketError} when it cannot.
 */
export async function bindSessionSocket(path: string): Promise<BoundSocket> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) throw new SessionSocketError(`session socket ${path}: ${dir} is not this user's directory`, path);
  const binding = `${path}.${process.pid}.binding`;
  rmSync(binding, { force: true });
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) => reject(new SessionSocketError(`session socket ${path}: cannot listen: ${cause.message}`, path, { cause })));
    server.listen({ path: binding, exclusive: true }, () => resolve());
  });
  // Not connectable by anyone else before the rename makes it visible under its real name.
  chmodSync(binding, 0o600);
  renameSync(binding, path);
  const handle = (server as unknown as { _handle?: { fd?: number } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(path, { force: true });
    throw new SessionSocketError(`session socket ${path}: no descriptor to hand over on this platform`, path);
  }
  // Setup never accepts: the serving process does.
  server.on('connection', (socket) => socket.destroy());
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
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

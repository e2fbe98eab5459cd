/**
 * Serving the session socket: a failure after listening (the chmod; the file gone, as when
 * teardown removed the path before a late watchdog started) closes the server, so nothing keeps
 * the process alive; a path over the unix limit, or in a directory that is not private
 * (private/dir.ts), is refused before anything is bound.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { SessionSocketError, startSessionSocket } from '../../../src/socket/server.js';

/** The next chmodSync fails as if the file had gone (ENOENT). */
const chmodFails = vi.hoisted(() => ({ next: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    chmodSync: (...args: Parameters<typeof fs.chmodSync>) => {
      if (chmodFails.next) {
        chmodFails.next = false;
        throw Object.assign(new Error('ENOENT: chmod'), { code: 'ENOENT' });
      }
      return fs.chmodSync(...args);
    },
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dj-server-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('a failure after listening (the chmod): rejects and closes the server it started, leaving no file', async () => {
  const path = join(dir, 'docker.sock');
  chmodFails.next = true;
  const close = vi.spyOn(Server.prototype, 'close');
  try {
    const error = await startSessionSocket({ path, upstream: { socketPath: join(dir, 'engine.sock') }, labels: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionSocketError);
    expect((error as Error).message).toBe(`session socket ${path}: ENOENT: chmod`);
    expect(close).toHaveBeenCalledTimes(1);
  } finally {
    close.mockRestore();
  }
  // Node unlinks a path-bound unix socket when its server closes.
  await vi.waitFor(() => expect(existsSync(path)).toBe(false));
});

it('a path over the unix socket limit: refused before anything is bound', async () => {
  const path = join(dir, 'x'.repeat(120), 'docker.sock');
  const listen = vi.spyOn(Server.prototype, 'listen');
  try {
    const error = await startSessionSocket({ path, upstream: { socketPath: join(dir, 'engine.sock') }, labels: {} }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/over the 107-byte limit of a unix socket path/);
    expect(listen).not.toHaveBeenCalled();
  } finally {
    listen.mockRestore();
  }
});

it('a directory that is not private: refused before anything is bound, naming the directory and why', async () => {
  const start = (path: string) => startSessionSocket({ path, upstream: { socketPath: join(dir, 'engine.sock') }, labels: {} }).catch((caught: unknown) => caught);
  const open = join(dir, 'open');
  mkdirSync(open, { mode: 0o755 });
  chmodSync(open, 0o755);
  symlinkSync(open, join(dir, 'link'));
  const cases = [
    [join(dir, 'missing', 'docker.sock'), `its directory ${join(dir, 'missing')} cannot be read (ENOENT)`],
    [join(open, 'docker.sock'), `its directory ${open} is accessible to group or others (mode 755)`],
    [join(dir, 'link', 'docker.sock'), `its directory ${join(dir, 'link')} is a symbolic link`],
  ] as const;
  const listen = vi.spyOn(Server.prototype, 'listen');
  try {
    for (const [path, reason] of cases) {
      const error = await start(path);
      expect(error).toBeInstanceOf(SessionSocketError);
      expect((error as Error).message).toBe(`session socket ${path}: ${reason}`);
    }
    expect(listen).not.toHaveBeenCalled();
  } finally {
    listen.mockRestore();
  }
});

/**
 * Binding the session socket for another process: the directory is made 0700, the file is 0600
 * under its final name, and releasing this process's copy keeps the file (Node unlinks a unix
 * socket's path when its server closes; bind.ts binds under a temporary name and renames).
 * A connection made before anyone accepts waits in the backlog and is served by a child that
 * got the descriptor as its fd 3.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bindingPath, bindSessionSocket, sessionSocketPath } from '../../../src/socket/bind.js';
import { maxSocketPathBytes, socketPathProblem } from '../../../src/socket/path-limit.js';
import { SessionSocketError } from '../../../src/socket/server.js';
import { cleanNowArgs, watchdogArgs } from '../../../src/session/processes.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dj-bind-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('bindSessionSocket', () => {
  it('0700 directory, 0600 socket under its final name; release keeps the file, discard removes it', async () => {
    const path = sessionSocketPath(dir);
    expect(path).toBe(join(dir, 'socket', 'docker.sock'));
    const bound = await bindSessionSocket(path);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).isSocket()).toBe(true);
    expect(readdirSync(dirname(path))).toEqual(['docker.sock']);
    await bound.release();
    expect(existsSync(path)).toBe(true);

    const again = await bindSessionSocket(join(dir, 'socket', 'other.sock'));
    await again.discard();
    expect(existsSync(join(dir, 'socket', 'other.sock'))).toBe(false);
  });

  it('a client that connects before the serving child has started is answered by it', async () => {
    const path = sessionSocketPath(dir);
    const bound = await bindSessionSocket(path);
    const child = spawn(
      process.execPath,
      ['-e', "const s = require('node:net').createServer((c) => { c.end('served'); s.close(); }); setTimeout(() => s.listen({ fd: 3 }), 300);"],
      { stdio: ['ignore', 'ignore', 'inherit', bound.fd] },
    );
    await bound.release();
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      connect(path)
        .on('data', (chunk) => (text += chunk.toString()))
        .on('end', () => resolve(text))
        .on('error', reject);
    });
    expect(answer).toBe('served');
    await new Promise((resolve) => child.on('exit', resolve));
  });
});

describe('bindSessionSocket: every failure leaves nothing listening and nothing on disk', () => {
  const everything = (root: string): string[] =>
    readdirSync(root, { recursive: true, encoding: 'utf8' }).map((name) => name.toString()).sort();

  it('a path over the unix socket limit is refused before anything is created (Node would bind a cut path elsewhere)', async () => {
    const long = join(dir, 'x'.repeat(120), 'sessions', 'mwwv0000-deadbeef');
    const path = sessionSocketPath(long);
    const listen = vi.spyOn(Server.prototype, 'listen');
    try {
      const error = await bindSessionSocket(path).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SessionSocketError);
      expect((error as Error).message).toBe(
        `session socket ${path}: its path is ${Buffer.byteLength(path)} bytes, over the 107-byte limit of a unix socket path (a shorter DOCKER_JANITOR_STATE_DIR makes it fit)`,
      );
      expect(listen).not.toHaveBeenCalled();
    } finally {
      listen.mockRestore();
    }
    expect(everything(dir)).toEqual([]);
  });

  it('the temporary name is never longer than the final one: a path at the limit binds', async () => {
    expect(Buffer.byteLength(bindingPath('/s/socket/docker.sock', 4_194_304))).toBeLessThanOrEqual(Buffer.byteLength('/s/socket/docker.sock'));
    const pad = 107 - Buffer.byteLength(sessionSocketPath(join(dir, 'a')));
    const path = sessionSocketPath(join(dir, 'a'.repeat(pad + 1)));
    expect(Buffer.byteLength(path)).toBe(107);
    const bound = await bindSessionSocket(path);
    expect(statSync(path).isSocket()).toBe(true);
    await bound.discard();
    expect(readdirSync(dirname(path))).toEqual([]);
  });

  it('a failure after the bind (the rename) closes the server and removes the temporary socket', async () => {
    const path = sessionSocketPath(dir);
    mkdirSync(join(path, 'occupied'), { recursive: true }); // a directory in the way: rename fails
    const close = vi.spyOn(Server.prototype, 'close');
    try {
      const error = await bindSessionSocket(path).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SessionSocketError);
      expect((error as Error).message).toMatch(/cannot put it in place: (EISDIR|ENOTEMPTY|EEXIST)/);
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      close.mockRestore();
    }
    expect(everything(dirname(path))).toEqual(['docker.sock', 'docker.sock/occupied']);
  });

  it.each([
    ['linux', 107],
    ['darwin', 103],
    ['freebsd', 103],
  ])('the limit on %s is %i bytes', (platform, max) => {
    expect(maxSocketPathBytes(platform)).toBe(max);
    expect(socketPathProblem(`/${'a'.repeat(max - 1)}`, platform)).toBeUndefined();
    expect(socketPathProblem(`/${'a'.repeat(max)}`, platform)).toMatch(new RegExp(`over the ${max}-byte limit`));
  });
});

describe('watchdogArgs', () => {
  it('names the socket descriptor and path, and the channel, only for a session watchdog', () => {
    const socket = { fd: 42, path: '/state/s/socket/docker.sock' };
    expect(watchdogArgs({ sessionDir: '/state/s', socket }).slice(1)).toEqual([
      '--session-dir',
      '/state/s',
      '--socket-fd',
      '3',
      '--socket-path',
      '/state/s/socket/docker.sock',
      '--channel-fd',
      '4',
    ]);
    expect(watchdogArgs({ sessionDir: '/state/s' }).slice(1)).toEqual(['--session-dir', '/state/s', '--channel-fd', '4']);
    expect(watchdogArgs({ sweepRoot: '/state', socket }).slice(1)).toEqual(['--sweep-root', '/state']);
  });
});

describe('cleanNowArgs', () => {
  it('names the channel descriptor only when the signal cleaner gets one', () => {
    expect(cleanNowArgs('/state/s', undefined).slice(1)).toEqual(['--session-dir', '/state/s']);
    expect(cleanNowArgs('/state/s', '/usr/bin/docker', true).slice(1)).toEqual(['--session-dir', '/state/s', '--docker-path', '/usr/bin/docker', '--channel-fd', '3']);
  });
});

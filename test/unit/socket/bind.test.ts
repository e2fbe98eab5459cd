/**
 * Binding the session socket for another process: the directory is made 0700, the file is 0600
 * under its final name, and releasing this process's copy keeps the file (Node unlinks a unix
 * socket's path when its server closes; bind.ts binds under a temporary name and renames).
 * A connection made before anyone accepts waits in the backlog and is served by a child that
 * got the descriptor as its fd 3.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindSessionSocket, sessionSocketPath } from '../../../src/socket/bind.js';
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

/**
 * Dead-session sweeps without a daemon: a fake docker CLI that answers like an engine that is
 * down. One probe per engine, however many records name it; then a backoff.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSessions } from '../../../src/session/inventory.js';
import { sweepDeadSessions, unexpected } from '../../../src/session/sweep.js';

let root: string;
let fake: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dj-sweep-unit-'));
  fake = join(root, 'docker-down');
  writeFileSync(fake, '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///down.sock. Is the docker daemon running?" >&2\nexit 1\n');
  chmodSync(fake, 0o755);
  mkdirSync(join(root, 'sessions'), { mode: 0o700 });
  const pid = spawnSync('true').pid;
  for (let i = 0; i < 50; i++) {
    const id = `mwwv${String(i).padStart(4, '0')}-deadbeef`;
    const dir = join(root, 'sessions', id);
    mkdirSync(dir, { mode: 0o700 });
    const record = { id, pid, hostname: hostname(), startedAt: Date.now() - 1000, docker: { host: 'unix:///down.sock' }, stopTimeout: 0, adopt: { labels: [], all: false } };
    writeFileSync(join(dir, 'session.json'), JSON.stringify(record), { mode: 0o600 });
  }
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

it('50 dead records of an engine that is down cost one probe (3 listings), then a backoff', async () => {
  const commands: string[][] = [];
  const options = { dockerPath: fake, respectBackoff: true, onCommand: (args: readonly string[]) => commands.push([...args]) };

  const first = await sweepDeadSessions(root, options);
  expect(commands).toHaveLength(3);
  expect(first.sessions).toHaveLength(50);
  expect(first.sessions.every((session) => session.errorCode === 'DOCKER_UNREACHABLE')).toBe(true);
  expect(existsSync(join(root, 'sessions', 'mwwv0000-deadbeef', 'last-unreachable'))).toBe(true);

  commands.length = 0;
  const second = await sweepDeadSessions(root, options);
  expect(commands).toEqual([]); // backed off: not asked again so soon
  expect(second.sessions).toEqual([]);

  // By hand (`docker-janitor sweep`), the backoff does not apply; the records stay either way.
  const byHand = await sweepDeadSessions(root, { ...options, respectBackoff: false });
  expect(commands).toHaveLength(3);
  expect(byHand.sessions).toHaveLength(50);
  expect(existsSync(join(root, 'sessions', 'mwwv0049-deadbeef', 'session.json'))).toBe(true);
});

describe('one record no engine can be made for never stops the sweep, nor the listing of sessions', () => {
  let server: Server;
  let socket: string;
  beforeEach(async () => {
    rmSync(join(root, 'sessions'), { recursive: true, force: true });
    mkdirSync(join(root, 'sessions'), { mode: 0o700 });
    // An engine with nothing on it: the good record's probe finds no object of it.
    socket = join(root, 'empty-engine.sock');
    server = createServer((request, response) => {
      const path = (request.url ?? '').replace(/^\/v[\d.]+/, '').replace(/\?.*$/, '');
      response.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'application/json' });
      response.end(path === '/_ping' ? 'OK' : path === '/volumes' ? '{"Volumes":[]}' : '[]');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const plant = (id: string, host: string) => {
    const dir = join(root, 'sessions', id);
    mkdirSync(dir, { mode: 0o700 });
    const record = { id, pid: spawnSync('true').pid, hostname: hostname(), startedAt: Date.now() - 1000, docker: { host }, stopTimeout: 0, adopt: { labels: [], all: false } };
    writeFileSync(join(dir, 'session.json'), JSON.stringify(record), { mode: 0o600 });
    return dir;
  };

  it('a typo in a port (as older versions recorded it): its own line; the other session is swept', async () => {
    plant('mwwv0001-deadbeef', 'tcp://127.0.0.1:99999');
    plant('mwwv0002-deadbeef', 'tcp://[::1]:0');
    const good = plant('mwwv0003-deadbeef', `unix://${socket}`);

    const report = await sweepDeadSessions(root, {});
    expect(report.sessions).toEqual([
      { sessionId: 'mwwv0001-deadbeef', error: 'tcp://127.0.0.1:99999 is not a usable Docker endpoint: its port 99999 is outside 1-65535.', errorCode: 'DOCKER_UNREACHABLE' },
      { sessionId: 'mwwv0002-deadbeef', error: 'tcp://[::1]:0 is not a usable Docker endpoint: its port 0 is outside 1-65535.', errorCode: 'DOCKER_UNREACHABLE' },
      { sessionId: 'mwwv0003-deadbeef', report: expect.objectContaining({ warnings: [] }) },
    ]);
    expect(existsSync(good)).toBe(false);
    // Kept, backed off from, and forgotten after a week like any engine that never answers.
    expect(existsSync(join(root, 'sessions', 'mwwv0001-deadbeef', 'last-unreachable'))).toBe(true);

    const sessions = await listSessions(root);
    expect(sessions.map((session) => [session.id, session.error])).toEqual([
      ['mwwv0001-deadbeef', 'tcp://127.0.0.1:99999 is not a usable Docker endpoint: its port 99999 is outside 1-65535.'],
      ['mwwv0002-deadbeef', 'tcp://[::1]:0 is not a usable Docker endpoint: its port 0 is outside 1-65535.'],
    ]);
  });

  it('an error that is not Docker\'s is one line naming it, never a throw', () => {
    expect(unexpected(new RangeError('Port should be >= 0 and < 65536.\n    at stack'))).toBe('unexpected error: RangeError: Port should be >= 0 and < 65536.');
    expect(unexpected('text')).toBe('unexpected error: text');
  });
});

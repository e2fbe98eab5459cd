/**
 * Dead-session sweeps without a daemon: a fake docker CLI that answers like an engine that is
 * down. One probe per engine, however many records name it; then a backoff.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { sweepDeadSessions } from '../../../src/session/sweep.js';

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

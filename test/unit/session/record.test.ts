import { describe, expect, it } from 'vitest';
import { checkSessionRecord, checkTrackedEntry } from '../../../src/session/record.js';
import { backoffMs, engineKey } from '../../../src/session/sweep.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isOwnerAlive, pidNamespace, stateRoot } from '../../../src/session/store.js';

const good = {
  id: 'mwwv8wx1-4451b600',
  pid: 1234,
  pidStart: '98765',
  hostname: 'ci-runner-3',
  startedAt: 1_764_000_000_000,
  docker: { host: 'unix:///run/docker.sock', timeoutMs: 60_000 },
  stopTimeout: 0,
  adopt: { labels: ['org.testcontainers=true'], all: false },
};

describe('checkSessionRecord', () => {
  it('accepts a record as openSession writes it', () => {
    expect(checkSessionRecord(good, good.id)).toEqual({ ok: true, value: { ...good, docker: { host: good.docker.host, context: undefined, timeoutMs: 60_000 } } });
  });

  it('takes a host with a space or non-ASCII letters (a socket path under such a directory)', () => {
    const checked = checkSessionRecord({ ...good, docker: { host: 'unix:///Users/José Smith/docker.sock' } }, good.id);
    expect(checked.ok && checked.value.docker.host).toBe('unix:///Users/José Smith/docker.sock');
  });

  it('keeps the PID namespace of a record that has one', () => {
    const checked = checkSessionRecord({ ...good, pidNamespace: 'pid:[4026531836]' }, good.id);
    expect(checked.ok && checked.value.pidNamespace).toBe('pid:[4026531836]');
  });

  it('drops docker.path: a record never names a program', () => {
    const checked = checkSessionRecord({ ...good, docker: { path: '/tmp/evil', host: 'unix:///x.sock' } }, good.id);
    expect(checked.ok && checked.value.docker).toEqual({ host: 'unix:///x.sock', context: undefined, timeoutMs: undefined });
    expect(JSON.stringify(checked)).not.toContain('evil');
  });

  it.each([
    [{ ...good, id: '../../etc' }, 'bad session id'],
    [good, 'session id does not match its directory', 'other-dir'],
    [{ ...good, pid: 1.5 }, 'bad pid'],
    [{ ...good, pid: '1234' }, 'bad pid'],
    [{ ...good, pid: -1 }, 'bad pid'],
    [{ ...good, hostname: 'a b' }, 'bad hostname'],
    [{ ...good, hostname: 'x'.repeat(300) }, 'bad hostname'],
    [{ ...good, pidStart: 'x' }, 'bad pidStart'],
    [{ ...good, pidNamespace: 'net:[4026531840]' }, 'bad pidNamespace'],
    [{ ...good, pidNamespace: 4026531836 }, 'bad pidNamespace'],
    [{ ...good, startedAt: 'now' }, 'bad startedAt'],
    [{ ...good, stopTimeout: 1e9 }, 'bad stopTimeout'],
    [{ ...good, docker: { timeoutMs: 2 ** 31 } }, 'bad docker.timeoutMs'],
    [{ ...good, docker: { context: '-H evil' } }, 'bad docker.context'],
    [{ ...good, docker: { host: 'unix:///a\nb' } }, 'bad docker.host'],
    [{ ...good, docker: { host: 'unix:///a\u007fb' } }, 'bad docker.host'],
    [{ ...good, adopt: { labels: [1], all: false } }, 'bad adopt label'],
    [{ ...good, adopt: { labels: [], all: 'yes' } }, 'bad adopt'],
    [[good], 'not a JSON object'],
  ])('refuses %j: %s', (raw, reason, dir = good.id) => {
    expect(checkSessionRecord(raw, dir)).toEqual({ ok: false, reason });
  });
});

describe('isOwnerAlive', () => {
  // A pid that no process has here (above Linux's pid_max ceiling of 2^22 is refused by the
  // record check; this one is below it and free on any ordinary machine).
  const gone = { pid: 4_194_000, pidStart: '1', hostname: hostname() };

  it('a runner of this host and PID namespace whose pid is free is dead', () => {
    expect(isOwnerAlive(gone)).toBe(false);
    expect(isOwnerAlive({ ...gone, pidNamespace: 'pid:[1]' }, 'pid:[1]')).toBe(false);
  });

  it('a runner of another PID namespace (same hostname: containers with --network host) is not judged by its pid', () => {
    expect(isOwnerAlive({ ...gone, pidNamespace: 'pid:[4026532999]' }, 'pid:[4026531836]')).toBe(true);
  });

  it('this process is alive, with its own namespace recorded', () => {
    expect(isOwnerAlive({ pid: process.pid, pidStart: undefined, pidNamespace: pidNamespace(), hostname: hostname() })).toBe(true);
  });
});

describe('checkTrackedEntry', () => {
  it.each([
    [{ id: 'a'.repeat(64), kind: 'container' }, true],
    [{ id: 'my-volume_1.data' }, true],
    [{ id: '--all' }, false],
    [{ id: 'a b' }, false],
    [{ id: 'x'.repeat(256) }, false],
    [{ id: 'abc', kind: 'image' }, false],
    [{ id: 42 }, false],
  ])('%j → %s', (raw, ok) => {
    expect(checkTrackedEntry(raw).ok).toBe(ok);
  });
});

describe('state root', () => {
  it('is per user: XDG_STATE_HOME, else TMPDIR/docker-janitor-<uid>; DOCKER_JANITOR_STATE_DIR overrides', () => {
    expect(stateRoot({ DOCKER_JANITOR_STATE_DIR: '/s', XDG_STATE_HOME: '/x' })).toBe('/s');
    // Relative values are made absolute: the socket under it is the tests' DOCKER_HOST.
    expect(stateRoot({ DOCKER_JANITOR_STATE_DIR: 'st' })).toBe(join(process.cwd(), 'st'));
    expect(stateRoot({ TMPDIR: 'tmp' })).toBe(join(process.cwd(), 'tmp', `docker-janitor-${process.getuid?.()}`));
    expect(stateRoot({ XDG_STATE_HOME: '/home/u/.local/state' })).toBe('/home/u/.local/state/docker-janitor');
    expect(stateRoot({ TMPDIR: '/tmp' })).toBe(`/tmp/docker-janitor-${process.getuid?.()}`);
    // A relative XDG_STATE_HOME is invalid (XDG spec): ignored, not resolved against the cwd.
    expect(stateRoot({ XDG_STATE_HOME: 'rel/state', TMPDIR: '/tmp' })).toBe(`/tmp/docker-janitor-${process.getuid?.()}`);
  });
});

describe('sweep planning', () => {
  it('backs off exponentially from an engine that does not answer, up to 6 hours', () => {
    expect([1, 2, 3, 10, 50].map((count) => backoffMs({ at: 0, count }))).toEqual([60_000, 120_000, 240_000, 6 * 3600_000, 6 * 3600_000]);
  });

  it('groups records by engine endpoint', () => {
    expect(engineKey({ docker: { host: 'unix:///a.sock' } })).toBe('host:unix:///a.sock');
    expect(engineKey({ docker: { context: 'colima' } })).toBe('context:colima');
    expect(engineKey({ docker: {} })).toBe('default');
  });
});

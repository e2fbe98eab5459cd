import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerEndpointError } from '../../../src/docker/errors.js';
import { endpointFor } from '../../../src/session/endpoint.js';
import { openSession } from '../../../src/session/open.js';
import { readSessionRecordChecked } from '../../../src/session/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('exportEnv sets the session variables and puts back what was there', async () => {
  const state = mkdtempSync(join(tmpdir(), 'dj-open-'));
  dirs.push(state);
  // No docker call happens at open with these options: no sweep, no image snapshot, no watchdog.
  const session = await openSession({ watchdog: false, sweepDeadSessions: false }, { env: { DOCKER_JANITOR_STATE_DIR: state } });
  const target: NodeJS.ProcessEnv = { DOCKER_JANITOR_SESSION: 'an-older-one', OTHER: 'x' };

  const restore = session.exportEnv(target);
  expect(target).toEqual({ DOCKER_JANITOR_SESSION: session.id, DOCKER_JANITOR_SESSION_DIR: session.dir, OTHER: 'x' });

  restore();
  expect(target).toEqual({ DOCKER_JANITOR_SESSION: 'an-older-one', OTHER: 'x' });
});

describe('a session that cannot start leaves no record behind', () => {
  const fresh = () => {
    const state = mkdtempSync(join(tmpdir(), 'dj-open-'));
    dirs.push(state);
    return state;
  };
  const records = (state: string) => readdirSync(join(state, 'sessions'));

  it.each([
    ['tcp://127.0.0.1:99999', 'DOCKER_HOST tcp://127.0.0.1:99999 is not a usable Docker endpoint: its port 99999 is outside 1-65535.'],
    ['tcp://[::1]:0', 'DOCKER_HOST tcp://[::1]:0 is not a usable Docker endpoint: its port 0 is outside 1-65535.'],
    ['tcp://localhost:x', 'DOCKER_HOST tcp://localhost:x is not a usable Docker endpoint: its port "x" is not a number.'],
  ])('DOCKER_HOST=%s: refused in one line before anything is recorded', async (host, message) => {
    const state = fresh();
    const error = await openSession({}, { env: { DOCKER_HOST: host, DOCKER_JANITOR_STATE_DIR: state } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DockerEndpointError);
    expect((error as Error).message).toBe(message);
    expect(records(state)).toEqual([]);
  });

  it.each([
    ['101 adoption filters', { adopt: { labels: Array.from({ length: 101 }, (_, i) => `l${i}`) } }, {}, /cannot record the session: bad adopt \(adopt\.labels takes at most 100 filters of at most 1024 characters\)/],
    ['an adoption filter of 1100 characters', { adopt: { labels: ['a'.repeat(1100)] } }, {}, /cannot record the session: bad adopt label/],
  ])('%s: refused before anything is recorded (the watchdog would refuse the record and never serve the socket)', async (_what, options, env, message) => {
    const state = fresh();
    const error = await openSession({ watchdog: false, sweepDeadSessions: false, ...options }, { env: { DOCKER_JANITOR_STATE_DIR: state, ...env } }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(message);
    expect(records(state)).toEqual([]);
  });

  it('an engine socket path with a space or non-ASCII letters is recorded (and reads back)', async () => {
    const state = fresh();
    const session = await openSession({ watchdog: false, sweepDeadSessions: false, socket: false, images: 'off' }, { env: { DOCKER_HOST: 'unix:///tmp/José Smith/docker.sock', DOCKER_JANITOR_STATE_DIR: state } });
    expect(records(state)).toEqual([session.id]);
  });

  it('a blank DOCKER_HOST (spaces, a newline) is no host: the record names DOCKER_CONTEXT, the engine setup used', async () => {
    const state = fresh();
    const home = fresh();
    const contextMeta = join(home, '.docker/contexts/meta', createHash('sha256').update('remote').digest('hex'));
    mkdirSync(contextMeta, { recursive: true });
    writeFileSync(join(contextMeta, 'meta.json'), JSON.stringify({ Name: 'remote', Endpoints: { docker: { Host: 'unix:///tmp/remote-engine.sock' } } }));
    const env = { DOCKER_HOST: ' \n', DOCKER_CONTEXT: 'remote', HOME: home, DOCKER_JANITOR_STATE_DIR: state };
    const session = await openSession({ watchdog: false, sweepDeadSessions: false, socket: false, images: 'off' }, { env });
    const read = readSessionRecordChecked(session.dir);
    expect(read.ok && read.record.docker).toMatchObject({ host: undefined, context: 'remote' });
    // What a sweep from another shell (no DOCKER_* at all) reaches: the engine setup used.
    expect(read.ok && endpointFor(read.record, { HOME: home })).toMatchObject({ kind: 'unix', socketPath: '/tmp/remote-engine.sock' });
    expect(session.engine.endpoint).toBe('docker context "remote" (unix:///tmp/remote-engine.sock)');
  });

  it('an engine that cannot be made: nothing is recorded', async () => {
    const state = fresh();
    // The API transport cannot reach an ssh:// engine: engineFor throws, before the record is written.
    const error = await openSession(
      { watchdog: false, sweepDeadSessions: false, docker: { transport: 'api' } },
      { env: { DOCKER_HOST: 'ssh://me@build-host', DOCKER_JANITOR_STATE_DIR: state } },
    ).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/can only be reached through the docker CLI/);
    expect(records(state)).toEqual([]);
  });

  it('a state directory under a parent others can write: one line naming it and what to do', async () => {
    const parent = fresh();
    chmodSync(parent, 0o777);
    const state = join(parent, 'dj');
    const error = await openSession({ watchdog: false, sweepDeadSessions: false }, { env: { DOCKER_JANITOR_STATE_DIR: state } }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      `refusing to use the state directory ${state}: above it, ${parent} is writable by group and others without the sticky bit (mode 777), so another user could put a directory of theirs in its place; set DOCKER_JANITOR_STATE_DIR (or XDG_STATE_HOME) to a directory of yours that no other user can write`,
    );
    expect(existsSync(state)).toBe(false);
  });
});

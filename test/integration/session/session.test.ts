/**
 * The session core against the real private engine: what a run creates goes, what it did not
 * create stays, whatever way the run ends.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { engineFromOptions } from '../../../src/docker/create.js';
import { openSession } from '../../../src/session/open.js';
import { sweepDeadSessions, sweepSession } from '../../../src/session/sweep.js';
import { REPO_ROOT } from '../../support/engine.js';
import { TRANSPORTS } from '../../support/engines.js';
import {
  BASE_IMAGE,
  buildImage,
  containerState,
  createContainer,
  dockerEnv,
  dockerSync,
  imageExists,
  resetEngine,
  runContainer,
} from '../../support/docker.js';
import { removeStateDir } from '../../support/processes.js';

const CHILD = join(REPO_ROOT, 'fixtures/programs/session-child.mjs');
let stateDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  if (!existsSync(join(REPO_ROOT, 'dist/session/open.js'))) throw new Error('dist/ is not built: run npm run build first');
});

beforeEach(() => {
  resetEngine();
  stateDir = mkdtempSync(join(tmpdir(), 'dj-session-state-'));
  env = { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: stateDir };
});

afterEach(() => {
  removeStateDir(stateDir);
});

const exists = (kind: 'container' | 'network' | 'volume', id: string) =>
  dockerSync([kind, 'inspect', id], { allowFailure: true }) !== '';

describe('teardown', () => {
  it('removes labelled, tracked and adopted objects and leaves bystanders alone', async () => {
    const bystander = runContainer(BASE_IMAGE);
    const bystanderNet = dockerSync(['network', 'create', 'bystander-net']);
    const bystanderVol = dockerSync(['volume', 'create', 'bystander-vol']);
    const session = await openSession({ adopt: { labels: ['adopt.me=yes'] }, watchdog: false, signals: false }, { env });
    const label = `docker-janitor.session=${session.id}`;

    const labelled = runContainer(BASE_IMAGE, ['--label', label, '-v', '/anon']);
    const tracked = runContainer(BASE_IMAGE);
    const adopted = runContainer(BASE_IMAGE, ['--label', 'adopt.me=yes']);
    const net = dockerSync(['network', 'create', '--label', label, 'session-net']);
    const vol = dockerSync(['volume', 'create', '--label', label, 'session-vol']);
    const trackedVol = dockerSync(['volume', 'create', 'tracked-vol']);
    const anonVolumes = dockerSync(['inspect', '--format', '{{range .Mounts}}{{.Name}} {{end}}', labelled]).trim().split(' ');
    // What track() does inside a test process.
    process.env.DOCKER_JANITOR_SESSION = session.id;
    process.env.DOCKER_JANITOR_SESSION_DIR = session.dir;
    const { track } = await import('../../../src/session/tracking.cjs');
    track(tracked);
    track(trackedVol);
    delete process.env.DOCKER_JANITOR_SESSION;
    delete process.env.DOCKER_JANITOR_SESSION_DIR;

    const result = await session.teardown();

    expect(result.warnings).toEqual([]);
    expect(result.hasProblems).toBe(false);
    for (const id of [labelled, tracked, adopted]) expect(exists('container', id)).toBe(false);
    expect(exists('network', net)).toBe(false);
    expect(exists('volume', vol)).toBe(false);
    expect(exists('volume', trackedVol)).toBe(false);
    for (const anon of anonVolumes) expect(exists('volume', anon)).toBe(false);
    expect(containerState(bystander)).toBe('running');
    expect(exists('network', bystanderNet)).toBe(true);
    expect(exists('volume', bystanderVol)).toBe(true);
    expect(result.containers.removed).toHaveLength(3);
    expect(existsSync(session.dir)).toBe(false);
    // Idempotent.
    expect(await session.teardown()).toBe(result);
  });

  it('cleans images after the containers, keeping images in use by bystanders', async () => {
    const inUse = buildImage();
    const bystander = runContainer(inUse);
    const session = await openSession({ watchdog: false }, { env });
    // Built during the run with the session label: the run's own image (default scope before-and-own).
    const mine = buildImage({ labels: { 'docker-janitor.session': session.id } });
    runContainer(mine, ['--label', `docker-janitor.session=${session.id}`]);

    const result = await session.teardown();

    expect(imageExists(mine)).toBe(false); // its container went first, then the image
    expect(imageExists(inUse)).toBe(true);
    expect(containerState(bystander)).toBe('running');
    // (`--label` on the legacy builder leaves an untagged parent, removed with its child: withChild.)
    expect(result.images?.removed.filter((image) => !image.withChild).map((image) => image.id)).toEqual([mine]);
    expect(result.images?.skipped).toEqual([expect.objectContaining({ id: inUse, reason: 'in-use-running' })]);
  });

  // The image cleaner runs while the containers are removed; what a session container used goes
  // in a second pass, once that container is gone. Over both transports.
  it.each(TRANSPORTS)('over %s: a free image and one a session container used both go; a bystander keeps its image', async (transport) => {
    const bystanders = buildImage();
    const bystander = createContainer(bystanders);
    const before = buildImage(); // dangling before the session: in the default scope
    const session = await openSession({ watchdog: false, sweepDeadSessions: false, docker: { transport } }, { env });
    const used = buildImage({ labels: { 'docker-janitor.session': session.id } });
    const free = buildImage({ labels: { 'docker-janitor.session': session.id } });
    const label = ['--label', `docker-janitor.session=${session.id}`];
    const ours = [runContainer(used, label), createContainer(used, label), runContainer(before, label)];

    const result = await session.teardown();

    for (const id of [used, free, before]) expect(imageExists(id), id).toBe(false);
    for (const id of ours) expect(exists('container', id)).toBe(false);
    expect(imageExists(bystanders)).toBe(true);
    expect(containerState(bystander)).toBe('created');
    const removed = result.images?.removed.filter((image) => !image.withChild).map((image) => image.id) ?? [];
    expect([...removed].sort()).toEqual([used, free, before].sort());
    expect(result.images?.skipped).toEqual([expect.objectContaining({ id: bystanders, reason: 'in-use-stopped' })]);
    expect(result.images?.failed).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.images?.warnings).toEqual([]);
    expect(result.hasProblems).toBe(false);
  });

  it("images: 'session' removes only the session's own dangling images: not those from before it, nor another process's made during it", async () => {
    const before = buildImage();
    const session = await openSession({ images: 'session', watchdog: false }, { env });
    const theirs = buildImage();
    const own = buildImage({ labels: { 'docker-janitor.session': session.id } });
    await session.teardown();
    expect(imageExists(before)).toBe(true);
    expect(imageExists(theirs)).toBe(true);
    expect(imageExists(own)).toBe(false);
  });

  it("images: 'off' leaves images alone", async () => {
    const dangling = buildImage();
    const session = await openSession({ images: 'off', watchdog: false }, { env });
    const result = await session.teardown();
    expect(result.images).toBeUndefined();
    expect(imageExists(dangling)).toBe(true);
  });

  it('keepOnFailure stops and keeps the containers of a failed run; an explicit sweep removes them', async () => {
    const session = await openSession({ keepOnFailure: true, watchdog: false }, { env });
    const container = runContainer(BASE_IMAGE, ['--label', `docker-janitor.session=${session.id}`]);

    const result = await session.teardown({ failed: true });

    expect(result.containers.kept.map((ref) => ref.id)).toEqual([container]);
    expect(containerState(container)).toBe('exited');
    // The next run's automatic sweep leaves kept sessions alone…
    expect(await sweepDeadSessions(stateDir, { env })).toEqual({ sessions: [], warnings: [] });
    expect(containerState(container)).toBe('exited');
    // …and `docker-janitor sweep --session ID` removes them.
    const swept = await sweepSession(engineFromOptions({ env }).engine, session.id, session.dir);
    expect(swept.report?.containers.removed.map((ref) => ref.id)).toEqual([container]);
    expect(exists('container', container)).toBe(false);
    expect(existsSync(session.dir)).toBe(false);
  });

  it('keepOnFailure removes everything when the run passed', async () => {
    const session = await openSession({ keepOnFailure: true, watchdog: false }, { env });
    const container = runContainer(BASE_IMAGE, ['--label', `docker-janitor.session=${session.id}`]);
    await session.teardown({ failed: false });
    expect(exists('container', container)).toBe(false);
  });

  it('an unreachable engine gives warnings, never an exception', async () => {
    const session = await openSession({ watchdog: false, docker: { host: 'unix:///nonexistent/docker.sock' } }, { env });
    const result = await session.teardown();
    expect(result.hasProblems).toBe(true);
    expect(result.warnings.join('\n')).toMatch(/not reachable at unix:\/\/\/nonexistent\/docker.sock/);
    expect(result.dockerUnavailable).toMatch(/not reachable at unix:\/\/\/nonexistent\/docker.sock/);
    // Nothing is forgotten: the record stays for the watchdog, the next run or `sweep`.
    expect(result.incomplete).toBe(true);
    expect(existsSync(session.dir)).toBe(true);
  });

  it('dryRun removes nothing, containers included, and reports what it would remove', async () => {
    const session = await openSession({ dryRun: true, watchdog: false, sweepDeadSessions: false }, { env });
    const container = runContainer(BASE_IMAGE, ['--label', `docker-janitor.session=${session.id}`]);
    const dangling = buildImage();
    const result = await session.teardown();
    expect(result.dryRun).toBe(true);
    expect(result.containers.removed.map((ref) => ref.id)).toEqual([container]);
    expect(containerState(container)).toBe('running');
    expect(imageExists(dangling)).toBe(true);
    // Kept for `docker-janitor sweep --session`, like keepOnFailure.
    expect(existsSync(session.dir)).toBe(true);
    await sweepSession(engineFromOptions({ env }).engine, session.id, session.dir);
  });

  it('a container rm that hangs: teardown keeps the record and says how to finish; sweep finds it after the run', async () => {
    const wrapper = join(stateDir, 'docker-rm-hangs');
    writeFileSync(wrapper, '#!/bin/sh\nif [ "$1 $2" = "container rm" ]; then sleep 30; fi\nexec docker "$@"\n');
    chmodSync(wrapper, 0o755);
    const options = { watchdog: false, sweepDeadSessions: false, images: 'off', docker: { path: wrapper, timeoutMs: 2_000 } };
    const child = spawn(process.execPath, [CHILD, 'teardown', JSON.stringify(options)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    const [, sessionId, container] = /READY (\S+) (\S+)/.exec(out) ?? [];
    const teardown = JSON.parse(/TEARDOWN (.*)/.exec(out)?.[1] ?? '{}') as { incomplete?: boolean };
    expect(teardown.incomplete).toBe(true);
    expect(exists('container', container!)).toBe(true);
    expect(readdirSync(join(stateDir, 'sessions'))).toContain(sessionId);

    const swept = await sweepDeadSessions(stateDir, { env });
    expect(swept.sessions.map((session) => session.sessionId)).toEqual([sessionId]);
    expect(exists('container', container!)).toBe(false);
    expect(readdirSync(join(stateDir, 'sessions'))).not.toContain(sessionId);
  });
});

interface Child {
  ready: Promise<{ sessionId: string; container: string }>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  pid: number;
}

function startChild(mode: string, options: object = {}, extraEnv: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, [CHILD, mode, JSON.stringify(options)], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<{ sessionId: string; container: string }>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+) (\S+)/.exec(out);
      if (match?.[1] && match[2]) resolve({ sessionId: match[1], container: match[2] });
    });
    child.on('close', () => reject(new Error(`child ended before READY: ${out}`)));
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { ready, exit, pid: child.pid ?? 0 };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

async function waitGone(id: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (!exists('container', id)) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return -1;
}

describe('when teardown never runs', () => {
  it('the watchdog removes the session after the owner is SIGKILLed', async () => {
    const bystander = runContainer(BASE_IMAGE);
    const child = startChild('sigkill');
    const { container } = await child.ready;
    expect((await child.exit).signal).toBe('SIGKILL');
    expect(await waitGone(container, 30_000)).toBeGreaterThanOrEqual(0);
    expect(containerState(bystander)).toBe('running');
  });

  it('adopt.all: a container created straight on the engine just before a SIGKILL of the runner is adopted by the watchdog (its create event replayed up to the death), and a bystander from before the session stays', async () => {
    const bystander = createContainer(BASE_IMAGE);
    // The child kills itself as soon as its `docker create` returns: the watchdog's events
    // stream may not have delivered the event yet (attack/132 left such a container for good).
    const child = startChild('sigkill', { adopt: { all: true }, socket: false, images: 'off' }, { DJ_CHILD_PLAIN: '1' });
    const { container } = await child.ready;
    expect((await child.exit).signal).toBe('SIGKILL');
    expect(await waitGone(container, 30_000)).toBeGreaterThanOrEqual(0);
    expect(exists('container', bystander)).toBe(true);
  });

  it('without a watchdog, the next session sweeps the dead one, in the background', async () => {
    const child = startChild('sigkill', { watchdog: false, sweepDeadSessions: false });
    const { container, sessionId } = await child.ready;
    await child.exit;
    expect(exists('container', container)).toBe(true);
    expect(readdirSync(join(stateDir, 'sessions'))).toContain(sessionId);

    // The next run (the built package: its watchdog script is in dist/) opens at once; a
    // sweep-only watchdog cleans the dead session meanwhile.
    const next = startChild('hang', { watchdog: false });
    const { sessionId: nextId } = await next.ready;

    expect(await waitGone(container, 45_000)).toBeGreaterThanOrEqual(0);
    await waitFor(() => !readdirSync(join(stateDir, 'sessions')).includes(sessionId), 15_000);
    expect(readdirSync(join(stateDir, 'sessions'))).toEqual([nextId]);
    process.kill(next.pid, 'SIGTERM');
    await next.exit;
  });

  // Ending by the signal is what makes a shell report 128+n (130, 143, 129).
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('on %s the handlers clean synchronously and the process still ends by the signal', async (signal) => {
    const child = startChild(`signal:${signal}`, { watchdog: false });
    const { container } = await child.ready;
    const exit = await child.exit;
    expect(exit.signal).toBe(signal);
    expect(exists('container', container)).toBe(false);
  });

  it('a signal from outside is handled the same way', async () => {
    const child = startChild('hang', { watchdog: false });
    const { container } = await child.ready;
    process.kill(child.pid, 'SIGTERM');
    expect((await child.exit).signal).toBe('SIGTERM');
    expect(exists('container', container)).toBe(false);
  });
});

describe('a double Ctrl+C', () => {
  it('two SIGINTs to the process group ~100 ms apart never abort the cleanup halfway: the process ends by SIGINT, the cleanup finishes', async () => {
    const child = spawn(process.execPath, [CHILD, 'hang', JSON.stringify({ watchdog: false, sweepDeadSessions: false })], {
      env: { ...env, DJ_CHILD_CONTAINERS: '8' },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true, // a process group of its own, as a terminal's foreground job
    });
    let out = '';
    const ready = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /READY (\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('close', () => reject(new Error(`child ended before READY: ${out}`)));
    });
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    const sessionId = await ready;
    const label = `label=docker-janitor.session=${sessionId}`;
    expect(dockerSync(['ps', '-aq', '--filter', label]).split('\n').filter(Boolean)).toHaveLength(8);

    process.kill(-child.pid!, 'SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // the group already ended
    }

    expect(await exit).toBe('SIGINT');
    // The second SIGINT may end the wait before the cleanup is over (it goes on, detached): no
    // watchdog here, so what is gone was removed by the signal cleaner.
    expect(await waitFor(() => dockerSync(['ps', '-aq', '--filter', label]) === '', 30_000)).toBe(true);
  });
});

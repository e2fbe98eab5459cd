/**
 * Teardown over the fake engine: what `hasProblems` (failOnCleanupError) counts, and the image
 * cleaner running while the session's containers are removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CleanResult, SkippedImage, SkipReason } from '../../../src/cleaner/result.js';
import { DockerApiError, DockerUnreachableError } from '../../../src/docker/errors.js';
import { janitorOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import type { SessionRecord } from '../../../src/session/store.js';
import { teardownSession, usedBy } from '../../../src/session/teardown.js';
import { FakeEngine } from '../../support/fake-engine.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function context(input: object = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dj-teardown-'));
  dirs.push(dir);
  const record: SessionRecord = {
    id: 's1',
    pid: process.pid,
    pidStart: undefined,
    hostname: 'h',
    startedAt: Date.now(),
    docker: { timeoutMs: 1000, transport: 'auto' },
    stopTimeout: 0,
    adopt: { labels: [], all: false },
  };
  return { record, dir, options: parseOptions(janitorOptionsSchema, { images: 'all', ...input }) };
}

it('an image warning (a foreign reference untagged in the daemon) is a problem', async () => {
  const engine = new FakeEngine();
  const id = engine.addImage();
  engine.hooks.insideRemoval = (target, e) => {
    if (target === id) e.image(id).refs.push('user/late:1');
  };
  const result = await teardownSession(engine, context());
  expect(result.warnings).toEqual([]);
  expect(result.images?.warnings).toEqual([expect.stringContaining('also untagged user/late:1')]);
  expect(result.hasProblems).toBe(true);
});

it('a clean teardown has no problems', async () => {
  const engine = new FakeEngine();
  engine.addImage();
  const result = await teardownSession(engine, context());
  expect(result.images?.removed).toHaveLength(1);
  expect(result.hasProblems).toBe(false);
});

describe('images while the session containers are removed', () => {
  const LABEL = { 'docker-janitor.session': 's1' };
  /**
   * The calls, the image listing of the session's objects (images labelled with the session:
   * objects.ts inheritedLabel) named apart from the cleaner's listings.
   */
  const methods = (engine: FakeEngine) =>
    engine.calls.map((call) => (call.method === 'listImages' && (call.args[0] as { labels?: unknown } | undefined)?.labels ? 'listLabelledImages' : call.method));

  it('removes the images no container uses before the container removal has answered', async () => {
    const engine = new FakeEngine();
    const free = engine.addImage();
    const base = engine.addImage({ tags: ['base:1'] });
    const ours = engine.addContainer(base, 'running', LABEL);
    let removedDuringContainers = false;
    engine.hooks.beforeCall = async (call, e) => {
      if (call.method !== 'removeContainers') return;
      // The container removal answers only once the free image is gone (or after a while).
      for (let tick = 0; tick < 200 && e.has(free); tick++) await new Promise((resolve) => setTimeout(resolve, 1));
      removedDuringContainers = !e.has(free);
    };
    const result = await teardownSession(engine, context());
    expect(removedDuringContainers).toBe(true);
    expect(result.containers.removed.map((ref) => ref.id)).toEqual([ours]);
    expect(result.images?.removed.map((item) => item.id)).toEqual([free]);
    expect(result.hasProblems).toBe(false);
  });

  it('an image a session container used goes in a second pass, once that container is gone; reported once, as removed', async () => {
    const engine = new FakeEngine();
    const used = engine.addImage();
    const free = engine.addImage();
    const ours = engine.addContainer(used, 'exited', LABEL);
    const result = await teardownSession(engine, context());
    expect(engine.has(used) || engine.has(free) || engine.containers.has(ours)).toBe(false);
    expect(result.images?.removed.map((item) => item.id).sort()).toEqual([used, free].sort());
    expect(result.images?.skipped).toEqual([]);
    expect(result.images?.bytesReclaimed).toBe(2000);
    expect(result.hasProblems).toBe(false);
    // The second pass: after the container removal, and only for that image.
    const calls = methods(engine);
    expect(calls.filter((method) => method === 'listImages')).toHaveLength(2);
    expect(calls.lastIndexOf('listImages')).toBeGreaterThan(calls.indexOf('removeContainers'));
  });

  it('an image another process’s container uses stays skipped, and needs no second pass', async () => {
    const engine = new FakeEngine();
    const used = engine.addImage();
    const base = engine.addImage({ tags: ['base:1'] });
    engine.addContainer(base, 'running', LABEL);
    const foreign = engine.addContainer(used, 'running');
    const result = await teardownSession(engine, context());
    expect(engine.has(used)).toBe(true);
    expect(result.images?.skipped).toEqual([expect.objectContaining({ id: used, reason: 'in-use-running', containers: [expect.objectContaining({ id: foreign })] })]);
    expect(methods(engine).filter((method) => method === 'listImages')).toHaveLength(1);
  });

  it('an image used by a session container and another one: skipped after the second pass too', async () => {
    const engine = new FakeEngine();
    const used = engine.addImage();
    engine.addContainer(used, 'running', LABEL);
    engine.addContainer(used, 'exited');
    const result = await teardownSession(engine, context());
    expect(engine.has(used)).toBe(true);
    expect(result.images?.skipped).toEqual([expect.objectContaining({ id: used, reason: 'in-use-stopped' })]);
    expect(result.images?.removed).toEqual([]);
  });

  it('keepOnFailure and dry run: the kept containers keep their images in use, no second pass', async () => {
    for (const [input, failed] of [[{ keepOnFailure: true }, true], [{ dryRun: true }, false]] as const) {
      const engine = new FakeEngine();
      const used = engine.addImage();
      engine.addContainer(used, 'running', LABEL);
      const result = await teardownSession(engine, { ...context(input), failed });
      expect(engine.has(used)).toBe(true);
      expect(result.images?.skipped).toEqual([expect.objectContaining({ id: used, reason: 'in-use-running' })]);
      expect(methods(engine).filter((method) => method === 'listImages')).toHaveLength(1);
    }
  });

  it('an engine that went away: said once, by the containers’ warning', async () => {
    const engine = new FakeEngine();
    engine.addImage();
    engine.down = new DockerUnreachableError('fake://engine', 'ECONNREFUSED: connection refused');
    const result = await teardownSession(engine, context());
    expect(result.images).toBeUndefined();
    expect(result.warnings).toEqual([expect.stringMatching(/^Could not clean the session's containers: /)]);
    expect(result.dockerUnavailable).toBeDefined();
  });

  it('a second pass that fails keeps the first pass’s result and says why', async () => {
    const engine = new FakeEngine();
    const used = engine.addImage();
    const free = engine.addImage();
    engine.addContainer(used, 'exited', LABEL);
    let listings = 0;
    engine.hooks.beforeCall = (call, e) => {
      if (call.method === 'listImages' && !(call.args[0] as { labels?: unknown } | undefined)?.labels && ++listings === 2) e.down = new DockerApiError('GET /images/json', 500, 'boom');
    };
    const result = await teardownSession(engine, context());
    expect(result.images?.removed.map((item) => item.id)).toEqual([free]);
    expect(result.images?.skipped).toEqual([expect.objectContaining({ id: used, reason: 'in-use-stopped' })]);
    expect(result.warnings).toEqual([expect.stringMatching(/^Could not clean images: /)]);
    expect(result.hasProblems).toBe(true);
  });
});

describe('usedBy', () => {
  const skip = (id: string, containers: string[], reason: SkipReason = 'in-use-running'): SkippedImage => ({ id, reason, containers: containers.map((c) => ({ id: c })), size: 1 });
  const result = (skipped: SkippedImage[]): CleanResult => ({ dryRun: false, removed: [], skipped, failed: [], filtered: 0, bytesReclaimed: 0, prune: { ran: false, reclaimed: 0 }, warnings: [], durationMs: 0 });
  const full = 'a'.repeat(64);

  it('the in-use images one of the containers used, by full ID or the 12-hex prefix the daemon names', () => {
    const images = result([skip('i1', [full]), skip('i2', [full.slice(0, 12)]), skip('i3', ['b'.repeat(64)]), skip('i4', [full], 'tagged'), skip('i5', [''])]);
    expect([...usedBy(images, [full])].sort()).toEqual(['i1', 'i2']);
    expect([...usedBy(images, [])]).toEqual([]);
  });
});

describe("another terminal's commit of one of the run's containers (attack/108)", () => {
  const LABEL = { 'docker-janitor.session': 's1' };

  it('with the session socket: its image and a container run from it stay; one line says so; the session is complete', async () => {
    const engine = new FakeEngine();
    const base = engine.addImage({ tags: ['base:1'] });
    const ours = engine.addContainer(base, 'running', LABEL);
    // dockerd copies the container's labels into the commit, and the commit's into its containers.
    const commit = engine.addImage({ labels: LABEL });
    const spare = engine.addImage({ labels: LABEL });
    const theirs = engine.addContainer(commit, 'running', LABEL);
    const result = await teardownSession(engine, { ...context({ images: 'before-and-own' }), socket: true });
    expect(result.containers.removed.map((ref) => ref.id)).toEqual([ours]);
    expect(engine.containers.has(theirs) && engine.has(commit) && engine.has(spare)).toBe(true);
    expect(result.warnings).toEqual([expect.stringMatching(/^Left container /)]);
    expect(result.incomplete).toBe(false);
  });

  it("without the socket (tests that label by hand), a labelled image and a labelled container from it are the run's, as before", async () => {
    const engine = new FakeEngine();
    const labelled = engine.addImage({ labels: LABEL });
    const built = engine.addImage({ labels: LABEL });
    const fromBuilt = engine.addContainer(built, 'running', LABEL);
    const result = await teardownSession(engine, context({ images: 'before-and-own' }));
    expect(result.containers.removed.map((ref) => ref.id)).toEqual([fromBuilt]);
    expect(result.images?.removed.map((item) => item.id).sort()).toEqual([labelled, built].sort());
    expect(result.warnings).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { childrenFirst, cleanupCandidates, inScope, matchesFilters, planImageCleanup, PRUNE_NOT_USED, type PlanOptions } from '../../../src/cleaner/plan.js';
import { mapImageSummary } from '../../../src/docker/api/map.js';
import { parseContainerLines, parseIdLines, parseImageInspect } from '../../../src/docker/parse.js';
import type { ContainerInfo, ImageInfo } from '../../../src/docker/types.js';
import { idOf, recorded } from '../fixtures/corpus.js';

const DEFAULTS: PlanOptions = { labels: [], excludeLabels: [], removeDigested: false };
const NOW = Date.parse('2026-01-01T12:00:00Z');
const HOUR = 3_600_000;

let counter = 0;
function image(overrides: Partial<ImageInfo> = {}): ImageInfo {
  counter += 1;
  return {
    id: `sha256:${counter.toString(16).padStart(64, '0')}`,
    repoTags: [],
    repoDigests: [],
    parent: undefined,
    created: NOW - 2 * HOUR,
    size: 1000,
    labels: {},
    ...overrides,
  };
}

function container(imageId: string, state: string, name = `c-${state}`): ContainerInfo {
  counter += 1;
  return { id: counter.toString(16).padStart(64, 'c'), name, imageId, state };
}

const ids = (images: readonly { id: string }[]) => images.map((item) => item.id);

/** The recorded engine as the cleaner sees it: its dangling images, inspected, and every container. */
function recordedEngine() {
  const engine = recorded('engine-images');
  const dangling = new Set(parseIdLines(recorded('image-ls-dangling').stdout));
  const all = parseImageInspect(engine.stdout);
  const images = all.filter((item) => dangling.has(item.id));
  const containersRec = recorded('engine-containers');
  const containers = parseContainerLines(containersRec.stdout);
  const newest = Math.max(...all.map((item) => item.created));
  const id = (name: string) => idOf(engine, name);
  const containerId = (name: string) => idOf(containersRec, name);
  return { all, images, containers, newest, id, containerId };
}

describe('planImageCleanup over the recorded engine', () => {
  const engine = recordedEngine();
  const plan = planImageCleanup({ images: engine.images, containers: engine.containers, options: DEFAULTS, now: engine.newest + 60_000 });
  const skipOf = (name: string) => plan.skip.find((item) => item.id === engine.id(name));

  it('the dangling listing holds the cases the plan decides on', () => {
    expect(ids(engine.images).sort()).toEqual(
      ['dangling', 'labelled', 'child', 'c3', 'c4', 'removable', 'removable2', 'usedRunning', 'usedStopped', 'usedCreated', 'pausedImage', 'digested']
        .map(engine.id)
        .sort(),
    );
  });

  it('removes exactly the unused dangling images', () => {
    expect(ids(plan.remove).sort()).toEqual(['dangling', 'labelled', 'child', 'c3', 'c4', 'removable', 'removable2'].map(engine.id).sort());
    expect(plan.filtered).toEqual([]);
  });

  it('skips the image of a running container, naming it with its state', () => {
    expect(skipOf('usedRunning')).toEqual({
      id: engine.id('usedRunning'),
      reason: 'in-use-running',
      containers: [{ id: engine.containerId('running'), name: 'dj-rec-running', state: 'running' }],
      size: engine.images.find((item) => item.id === engine.id('usedRunning'))?.size,
    });
  });

  it('a paused container counts as running', () => {
    expect(skipOf('pausedImage')).toMatchObject({
      reason: 'in-use-running',
      containers: [{ id: engine.containerId('paused'), name: 'dj-rec-paused', state: 'paused' }],
    });
  });

  it('skips the images of an exited and of a created-never-started container as in-use-stopped', () => {
    expect(skipOf('usedStopped')).toMatchObject({
      reason: 'in-use-stopped',
      containers: [{ id: engine.containerId('exited'), name: 'dj-rec-exited', state: 'exited' }],
    });
    expect(skipOf('usedCreated')).toMatchObject({
      reason: 'in-use-stopped',
      containers: [{ id: engine.containerId('created'), name: 'dj-rec-created', state: 'created' }],
    });
  });

  it('keeps the digest-only image by default, and never plans the prune (Engine 20.10 prune would remove it)', () => {
    expect(skipOf('digested')).toEqual({ id: engine.id('digested'), reason: 'digested', containers: [], size: expect.any(Number) });
    expect(plan.prune).toEqual({ run: false, skippedBecause: PRUNE_NOT_USED });
    // What the recorded plain prune did with it:
    expect(recorded('image-prune-dangling').stdout).toContain(`deleted: ${engine.id('digested')}`);
  });

  it('with removeDigested, removes the digest-only image too (still without the prune)', () => {
    const withDigested = planImageCleanup({
      images: engine.images,
      containers: engine.containers,
      options: { ...DEFAULTS, removeDigested: true },
      now: engine.newest + 60_000,
    });
    expect(ids(withDigested.remove)).toContain(engine.id('digested'));
    expect(withDigested.skip.map((item) => item.reason).sort()).toEqual(['in-use-running', 'in-use-running', 'in-use-stopped', 'in-use-stopped']);
    expect(withDigested.prune).toEqual({ run: false, skippedBecause: PRUNE_NOT_USED });
  });

  it('olderThan 1h on images younger than 1h removes nothing, as the recorded `until=3600s` prune did', () => {
    const young = planImageCleanup({
      images: engine.images,
      containers: engine.containers,
      options: { ...DEFAULTS, olderThan: 3600 },
      now: engine.newest + 60_000,
    });
    expect(young.remove).toEqual([]);
    expect(young.skip).toEqual([]);
    expect(ids(young.filtered).sort()).toEqual(ids(engine.images).sort());
    expect(young.prune).toEqual({ run: false, skippedBecause: 'nothing to remove' });
    expect(recorded('image-prune-until-none-old').stdout.trim()).toBe('Total reclaimed space: 0B');
  });

  it('olderThan 1h two hours later: the same decisions as without the filter', () => {
    const later = planImageCleanup({
      images: engine.images,
      containers: engine.containers,
      options: { ...DEFAULTS, olderThan: 3600 },
      now: engine.newest + 2 * HOUR,
    });
    expect(ids(later.remove).sort()).toEqual(ids(plan.remove).sort());
    expect(later.filtered).toEqual([]);
  });

  it('label=dj.test=yes picks the images built with that label, as the recorded label prune did', () => {
    const labelled = planImageCleanup({
      images: engine.images,
      containers: engine.containers,
      options: { ...DEFAULTS, labels: ['dj.test=yes'] },
      now: engine.newest + 60_000,
    });
    expect(ids(labelled.remove).sort()).toEqual([engine.id('labelled'), engine.id('removable2')].sort());
    expect(labelled.filtered).toHaveLength(engine.images.length - 2);
    expect(labelled.prune.run).toBe(false);
    expect(recorded('image-prune-label').stdout).toContain(`deleted: ${engine.id('labelled')}`);
  });

  it('orders every image of the recorded engine before its parent (chains of intermediates included)', () => {
    const untagged = engine.all.filter((item) => item.repoTags.length === 0);
    const ordered = childrenFirst([...untagged].reverse());
    const position = new Map(ordered.map((item, index) => [item.id, index]));
    let pairs = 0;
    for (const item of ordered) {
      if (item.parent === undefined || !position.has(item.parent)) continue;
      pairs += 1;
      expect(position.get(item.id)).toBeLessThan(position.get(item.parent) ?? -1);
    }
    expect(pairs).toBeGreaterThanOrEqual(5);
    const labelled = engine.all.find((item) => item.id === engine.id('labelled'));
    expect(labelled?.parent).toBeDefined();
    expect(position.get(engine.id('labelled'))).toBeLessThan(position.get(labelled?.parent ?? '') ?? -1);
  });
});

describe('planImageCleanup: what is kept', () => {
  it('skips an image that got a tag, and one with several tags, as tagged', () => {
    const one = image({ repoTags: ['app:v1'] });
    const several = image({ repoTags: ['app:a', 'app:b'] });
    const plan = planImageCleanup({ images: [one, several], containers: [], options: DEFAULTS, now: NOW });
    expect(plan.skip).toEqual([
      { id: one.id, reason: 'tagged', containers: [], size: 1000 },
      { id: several.id, reason: 'tagged', containers: [], size: 1000 },
    ]);
    expect(plan.remove).toEqual([]);
  });

  it('an image both in use and tagged is reported as in use, with its container', () => {
    const used = image({ repoTags: ['app:v1'] });
    const plan = planImageCleanup({ images: [used], containers: [container(used.id, 'exited')], options: DEFAULTS, now: NOW });
    expect(plan.skip[0]?.reason).toBe('in-use-stopped');
    expect(plan.skip[0]?.containers).toHaveLength(1);
  });

  it('lists every container using an image; one running makes it in-use-running', () => {
    const used = image();
    const exited = container(used.id, 'exited', 'first');
    const running = container(used.id, 'running', 'second');
    const created = container(used.id, 'created', 'third');
    const plan = planImageCleanup({ images: [used], containers: [exited, running, created], options: DEFAULTS, now: NOW });
    expect(plan.skip).toEqual([
      {
        id: used.id,
        reason: 'in-use-running',
        containers: [
          { id: exited.id, name: 'first', state: 'exited' },
          { id: running.id, name: 'second', state: 'running' },
          { id: created.id, name: 'third', state: 'created' },
        ],
        size: 1000,
      },
    ]);
  });

  it.each([
    ['running', 'in-use-running'],
    ['paused', 'in-use-running'],
    ['restarting', 'in-use-running'],
    ['exited', 'in-use-stopped'],
    ['created', 'in-use-stopped'],
    ['dead', 'in-use-stopped'],
    ['removing', 'in-use-stopped'],
  ])('a %s container: %s', (state, reason) => {
    const used = image();
    const plan = planImageCleanup({ images: [used], containers: [container(used.id, state)], options: DEFAULTS, now: NOW });
    expect(plan.skip.map((item) => item.reason)).toEqual([reason]);
  });

  it('keeps a digest-only image unless removeDigested; an in-use digest-only image is in use', () => {
    const digested = image({ repoDigests: ['kindest/node@sha256:' + 'f'.repeat(64)] });
    const usedDigested = image({ repoDigests: ['kindest/node@sha256:' + 'e'.repeat(64)] });
    const input = { images: [digested, usedDigested], containers: [container(usedDigested.id, 'running')], now: NOW };
    const kept = planImageCleanup({ ...input, options: DEFAULTS });
    expect(kept.skip.map((item) => [item.id, item.reason])).toEqual([
      [digested.id, 'digested'],
      [usedDigested.id, 'in-use-running'],
    ]);
    const removed = planImageCleanup({ ...input, options: { ...DEFAULTS, removeDigested: true } });
    expect(ids(removed.remove)).toEqual([digested.id]);
    expect(removed.skip.map((item) => item.reason)).toEqual(['in-use-running']);
  });

  it('an image with both a tag and a digest is tagged, not digest-only', () => {
    const both = image({ repoTags: ['app:v1'], repoDigests: ['app@sha256:' + 'a'.repeat(64)] });
    const plan = planImageCleanup({ images: [both], containers: [], options: { ...DEFAULTS, removeDigested: true }, now: NOW });
    expect(plan.skip.map((item) => item.reason)).toEqual(['tagged']);
  });

  it('a container on another image does not keep this one', () => {
    const free = image();
    const plan = planImageCleanup({ images: [free], containers: [container(image().id, 'running')], options: DEFAULTS, now: NOW });
    expect(ids(plan.remove)).toEqual([free.id]);
  });
});

describe('planImageCleanup: the prune is never planned', () => {
  it('says "nothing to remove" with nothing to remove, and why not otherwise', () => {
    expect(planImageCleanup({ images: [], containers: [], options: DEFAULTS, now: NOW }).prune).toEqual({ run: false, skippedBecause: 'nothing to remove' });
    const plan = planImageCleanup({ images: [image(), image()], containers: [], options: { ...DEFAULTS, removeDigested: true }, now: NOW });
    expect(plan.prune).toEqual({ run: false, skippedBecause: PRUNE_NOT_USED });
  });
});

describe('planImageCleanup: age filter = Docker `until` (created MORE than olderThan ago)', () => {
  const old = image({ created: NOW - 2 * HOUR });
  const young = image({ created: NOW - HOUR / 2 });
  const justOlder = image({ created: NOW - HOUR - 1 });
  const justYounger = image({ created: NOW - HOUR + 1 });

  it('olderThan 1h removes the 2h-old and keeps the 30min-old image out of the plan', () => {
    const plan = planImageCleanup({ images: [old, young, justOlder, justYounger], containers: [], options: { ...DEFAULTS, olderThan: 3600 }, now: NOW });
    expect(ids(plan.remove).sort()).toEqual([old.id, justOlder.id].sort());
    expect(ids(plan.filtered).sort()).toEqual([young.id, justYounger.id].sort());
    expect(plan.skip).toEqual([]);
  });

  it('an in-use image outside the age filter is filtered, not reported', () => {
    const plan = planImageCleanup({
      images: [young],
      containers: [container(young.id, 'running')],
      options: { ...DEFAULTS, olderThan: 3600 },
      now: NOW,
    });
    expect(plan.skip).toEqual([]);
    expect(ids(plan.filtered)).toEqual([young.id]);
  });

  it('olderThan 0 takes every image created before now; undefined takes any age', () => {
    const future = image({ created: NOW + 1000 });
    expect(ids(planImageCleanup({ images: [old, future], containers: [], options: { ...DEFAULTS, olderThan: 0 }, now: NOW }).remove)).toEqual([old.id]);
    expect(planImageCleanup({ images: [old, future], containers: [], options: DEFAULTS, now: NOW }).remove).toHaveLength(2);
  });
});

describe('planImageCleanup: label filters = Docker `label=` / `label!=`', () => {
  const labelled = image({ labels: { 'dj.test': 'yes', team: 'ci', flag: '', url: 'a=b' } });
  const other = image({ labels: { team: 'cd' } });
  const bare = image();
  const pick = (options: Partial<PlanOptions>) =>
    ids(planImageCleanup({ images: [labelled, other, bare], containers: [], options: { ...DEFAULTS, ...options }, now: NOW }).remove);

  it.each([
    [['dj.test=yes'], ['labelled']],
    [['dj.test=Yes'], []],
    [['team'], ['labelled', 'other']],
    [['flag'], ['labelled']],
    [['flag='], ['labelled']],
    [['flag=x'], []],
    [['url=a=b'], ['labelled']],
    [['dj.test=yes', 'team=ci'], ['labelled']],
    [['dj.test=yes', 'team=cd'], []],
    [['missing'], []],
  ])('labels %j: %j', (labels, expected) => {
    const names = { labelled: labelled.id, other: other.id, bare: bare.id } as Record<string, string>;
    expect(pick({ labels })).toEqual(expected.map((name) => names[name]));
  });

  it.each([
    [['team'], ['bare']],
    [['team=cd'], ['labelled', 'bare']],
    [['flag'], ['other', 'bare']],
    [['dj.test=no'], ['labelled', 'other', 'bare']],
    [['team=ci', 'team=cd'], ['bare']],
  ])('excludeLabels %j: %j', (excludeLabels, expected) => {
    const names = { labelled: labelled.id, other: other.id, bare: bare.id } as Record<string, string>;
    expect(pick({ excludeLabels })).toEqual(expected.map((name) => names[name]));
  });

  it('exclusion wins over inclusion', () => {
    expect(pick({ labels: ['team'], excludeLabels: ['dj.test'] })).toEqual([other.id]);
  });

  it('a label key is not matched by prototype properties', () => {
    expect(pick({ labels: ['constructor'] })).toEqual([]);
    expect(pick({ excludeLabels: ['toString'] })).toHaveLength(3);
  });
});

describe('planImageCleanup: scope', () => {
  it('leaves images outside the scope alone, even in-use ones, without reporting them', () => {
    const mine = image();
    const mineUsed = image();
    const theirs = image();
    const theirsUsed = image();
    const plan = planImageCleanup({
      images: [mine, mineUsed, theirs, theirsUsed],
      containers: [container(mineUsed.id, 'running'), container(theirsUsed.id, 'running')],
      options: DEFAULTS,
      now: NOW,
      scope: { kind: 'ids', ids: new Set([mine.id, mineUsed.id]) },
    });
    expect(ids(plan.remove)).toEqual([mine.id]);
    expect(ids(plan.skip)).toEqual([mineUsed.id]);
    expect(ids(plan.filtered)).toEqual([theirs.id, theirsUsed.id]);
  });

  const label = ['docker-janitor.session', 's1'] as const;
  const old = image();
  const fresh = image();
  const own = image({ labels: { 'docker-janitor.session': 's1' } });
  const otherRun = image({ labels: { 'docker-janitor.session': 's2' } });
  const leftover = image({ repoTags: ['docker-janitor-remove:abc-0'] });
  const before = new Set([old.id]);

  it('before-and-own (the default): images from before the session and its own; not what others made during the run', () => {
    const scope = { kind: 'session', mode: 'before-and-own', before, label } as const;
    expect([old, fresh, own, otherRun, leftover].map((item) => inScope(item, scope))).toEqual([true, false, true, false, true]);
    expect(inScope(old, { ...scope, before: undefined })).toBe(false);
  });

  it('before-and-own: never another session\'s image that existed at setup (that run may still use it)', () => {
    const otherRunBefore = image({ labels: { 'docker-janitor.session': 's0' } });
    const scope = { kind: 'session', mode: 'before-and-own', before: new Set([old.id, otherRunBefore.id]), label } as const;
    expect([old, otherRunBefore].map((item) => inScope(item, scope))).toEqual([true, false]);
  });

  it("own (images: 'session'): only its own images; neither those from before it nor what others made during the run", () => {
    const scope = { kind: 'session', mode: 'own', before, label } as const;
    expect([old, fresh, own, otherRun, leftover].map((item) => inScope(item, scope))).toEqual([false, false, true, false, true]);
    expect([old, fresh, own].map((item) => inScope(item, { ...scope, before: undefined }))).toEqual([false, false, true]);
  });

  it("with the session socket (labelOwns false), the session label alone makes no image the run's: another terminal's commit of one of its containers (attack/108)", () => {
    const scope = { kind: 'session', mode: 'before-and-own', before, label, labelOwns: false } as const;
    // `own` carries the label as a commit of a session container made straight to the engine does.
    expect([old, fresh, own, otherRun, leftover].map((item) => inScope(item, scope))).toEqual([true, false, false, false, true]);
    // Nobody's: an image from before the session with it is still the before set's.
    expect(inScope(own, { ...scope, before: new Set([own.id]) })).toBe(true);
    // images: 'session' (own): only the run's own, so not it either.
    expect(inScope(own, { ...scope, mode: 'own' })).toBe(false);
  });

  describe('images made through a session socket (build label, recorded IDs)', () => {
    const built = (session: string, extra: Record<string, string> = {}) =>
      image({ labels: { 'docker-janitor.session': '', 'docker-janitor.build-session': session, ...extra } });

    it("before-and-own: the images it recorded; never one with its label it did not record (made FROM one of its images, outside the socket), nor another session's", () => {
      const own = built('s1');
      const derived = built('s1', { mine: 'yes' });
      const otherSession = built('s2');
      const build = { session: 'docker-janitor.build-session', made: new Set([own.id, otherSession.id]) };
      const scope = { kind: 'session', mode: 'before-and-own', before: new Set([derived.id, otherSession.id]), label, build } as const;
      expect([own, derived, otherSession].map((item) => inScope(item, scope))).toEqual([true, false, false]);
      // The empty session label the socket sets on images names no owner: an old image with it is the before set's.
      const emptyOnly = image({ labels: { 'docker-janitor.session': '' } });
      expect(inScope(emptyOnly, { ...scope, before: new Set([emptyOnly.id]) })).toBe(true);
      expect(inScope(emptyOnly, { ...scope, before: new Set() })).toBe(false);
    });

    describe('untagged parents Docker would delete with an image (keepParents: noprune)', () => {
      const build = (made: readonly ImageInfo[]) => ({ session: 'docker-janitor.build-session', made: new Set(made.map((item) => item.id)) });
      const base = image({ repoTags: ['base:1'] });
      const plan = (remove: ImageInfo, every: readonly ImageInfo[], made: readonly ImageInfo[], containers: readonly ContainerInfo[] = []) =>
        planImageCleanup({ images: [remove], every, containers, options: DEFAULTS, now: NOW, scope: { kind: 'session', mode: 'before-and-own', before: new Set([base.id]), label, build: build(made) } });

      it("a build's cached step on another process's untagged image made during the run: the session's image goes alone", () => {
        const theirs = image({ parent: base.id });
        const labelStep = image({ parent: theirs.id, labels: { 'docker-janitor.build-session': 's1' } });
        const made = image({ parent: labelStep.id, labels: { 'docker-janitor.session': '', 'docker-janitor.build-session': 's1' } });
        const result = plan(made, [base, theirs, labelStep, made], [made, labelStep]);
        expect(ids(result.remove)).toEqual([made.id]);
        expect([...result.keepParents]).toEqual([made.id]);
      });

      it('the intermediate images its own build made (recorded), up to a tagged base: pruned with it as before', () => {
        const run = image({ parent: base.id });
        const labelStep = image({ parent: run.id, labels: { 'docker-janitor.build-session': 's1' } });
        const made = image({ parent: labelStep.id, labels: { 'docker-janitor.session': '', 'docker-janitor.build-session': 's1' } });
        expect([...plan(made, [base, run, labelStep, made], [made, labelStep, run]).keepParents]).toEqual([]);
        // Not recorded (the socket could not list the images): kept, never guessed.
        expect([...plan(made, [base, run, labelStep, made], [made]).keepParents]).toEqual([made.id]);
      });

      it('a parent from before the session, or one Docker would not delete (tagged, used, another child), needs no noprune', () => {
        const old = image({ parent: base.id });
        const oldChain = image({ parent: old.id, labels: { 'docker-janitor.session': '', 'docker-janitor.build-session': 's1' } });
        const result = planImageCleanup({
          images: [oldChain],
          every: [base, old, oldChain],
          containers: [],
          options: DEFAULTS,
          now: NOW,
          scope: { kind: 'session', mode: 'before-and-own', before: new Set([base.id, old.id]), label, build: build([oldChain]) },
        });
        expect([...result.keepParents]).toEqual([]);
        const theirs = image({ parent: base.id });
        const made = image({ parent: theirs.id, labels: { 'docker-janitor.session': '', 'docker-janitor.build-session': 's1' } });
        const sibling = image({ parent: theirs.id });
        expect([...plan(made, [base, theirs, made, sibling], [made]).keepParents]).toEqual([]);
        expect([...plan(made, [base, theirs, made], [made], [container(theirs.id, 'exited')]).keepParents]).toEqual([]);
        expect([...plan(made, [base, { ...theirs, repoTags: ['theirs:1'] }, made], [made]).keepParents]).toEqual([]);
        // Another child that is going too does not keep the parent: Docker deletes it with the last one.
        const second = image({ parent: theirs.id, labels: { 'docker-janitor.session': '', 'docker-janitor.build-session': 's1' } });
        const both = planImageCleanup({ images: [made, second], every: [base, theirs, made, second], containers: [], options: DEFAULTS, now: NOW, scope: { kind: 'session', mode: 'before-and-own', before: new Set([base.id]), label, build: build([made, second]) } });
        expect([...both.keepParents].sort()).toEqual([made.id, second.id].sort());
      });

      it("outside a session scope (clean, images: 'all') nothing is kept", () => {
        const theirs = image({ parent: base.id });
        const made = image({ parent: theirs.id });
        expect([...planImageCleanup({ images: [made], every: [base, theirs, made], containers: [], options: DEFAULTS, now: NOW }).keepParents]).toEqual([]);
      });
    });

    it('own: the images it recorded; never one with its build label it did not record, nor another session\'s', () => {
      const recorded = built('s1');
      const derived = built('s1');
      const theirs = built('s2');
      const scope = { kind: 'session', mode: 'own', before: new Set<string>(), label, build: { session: 'docker-janitor.build-session', made: new Set([recorded.id, theirs.id]) } } as const;
      expect([recorded, derived, theirs].map((item) => inScope(item, scope))).toEqual([true, false, false]);
    });
  });

  it('an image whose only tags are temporary references is a candidate (a leftover), whatever the scope', () => {
    const plan = planImageCleanup({ images: [leftover], containers: [], options: DEFAULTS, now: NOW, scope: { kind: 'ids', ids: new Set() } });
    expect(ids(plan.remove)).toEqual([leftover.id]);
    const tagged = image({ repoTags: ['docker-janitor-remove:abc-1', 'user/app:1'] });
    expect(planImageCleanup({ images: [tagged], containers: [], options: DEFAULTS, now: NOW }).skip).toEqual([
      expect.objectContaining({ id: tagged.id, reason: 'tagged' }),
    ]);
  });
});

describe('childrenFirst', () => {
  it('orders a parent chain child first, whatever the input order', () => {
    const a = image();
    const b = image({ parent: a.id });
    const c = image({ parent: b.id });
    expect(ids(childrenFirst([a, b, c]))).toEqual([c.id, b.id, a.id]);
    expect(ids(childrenFirst([b, a, c]))).toEqual([c.id, b.id, a.id]);
    expect(ids(childrenFirst([c, b, a]))).toEqual([c.id, b.id, a.id]);
  });

  it('the plan removes a dangling parent after its dangling child', () => {
    const parent = image();
    const child = image({ parent: parent.id });
    expect(ids(planImageCleanup({ images: [parent, child], containers: [], options: DEFAULTS, now: NOW }).remove)).toEqual([child.id, parent.id]);
  });

  it('keeps the input order of unrelated images, and each child before its parent across branches', () => {
    const root = image();
    const left = image({ parent: root.id });
    const right = image({ parent: root.id });
    const leaf = image({ parent: left.id });
    const loose = image({ parent: image().id }); // parent not in the list
    const ordered = ids(childrenFirst([root, loose, left, right, leaf]));
    expect(ordered.indexOf(leaf.id)).toBeLessThan(ordered.indexOf(left.id));
    expect(ordered.indexOf(left.id)).toBeLessThan(ordered.indexOf(root.id));
    expect(ordered.indexOf(right.id)).toBeLessThan(ordered.indexOf(root.id));
    expect(ordered).toHaveLength(5);
    const x = image();
    const y = image();
    const z = image();
    expect(ids(childrenFirst([x, y, z]))).toEqual([x.id, y.id, z.id]);
  });

  it('terminates on a parent cycle (corrupt data) and returns every image', () => {
    const first = image();
    const second = image({ parent: first.id });
    const looped = { ...first, parent: second.id };
    expect(ids(childrenFirst([looped, second])).sort()).toEqual([looped.id, second.id].sort());
  });
});

describe('matchesFilters', () => {
  it('matches everything without filters', () => {
    expect(matchesFilters(image({ created: NOW + HOUR }), DEFAULTS, NOW)).toBe(true);
  });
});

describe('cleanupCandidates: the dangling images from one listing of every image', () => {
  const sorted = (list: readonly string[]) => [...new Set(list)].sort();

  it('is exactly what the daemon lists with dangling=true (docker image inspect of every image, 20.10)', () => {
    const all = parseImageInspect(recorded('engine-images').stdout);
    const daemon = parseIdLines(recorded('image-ls-dangling').stdout);
    expect(sorted(ids(cleanupCandidates(all)))).toEqual(sorted(daemon));
  });

  it('is exactly what the daemon lists with dangling=true (GET /images/json?all=1, 20.10)', () => {
    const answer = (name: string) =>
      (JSON.parse((JSON.parse(readFileSync(new URL(`../fixtures/recorded/api-${name}.json`, import.meta.url), 'utf8')) as { body: string }).body) as unknown[]).flatMap(
        (raw) => mapImageSummary(raw) ?? [],
      );
    const daemon = answer('images-dangling');
    expect(daemon.length).toBeGreaterThan(0);
    expect(sorted(ids(cleanupCandidates(answer('images-all'))))).toEqual(sorted(ids(daemon)));
  });

  it('an untagged image with a child is an intermediate, not a candidate; a digest-only one is', () => {
    const base = image({ repoTags: ['base:1'] });
    const intermediate = image({ parent: base.id });
    const child = image({ parent: intermediate.id });
    const digested = image({ repoDigests: ['repo@sha256:' + 'd'.repeat(64)] });
    const tagged = image({ repoTags: ['app:1'] });
    expect(ids(cleanupCandidates([base, intermediate, child, digested, tagged]))).toEqual([child.id, digested.id]);
  });

  it('takes the leftovers of an earlier clean (only temporary tags), even with a child', () => {
    const leftover = image({ repoTags: ['docker-janitor-remove:abc-0'] });
    const child = image({ parent: leftover.id });
    const mixed = image({ repoTags: ['docker-janitor-remove:abc-1', 'user/keep:1'] });
    expect(ids(cleanupCandidates([leftover, child, mixed]))).toEqual([leftover.id, child.id]);
  });

  it('an ID listed twice (one entry per name) counts once, with the tags of all its entries', () => {
    const untaggedEntry = image();
    const taggedEntry = { ...untaggedEntry, repoTags: ['user/keep:1'] };
    expect(cleanupCandidates([untaggedEntry, taggedEntry])).toEqual([]);
    expect(cleanupCandidates([taggedEntry, untaggedEntry])).toEqual([]);
    const twice = image();
    expect(ids(cleanupCandidates([twice, { ...twice }]))).toEqual([twice.id]);
  });
});

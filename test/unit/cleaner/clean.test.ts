/**
 * The cleaner's orchestration over the in-memory engine (Docker 20.10's removal rules): what is
 * removed, through which reference, and what happens when another process tags, pulls by digest
 * or starts a container between two of the cleaner's calls.
 */
import { describe, expect, it } from 'vitest';
import { cleanImages, type CleanContext } from '../../../src/cleaner/clean.js';
import type { CleanResult } from '../../../src/cleaner/result.js';
import { TEMPORARY_REPO } from '../../../src/cleaner/temporary.js';
import type { FullImageId, ImageRef, ImageRemoval } from '../../../src/docker/engine.js';
import { DockerApiError, DockerUnreachableError } from '../../../src/docker/errors.js';
import { imageCleanOptionsSchema, parseOptions, type ImageCleanOptionsInput } from '../../../src/options/schema.js';
import { FakeEngine, type EngineCall } from '../../support/fake-engine.js';

function clean(engine: FakeEngine, input: ImageCleanOptionsInput = {}, context: CleanContext = {}): Promise<CleanResult> {
  return cleanImages(engine, parseOptions(imageCleanOptionsSchema, input), { runId: 'run1', ...context });
}

/** Every removal the cleaner asked for: references only, ours only. */
function removals(engine: FakeEngine): ImageRef[] {
  return engine.calls.filter((call) => call.method === 'removeImages').flatMap((call) => call.args[0] as ImageRef[]);
}

function expectOnlyTemporaryReferences(engine: FakeEngine): void {
  for (const ref of removals(engine)) {
    expect(ref).not.toHaveProperty('id');
    expect('reference' in ref && ref.reference.startsWith(`${TEMPORARY_REPO}:`)).toBe(true);
  }
  expect(engine.calls.some((call) => call.method === 'pruneDanglingImages')).toBe(false);
}

/** Run `action` once, just before the first call of `method`. */
function before(engine: FakeEngine, method: string, action: (engine: FakeEngine) => void): void {
  let done = false;
  engine.hooks.beforeCall = (call: EngineCall) => {
    if (!done && call.method === method) {
      done = true;
      action(engine);
    }
  };
}

const ids = (items: readonly { id: string }[]) => items.map((item) => item.id).sort();

describe('cleanImages over the fake engine', () => {
  it('removes unused dangling images through temporary references, never by ID and never by prune', async () => {
    const engine = new FakeEngine();
    const a = engine.addImage();
    const b = engine.addImage();
    const result = await clean(engine);
    expect(ids(result.removed)).toEqual([a, b].sort());
    expect(engine.has(a) || engine.has(b)).toBe(false);
    expect(removals(engine)).toEqual([{ reference: `${TEMPORARY_REPO}:run1-0` }, { reference: `${TEMPORARY_REPO}:run1-1` }]);
    expectOnlyTemporaryReferences(engine);
    expect(result.prune).toEqual({ ran: false, reclaimed: 0, skippedBecause: expect.stringContaining('not used') });
    expect(result.warnings).toEqual([]);
    expect(result.bytesReclaimed).toBe(2000);
  });

  it('leaves tagged, digest-only and used images, and changes nothing in a dry run', async () => {
    const engine = new FakeEngine();
    const tagged = engine.addImage({ tags: ['app:1'] });
    const digested = engine.addImage({ digests: ['localhost:5000/x@sha256:' + 'a'.repeat(64)] });
    const used = engine.addImage();
    engine.addContainer(used, 'exited');
    const free = engine.addImage();
    const dry = await clean(engine, { dryRun: true });
    expect(ids(dry.removed)).toEqual([free]);
    expect(engine.calls.map((call) => call.method)).not.toContain('tagImage');
    const result = await clean(engine);
    expect(ids(result.removed)).toEqual([free]);
    expect(result.skipped.map((item) => [item.id, item.reason]).sort()).toEqual(
      [
        [digested, 'digested'],
        [used, 'in-use-stopped'],
      ].sort(),
    );
    for (const id of [tagged, digested, used]) expect(engine.has(id)).toBe(true);
    expect(engine.tagsOf(tagged)).toEqual(['app:1']);
  });

  it('with removeDigested, removes a digest-only image: its temporary reference, then by ID once it is still exactly what was listed', async () => {
    const engine = new FakeEngine();
    const digest = 'localhost:5000/x@sha256:' + 'a'.repeat(64);
    const digested = engine.addImage({ digests: [digest] });
    const result = await clean(engine, { removeDigested: true });
    expect(ids(result.removed)).toEqual([digested]);
    expect(engine.has(digested)).toBe(false);
    expect(removals(engine)).toEqual([{ reference: `${TEMPORARY_REPO}:run1-0` }, { id: digested }]);
  });

  it('with removeDigested, a tag of another repository added just before the by-ID step is a 409: kept, reported changed', async () => {
    const engine = new FakeEngine();
    const digested = engine.addImage({ digests: ['localhost:5000/x@sha256:' + 'a'.repeat(64)] });
    let calls = 0;
    engine.hooks.beforeCall = (call, e) => {
      if (call.method === 'removeImages' && ++calls === 2) e.tag('user/keep:1', digested);
    };
    const result = await clean(engine, { removeDigested: true });
    expect(engine.tagsOf(digested)).toEqual(['user/keep:1']);
    expect(result.skipped).toEqual([expect.objectContaining({ id: digested, reason: 'changed', message: expect.stringContaining('multiple repositories') })]);
  });

  it('with removeDigested, a tag added meanwhile still keeps the digest-only image', async () => {
    const engine = new FakeEngine();
    const digested = engine.addImage({ digests: ['localhost:5000/x@sha256:' + 'a'.repeat(64)] });
    before(engine, 'removeImages', (e) => e.tag('user/keep:1', digested));
    const result = await clean(engine, { removeDigested: true });
    expect(engine.tagsOf(digested)).toEqual(['user/keep:1']);
    expect(result.skipped).toEqual([expect.objectContaining({ id: digested, reason: 'changed' })]);
  });

  it.each(['tagImage', 'removeImages'])('a tag added before %s survives, and the image is reported changed, not removed', async (method) => {
    const engine = new FakeEngine();
    const id = engine.addImage();
    before(engine, method, (e) => e.tag('user/keep:1', id));
    const result = await clean(engine);
    expect(engine.has(id)).toBe(true);
    expect(engine.tagsOf(id)).toEqual(['user/keep:1']);
    expect(result.removed).toEqual([]);
    expect(result.skipped).toEqual([expect.objectContaining({ id, reason: 'changed', message: expect.stringContaining('tagged user/keep:1') })]);
    expect(result.warnings).toEqual([]);
  });

  it('a pull by digest that lands before the removal keeps the image (no removeDigested)', async () => {
    const engine = new FakeEngine();
    const id = engine.addImage();
    let digest = '';
    before(engine, 'removeImages', (e) => {
      digest = e.pullByDigest(id);
    });
    const result = await clean(engine);
    expect(engine.has(id)).toBe(true);
    expect(engine.image(id).refs).toEqual([digest]);
    expect(result.skipped).toEqual([expect.objectContaining({ id, reason: 'changed', message: expect.stringContaining(digest) })]);
  });

  it.each(['running', 'exited', 'created'] as const)(
    'a %s container that appeared before the removal keeps the image; the temporary reference stays and a later clean removes it',
    async (state) => {
      const engine = new FakeEngine();
      const id = engine.addImage();
      let container = '';
      before(engine, 'removeImages', (e) => {
        container = e.addContainer(id, state);
      });
      const first = await clean(engine);
      expect(engine.has(id)).toBe(true);
      expect(engine.tagsOf(id)).toEqual([`${TEMPORARY_REPO}:run1-0`]);
      expect(first.removed).toEqual([]);
      expect(first.skipped).toEqual([
        expect.objectContaining({ id, reason: 'in-use', temporaryReference: `${TEMPORARY_REPO}:run1-0`, containers: [{ id: container.slice(0, 12) }] }),
      ]);
      expect(first.warnings).toEqual([expect.stringContaining('stays until the container is gone')]);

      // While the container is there, a later clean plans it as in use and does not touch it.
      const second = await clean(engine, {}, { runId: 'run2' });
      expect(second.skipped).toEqual([expect.objectContaining({ id, reason: state === 'running' ? 'in-use-running' : 'in-use-stopped' })]);
      expect(engine.has(id)).toBe(true);

      engine.containers.delete(container);
      const third = await clean(engine, {}, { runId: 'run3', scope: { kind: 'ids', ids: new Set() } });
      expect(ids(third.removed)).toEqual([id]);
      expect(removals(engine).at(-1)).toEqual({ reference: `${TEMPORARY_REPO}:run1-0` });
      expect(engine.has(id)).toBe(false);
      expectOnlyTemporaryReferences(engine);
    },
  );

  it('an image removed by someone else before the tag is reported gone', async () => {
    const engine = new FakeEngine();
    const id = engine.addImage();
    before(engine, 'tagImage', (e) => e.images.delete(id));
    const result = await clean(engine);
    expect(result.skipped).toEqual([expect.objectContaining({ id, reason: 'gone' })]);
    expect(result.removed).toEqual([]);
  });

  it('removes a dangling chain child first; the untagged intermediate parent goes with its child', async () => {
    const engine = new FakeEngine();
    const base = engine.addImage({ tags: ['base:1'] });
    const intermediate = engine.addImage({ parent: base });
    const child = engine.addImage({ parent: intermediate });
    const result = await clean(engine);
    expect(engine.has(child) || engine.has(intermediate)).toBe(false);
    expect(engine.tagsOf(base)).toEqual(['base:1']);
    expect(result.removed).toEqual([
      { id: child, size: 1000, step: 'remove' },
      { id: intermediate, size: 0, step: 'remove', withChild: true },
    ]);
  });

  it('a parent and a child both dangling: both removed, each reported once', async () => {
    const engine = new FakeEngine();
    const parent = engine.addImage();
    const child = engine.addImage({ parent });
    engine.untag('none'); // nothing
    // The parent is hidden from the dangling listing while it has a child; after a user untags
    // the child's sibling tag both are candidates. Here: the parent is a leftover with our tag.
    engine.tag(`${TEMPORARY_REPO}:old-0`, parent);
    const result = await clean(engine);
    expect(ids(result.removed)).toEqual([child, parent].sort());
    expect(engine.images.size).toBe(0);
  });

  it('a reference added inside the daemon between its check and its delete is reported loudly, never as a plain removal', async () => {
    const engine = new FakeEngine();
    const id = engine.addImage();
    engine.hooks.insideRemoval = (target, e) => {
      if (target === id) e.image(id).refs.push('user/late:1');
    };
    const result = await clean(engine);
    expect(result.warnings).toEqual([expect.stringContaining('also untagged user/late:1')]);
  });

  it('a container created inside the daemon window (after its check, before its delete) is reported loudly', async () => {
    const engine = new FakeEngine();
    const id = engine.addImage();
    let container = '';
    engine.hooks.insideRemoval = (target, e) => {
      if (target === id && !container) container = e.addContainer(id, 'running');
    };
    const result = await clean(engine);
    expect(engine.has(id)).toBe(false);
    expect(result.warnings).toEqual([expect.stringContaining(`Container ${container.slice(0, 12)}`)]);
  });

  it('the engine going away mid-clean and staying away: nothing is claimed, the images are unknown, nothing throws', async () => {
    const engine = new FakeEngine();
    const a = engine.addImage();
    const b = engine.addImage();
    before(engine, 'removeImages', (e) => {
      e.images.delete(a as FullImageId); // the engine removed one before it died
      e.down = new DockerUnreachableError('fake://engine', 'connection refused');
    });
    const result = await clean(engine, {}, { rereadDelaysMs: [0, 0] });
    expect(result.removed).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(ids(result.unknown ?? [])).toEqual([a, b].sort());
    expect(result.unknown?.[0]?.message).toMatch(/^not known whether it was removed: .*connection refused/);
    // One listing for the plan, then it tried to re-read the engine, once per attempt.
    expect(engine.calls.filter((call) => call.method === 'listImages').length).toBe(1 + 2);
  });

  it('the engine going away mid-clean and coming back: the re-read makes removed/failed the truth', async () => {
    const engine = new FakeEngine();
    const a = engine.addImage({ size: 100 });
    const b = engine.addImage({ size: 200 });
    before(engine, 'removeImages', (e) => {
      e.images.delete(a as FullImageId);
      e.down = new DockerUnreachableError('fake://engine', 'connection refused');
    });
    let rereads = 0;
    const hook = engine.hooks.beforeCall;
    engine.hooks.beforeCall = async (call, e) => {
      await hook?.(call, e);
      // The first re-read finds it still away, the second finds it back.
      if (call.method === 'listImages' && e.down && ++rereads === 2) e.down = undefined;
    };
    const result = await clean(engine, {}, { rereadDelaysMs: [0, 0, 0] });
    expect(result.removed).toEqual([{ id: a, size: 100, step: 'remove' }]);
    expect(ids(result.failed)).toEqual([b]);
    expect(result.unknown).toBeUndefined();
    expect(result.bytesReclaimed).toBe(100);
    expect(engine.has(b)).toBe(true);
  });

  it('a failed removal on a live engine stays failed (the re-read finds the image)', async () => {
    const engine = new FakeEngine();
    const a = engine.addImage();
    const removeImages = engine.removeImages.bind(engine);
    engine.removeImages = async (refs) => new Map([...(await removeImages([])), ...refs.map((ref): [ImageRef, ImageRemoval] => [ref, { kind: 'failed', message: 'HTTP 500: boom' }])]);
    const result = await clean(engine, {}, { rereadDelaysMs: [0] });
    expect(result.failed).toEqual([{ id: a, message: 'HTTP 500: boom' }]);
    expect(result.removed).toEqual([]);
    expect(result.unknown).toBeUndefined();
  });

  it('an unexpected error (a bug, not Docker) is not swallowed', async () => {
    const engine = new FakeEngine();
    engine.addImage();
    before(engine, 'tagImage', (e) => {
      e.down = new TypeError('bug');
    });
    await expect(clean(engine)).rejects.toThrow('bug');
  });
});

describe('cleanImages: scope', () => {
  const label = ['docker-janitor.session', 's1'] as const;

  it('before-and-own: images from before the session and the session-labelled ones; never another process image made during the run', async () => {
    const engine = new FakeEngine();
    const old = engine.addImage();
    const retagged = engine.addImage({ tags: ['app:1'] });
    const before = new Set(engine.images.keys());
    engine.untag('app:1'); // rebuilt during the run: the old image became dangling
    const own = engine.addImage({ labels: { [label[0]]: label[1] } });
    const foreign = engine.addImage();
    const otherSession = engine.addImage({ labels: { [label[0]]: 's2' } });
    const result = await clean(engine, {}, { scope: { kind: 'session', mode: 'before-and-own', before, label } });
    expect(ids(result.removed)).toEqual([old, retagged, own].sort());
    expect(engine.has(foreign) && engine.has(otherSession)).toBe(true);
    expect(result.filtered).toBe(2);
  });

  it('before-and-own without a record of setup: only the session-labelled images', async () => {
    const engine = new FakeEngine();
    const old = engine.addImage();
    const own = engine.addImage({ labels: { [label[0]]: label[1] } });
    const result = await clean(engine, {}, { scope: { kind: 'session', mode: 'before-and-own', before: undefined, label } });
    expect(ids(result.removed)).toEqual([own]);
    expect(engine.has(old)).toBe(true);
  });

  it("own (images: 'session'): only the session's own images, not those from before it nor another process's made during the run", async () => {
    const engine = new FakeEngine();
    const old = engine.addImage();
    const before = new Set(engine.images.keys());
    const fresh = engine.addImage();
    const own = engine.addImage({ labels: { [label[0]]: label[1] } });
    const result = await clean(engine, {}, { scope: { kind: 'session', mode: 'own', before, label } });
    expect(ids(result.removed)).toEqual([own]);
    expect(engine.has(old) && engine.has(fresh)).toBe(true);
  });

  it("before-and-own: a socket build's image on another process's untagged image (a cached step) goes without it (noprune); its own build's steps go with it", async () => {
    const engine = new FakeEngine();
    const base = engine.addImage({ tags: ['base:1'] });
    const before = new Set(engine.images.keys());
    const built = { [label[0]]: '', 'docker-janitor.build-session': label[1] };
    // Another terminal's `docker build .` during the run: untagged, and the cache of the same steps.
    const theirs = engine.addImage({ parent: base });
    const cachedLabelStep = engine.addImage({ parent: theirs, labels: { 'docker-janitor.build-session': label[1] } });
    const cachedMade = engine.addImage({ parent: cachedLabelStep, labels: built });
    // A fresh build through the socket: its RUN step and label steps, all recorded.
    const run = engine.addImage({ parent: base });
    const labelStep = engine.addImage({ parent: run, labels: { 'docker-janitor.build-session': label[1] } });
    const made = engine.addImage({ parent: labelStep, labels: built });
    const build = { session: 'docker-janitor.build-session', made: new Set([cachedLabelStep, cachedMade, run, labelStep, made]) };
    const result = await clean(engine, {}, { scope: { kind: 'session', mode: 'before-and-own', before, label, build } });
    expect(engine.has(theirs)).toBe(true);
    expect(ids(result.removed)).toEqual([cachedMade, made, labelStep, run].sort());
    // The cached build's label step stays, dangling: less cleaned, nothing of theirs lost.
    expect(engine.has(cachedLabelStep)).toBe(true);
    expect(removals(engine)).toEqual(expect.arrayContaining([expect.objectContaining({ keepParents: true })]));
  });

  it('an image another client removes as it is tagged (the daemon answers 500): skipped gone, the rest still removed', async () => {
    const engine = new FakeEngine();
    const a = engine.addImage();
    const b = engine.addImage();
    const tag = engine.tagImage.bind(engine);
    engine.tagImage = async (id, repo, name) => {
      if (id !== a) return tag(id, repo, name);
      engine.images.delete(a);
      throw new DockerApiError(`POST /images/${id}/tag`, 500, `unrecognized image ID ${id}`);
    };
    const result = await clean(engine);
    expect(result.failed).toEqual([]);
    expect(result.skipped).toEqual([expect.objectContaining({ id: a, reason: 'gone' })]);
    expect(ids(result.removed)).toEqual([b]);
  });
});

describe('cleanImages: tags', () => {
  it('go several at a time; after the engine went away no further tag is sent', async () => {
    const engine = new FakeEngine();
    const images = Array.from({ length: 10 }, () => engine.addImage());
    let inFlight = 0;
    let most = 0;
    const tag = engine.tagImage.bind(engine);
    engine.tagImage = async (id, repo, name) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      if (id === images[3]) throw new DockerUnreachableError('fake://engine', 'ECONNREFUSED: connection refused');
      return tag(id, repo, name);
    };
    const result = await clean(engine, {}, { tagConcurrency: 3 });
    expect(most).toBe(3);
    const tags = engine.calls.filter((call) => call.method === 'tagImage').length;
    // The fourth failed: the two others in flight then finished, nothing new started.
    expect(tags).toBeLessThanOrEqual(5);
    expect(engine.calls.some((call) => call.method === 'removeImages')).toBe(false);
    expect(ids(result.failed)).toEqual([...images].sort());
  });
});

describe('cleanImages: no answer in time, and a refusal racing another client', () => {
  it('a removal with no answer in time: that image is unknown, the not-sent ones failed, no re-read, no further call', async () => {
    const engine = new FakeEngine();
    const a = engine.addImage();
    const b = engine.addImage();
    const real = engine.removeImages.bind(engine);
    engine.removeImages = async (refs) => {
      const answers = await real(refs.slice(0, 0));
      const [first, second] = refs;
      if (first) answers.set(first, { kind: 'failed', message: 'no answer in time: it may still happen (x)', noAnswer: true });
      if (second) answers.set(second, { kind: 'failed', message: 'not sent: Docker gave no answer to an earlier request in time', notSent: true });
      return answers;
    };
    const callsBefore = () => engine.calls.length;
    const result = await clean(engine, {}, { rereadDelaysMs: [0, 0] });
    expect(result.removed).toEqual([]);
    expect(result.unknown?.length).toBe(1);
    expect(result.unknown?.[0]?.message).toMatch(/^no answer in time: it may still happen/);
    expect(result.failed.length).toBe(1);
    expect(result.failed[0]?.message).toMatch(/^not sent/);
    expect(ids([...(result.unknown ?? []), ...result.failed])).toEqual([a, b].sort());
    // No re-read after the removals: the listing calls are the two of the plan only.
    expect(engine.calls.filter((call) => call.method === 'listImages').length).toBe(1);
    expect(engine.calls.filter((call) => call.method === 'listContainers').length).toBe(1);
    expect(callsBefore()).toBe(engine.calls.length);
  });

  it("Docker's 500 at the removal (another client's rmi won the race) and the image gone: a skipped `gone`, not failed, not ours", async () => {
    const engine = new FakeEngine();
    const a = engine.addImage({ size: 100 });
    const b = engine.addImage({ size: 200 });
    const real = engine.removeImages.bind(engine);
    engine.removeImages = async (refs) => {
      const answers = await real(refs.slice(1));
      const [first] = refs;
      if (first) {
        // Another client removed the image between our tag and our removal.
        for (const id of [a, b] as FullImageId[]) if (engine.images.get(id)?.refs.some((tag) => 'reference' in first && tag === first.reference)) engine.images.delete(id);
        answers.set(first, { kind: 'failed', message: 'Error response from daemon: unrecognized image ID sha256:…' });
      }
      return answers;
    };
    const result = await clean(engine, {}, { rereadDelaysMs: [0] });
    expect(result.failed).toEqual([]);
    expect(result.unknown).toBeUndefined();
    expect(result.removed.length).toBe(1);
    expect(result.skipped).toEqual([expect.objectContaining({ reason: 'gone', message: expect.stringMatching(/unrecognized image ID/) })]);
    expect(ids([...result.removed, ...result.skipped])).toEqual([a, b].sort());
  });

  it("Docker's 500 at the removal and the image still there: failed, with Docker's words", async () => {
    const engine = new FakeEngine();
    const a = engine.addImage();
    engine.removeImages = async (refs) => new Map(refs.map((ref): [ImageRef, ImageRemoval] => [ref, { kind: 'failed', message: 'Error response from daemon: failed to get digest' }]));
    const result = await clean(engine, {}, { rereadDelaysMs: [0] });
    expect(result.failed).toEqual([{ id: a, message: 'Error response from daemon: failed to get digest' }]);
    expect(result.skipped).toEqual([]);
  });
});

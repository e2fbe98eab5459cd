/**
 * The safe image cleaner against the suite's private engine, over both transports: the seed's
 * situation and the cases around it, asserted on what the engine shows afterwards. Every request
 * or docker invocation is recorded and checked: no forced image removal, only the cleaner's own
 * temporary references, no prune, no container touched.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanImages, type CleanContext } from '../../../src/cleaner/clean.js';
import type { CleanResult } from '../../../src/cleaner/result.js';
import { imageCleanOptionsSchema, parseOptions, type ImageCleanOptionsInput } from '../../../src/options/schema.js';
import {
  buildImage,
  containerState,
  createContainer,
  danglingIds,
  dockerSync,
  engineContainers,
  imageExists,
  imageId,
  resetEngine,
  runContainer,
  makeDangling,
} from '../../support/docker.js';
import { TRANSPORTS, testEngine, type EngineHook, type TestEngine } from '../../support/engines.js';

let current: TestEngine | undefined;
/** Called before every Engine call of the cleaner; tests set it to stage races. */
let hook: EngineHook;

beforeEach(() => {
  resetEngine();
  hook = () => {};
});

afterEach(() => {
  current?.engine.close();
  expect(current?.unsafe() ?? []).toEqual([]);
  current = undefined;
});

// Leave no running container behind: the engine's shutdown would wait for each one.
afterAll(() => resetEngine());

const sorted = (ids: Iterable<string>) => [...ids].sort();
/** Lines of the log that change images: removals, tags, prunes. */
const changesImages = (line: string) => /^(DELETE \S*\/images\/|POST \S*\/images\/\S*\/tag|POST \S*\/images\/prune|docker image (rm|tag|prune) )/.test(line);

/** An exited container (ran `true`), like the seed's stopped container. */
function exitedContainer(image: string): string {
  const id = dockerSync(['create', image, 'true']);
  dockerSync(['start', '--attach', id]);
  expect(containerState(id)).toBe('exited');
  return id;
}

/** The seed's situation: nine removable `<none>` images, one used by a stopped container, one by a running one. */
function seedSituation() {
  const free = Array.from({ length: 9 }, () => buildImage());
  const stoppedImage = buildImage();
  const runningImage = buildImage();
  const stopped = exitedContainer(stoppedImage);
  const running = runContainer(runningImage);
  expect(sorted(danglingIds())).toEqual(sorted([...free, stoppedImage, runningImage]));
  return { free, stoppedImage, runningImage, stopped, running };
}

describe.each(TRANSPORTS)('over %s', (transport) => {
  function clean(input: ImageCleanOptionsInput = {}, context: CleanContext = {}): Promise<CleanResult> {
    current?.engine.close();
    current = testEngine(transport, { hook: (method, args) => hook(method, args) });
    return cleanImages(current.engine, parseOptions(imageCleanOptionsSchema, input), context);
  }
  const log = () => current?.log ?? [];

  describe('the seed situation', () => {
    it('removes the nine unused <none> images and skips the two in use, naming their containers', async () => {
      const seed = seedSituation();

      const result = await clean();

      expect(result.failed).toEqual([]);
      expect(sorted(result.removed.map((item) => item.id))).toEqual(sorted(seed.free));
      expect(result.skipped).toHaveLength(2);
      expect(result.skipped).toContainEqual(
        expect.objectContaining({
          id: seed.stoppedImage,
          reason: 'in-use-stopped',
          containers: [expect.objectContaining({ id: seed.stopped, state: 'exited' })],
        }),
      );
      expect(result.skipped).toContainEqual(
        expect.objectContaining({
          id: seed.runningImage,
          reason: 'in-use-running',
          containers: [expect.objectContaining({ id: seed.running, state: 'running' })],
        }),
      );
      // What the engine shows afterwards.
      expect(sorted(danglingIds())).toEqual(sorted([seed.stoppedImage, seed.runningImage]));
      for (const id of seed.free) expect(imageExists(id)).toBe(false);
      expect(containerState(seed.stopped)).toBe('exited');
      expect(containerState(seed.running)).toBe('running');
    });

    it('gives the same answer with an explicit scope; only the nine get a temporary reference, and no prune', async () => {
      const seed = seedSituation();

      const result = await clean({}, { scope: { kind: 'ids', ids: new Set(danglingIds()) } });

      expect(result.prune.ran).toBe(false);
      expect(log().some((line) => /images\/prune|image prune/.test(line))).toBe(false);
      // The two in use were never tagged nor sent.
      const tags = log().filter((line) => /\/tag\?|^docker image tag /.test(line));
      expect(tags).toHaveLength(9);
      for (const id of [seed.stoppedImage, seed.runningImage]) expect(tags.join('\n')).not.toContain(id);
      expect(result.failed).toEqual([]);
      expect(sorted(result.removed.map((item) => item.id))).toEqual(sorted(seed.free));
      expect(result.removed.every((item) => item.step === 'remove')).toBe(true);
      expect(sorted(result.skipped.map((item) => `${item.reason} ${item.id} ${item.containers[0]?.id}`))).toEqual(
        sorted([`in-use-stopped ${seed.stoppedImage} ${seed.stopped}`, `in-use-running ${seed.runningImage} ${seed.running}`]),
      );
      expect(sorted(danglingIds())).toEqual(sorted([seed.stoppedImage, seed.runningImage]));
      expect(containerState(seed.stopped)).toBe('exited');
      expect(containerState(seed.running)).toBe('running');
    });
  });

  describe('parents and children', () => {
    it('removes a dangling parent and its dangling child in one run', async () => {
      const parent = buildImage({ tag: 'dj-parent:1' });
      const child = buildImage({ tag: 'dj-child:1', from: parent });
      makeDangling('dj-child:1');
      makeDangling('dj-parent:1');
      // Only the child is listed as dangling; the parent is an untagged intermediate image.
      expect(danglingIds()).toEqual([child]);
      expect(imageExists(parent)).toBe(true);

      const result = await clean();

      expect(result.failed).toEqual([]);
      // The parent is reported too: Docker removed it with its child (its `Deleted:` line).
      expect(result.removed.map((item) => item.id)).toEqual([child, parent]);
      expect(result.removed[1]).toMatchObject({ id: parent, withChild: true });
      expect(imageExists(child)).toBe(false);
      expect(imageExists(parent)).toBe(false);
    });

    it('removes the chain through the sweep too (by the child ID only, Docker takes the parent along)', async () => {
      const parent = buildImage({ tag: 'dj-parent:1' });
      const child = buildImage({ tag: 'dj-child:1', from: parent });
      makeDangling('dj-child:1');
      makeDangling('dj-parent:1');

      const result = await clean({}, { scope: { kind: 'ids', ids: new Set([child]) } });

      expect(result.failed).toEqual([]);
      expect(result.removed.map((item) => item.id)).toEqual([child, parent]);
      expect(result.removed[1]).toMatchObject({ id: parent, step: 'remove', withChild: true });
      expect(imageExists(child)).toBe(false);
      expect(imageExists(parent)).toBe(false);
    });

    it('keeps a dangling parent whose child is in use', async () => {
      const parent = buildImage({ tag: 'dj-parent:1' });
      const child = buildImage({ tag: 'dj-child:1', from: parent });
      makeDangling('dj-child:1');
      makeDangling('dj-parent:1');
      const container = runContainer(child);

      const result = await clean();

      expect(result.removed).toEqual([]);
      expect(result.skipped).toEqual([expect.objectContaining({ id: child, reason: 'in-use-running' })]);
      expect(imageExists(child)).toBe(true);
      expect(imageExists(parent)).toBe(true);
      expect(containerState(container)).toBe('running');
    });
  });

  describe('images that stay', () => {
    it("keeps a created-never-started container's image", async () => {
      const image = buildImage();
      const created = createContainer(image);
      const free = buildImage();

      const result = await clean();

      expect(result.removed.map((item) => item.id)).toEqual([free]);
      expect(result.skipped).toEqual([
        expect.objectContaining({ id: image, reason: 'in-use-stopped', containers: [expect.objectContaining({ id: created, state: 'created' })] }),
      ]);
      expect(imageExists(image)).toBe(true);
      expect(imageExists(free)).toBe(false);
      expect(containerState(created)).toBe('created');
    });

    it('keeps tagged and multi-tagged images (and an untagged parent of a tagged one)', async () => {
      const tagged = buildImage({ tag: 'dj-keep:1' });
      const multi = buildImage({ tag: ['dj-multi:1', 'dj-multi:2', 'dj-other/multi:3'] });
      const hiddenParent = buildImage({ tag: 'dj-hidden:1' });
      const taggedChild = buildImage({ tag: 'dj-tagged-child:1', from: hiddenParent });
      makeDangling('dj-hidden:1');
      const free = buildImage();

      const result = await clean();

      expect(result.failed).toEqual([]);
      expect(result.removed.map((item) => item.id)).toEqual([free]);
      expect(imageId('dj-keep:1')).toBe(tagged);
      for (const tag of ['dj-multi:1', 'dj-multi:2', 'dj-other/multi:3']) expect(imageId(tag)).toBe(multi);
      expect(imageId('dj-tagged-child:1')).toBe(taggedChild);
      expect(imageExists(hiddenParent)).toBe(true);
      expect(imageExists(free)).toBe(false);
    });
  });

  describe('dry run', () => {
    it('removes nothing and reports what it would remove and skip', async () => {
      const free = [buildImage(), buildImage(), buildImage()];
      const used = buildImage();
      const container = runContainer(used);
      const before = sorted(danglingIds());

      const result = await clean({ dryRun: true });

      expect(result.dryRun).toBe(true);
      expect(sorted(result.removed.map((item) => item.id))).toEqual(sorted(free));
      expect(result.skipped).toEqual([expect.objectContaining({ id: used, reason: 'in-use-running' })]);
      expect(result.bytesReclaimed).toBe(0);
      expect(log().filter(changesImages)).toEqual([]);
      expect(sorted(danglingIds())).toEqual(before);
      expect(containerState(container)).toBe('running');
    });
  });

  describe('filters', () => {
    it('label and exclude-label filters remove only the matching images', async () => {
      const teamA = buildImage({ labels: { 'dj.team': 'a' } });
      const teamB = buildImage({ labels: { 'dj.team': 'b' } });
      const plain = buildImage();

      // `docker build --label` on the legacy builder leaves an untagged intermediate parent, which
      // Docker removes with its child: reported apart (withChild), not as a planned removal.
      const planned = (result: CleanResult) => result.removed.filter((item) => !item.withChild).map((item) => item.id);
      const onlyA = await clean({ labels: ['dj.team=a'] });
      expect(planned(onlyA)).toEqual([teamA]);
      expect(onlyA.removed.filter((item) => item.withChild).every((item) => !danglingIds().includes(item.id))).toBe(true);
      expect(onlyA.filtered).toBe(2);
      expect(sorted(danglingIds())).toEqual(sorted([teamB, plain]));

      const notTeam = await clean({ excludeLabels: ['dj.team'] });
      expect(planned(notTeam)).toEqual([plain]);
      expect(danglingIds()).toEqual([teamB]);

      const anyTeam = await clean({ labels: ['dj.team'] });
      expect(planned(anyTeam)).toEqual([teamB]);
      expect(danglingIds()).toEqual([]);
    });

    it('several exclude-label filters keep an image that matches any one of them', async () => {
      const onlyA = buildImage({ labels: { 'dj.a': '1' } });
      const onlyB = buildImage({ labels: { 'dj.b': '1' } });
      const both = buildImage({ labels: { 'dj.a': '1', 'dj.b': '1' } });
      const plain = buildImage();

      const result = await clean({ excludeLabels: ['dj.a', 'dj.b'] });

      expect(result.removed.map((item) => item.id)).toEqual([plain]);
      expect(result.filtered).toBe(3);
      expect(sorted(danglingIds())).toEqual(sorted([onlyA, onlyB, both]));
    });

    it('olderThan removes only images created more than that long before `now`', async () => {
      const older = buildImage();
      await sleep(2_200);
      const newer = buildImage();
      const createdOlder = created(older);
      const createdNewer = created(newer);
      expect(createdNewer - createdOlder).toBeGreaterThan(2_000);

      // Fresh images, a one-hour age filter: nothing is old enough.
      const none = await clean({ olderThan: '1h' });
      expect(none.removed).toEqual([]);
      expect(none.filtered).toBe(2);
      expect(sorted(danglingIds())).toEqual(sorted([older, newer]));

      // `now` half a second after `newer` was made, with a two-second filter: only `older` is old
      // enough (two seconds, because the Engine API's image listing gives whole seconds). Wait
      // until the engine's own clock would call both of them old: the cleaner must judge by the
      // `now` it was given.
      const now = createdNewer + 500;
      await sleepUntil(createdNewer + 2_500);
      const onlyOlder = await clean({ olderThan: 2 }, { now });
      expect(onlyOlder.removed.map((item) => item.id)).toEqual([older]);
      expect(onlyOlder.filtered).toBe(1);
      expect(danglingIds()).toEqual([newer]);

      // Later, `newer` is old enough too.
      const both = await clean({ olderThan: 2 }, { now: createdNewer + 3_000 });
      expect(both.removed.map((item) => item.id)).toEqual([newer]);
      expect(danglingIds()).toEqual([]);
    });
  });

  describe("Docker's conflict answer is the last guard against races", () => {
    it('skips an image a container started using after the plan was made', async () => {
      const victim = buildImage();
      const free = buildImage();
      let racer = '';
      hook = (method) => {
        if (method === 'removeImages' && !racer) racer = createContainer(victim);
      };

      const result = await clean({}, { scope: { kind: 'ids', ids: new Set([victim, free]) } });

      expect(racer).not.toBe('');
      expect(result.failed).toEqual([]);
      expect(result.removed.map((item) => item.id)).toEqual([free]);
      const skip = result.skipped.find((item) => item.id === victim);
      // Removed by its temporary reference: Docker refuses (409) and keeps that reference.
      expect(skip?.reason).toBe('in-use');
      expect(racer.startsWith(skip?.containers[0]?.id ?? 'none')).toBe(true);
      expect(skip?.message).toMatch(/is using its referenced image/);
      expect(skip?.temporaryReference).toMatch(/^docker-janitor-remove:/);
      expect(result.warnings).toEqual([expect.stringContaining(skip?.temporaryReference ?? '?')]);
      expect(imageExists(victim)).toBe(true);
      expect(containerState(racer)).toBe('created');

      // Once the container is gone, the next clean finishes the job through that same reference.
      dockerSync(['rm', racer]);
      hook = () => {};
      const later = await clean({}, { scope: { kind: 'ids', ids: new Set() } });
      expect(later.removed.map((item) => item.id)).toEqual([victim]);
      expect(imageExists(victim)).toBe(false);
    });

    it('keeps an image tagged after the plan was made (the tag survives), reported as changed', async () => {
      const victim = buildImage();
      const free = buildImage();
      hook = (method) => {
        if (method === 'removeImages' && imageId('dj-late:1') === '') dockerSync(['tag', victim, 'dj-late:1']);
      };

      const result = await clean();

      expect(imageId('dj-late:1')).toBe(victim);
      expect(engineImagesTags(victim)).toEqual(['dj-late:1']);
      expect(result.removed.map((item) => item.id)).toEqual([free]);
      expect(result.skipped).toEqual([expect.objectContaining({ id: victim, reason: 'changed', message: expect.stringContaining('tagged dj-late:1') })]);
      expect(result.warnings).toEqual([]);
    });

    it('skips an image that got a child, and one someone else removed, after the plan was made', async () => {
      const parent = buildImage();
      const gone = buildImage();
      const free = buildImage();
      let child = '';
      hook = (method) => {
        if (method === 'removeImages' && !child) {
          child = buildImage({ from: parent });
          dockerSync(['image', 'rm', gone]);
        }
      };

      const result = await clean({}, { scope: { kind: 'ids', ids: new Set([parent, gone, free]) } });

      expect(result.failed).toEqual([]);
      expect(result.removed.map((item) => item.id)).toEqual([free]);
      expect(sorted(result.skipped.map((item) => `${item.id} ${item.reason}`))).toEqual(
        sorted([`${parent} has-children`, `${gone} gone`]),
      );
      expect(imageExists(parent)).toBe(true);
      expect(imageExists(child)).toBe(true);
      expect(imageExists(free)).toBe(false);
    });
  });

  describe('containers are never touched', () => {
    it('leaves every container exactly as it was', async () => {
      seedSituation();
      const before = engineContainers();

      await clean();

      expect(engineContainers()).toEqual(before);
    });
  });
});

function engineImagesTags(id: string): string[] {
  return dockerSync(['image', 'inspect', '--format', '{{join .RepoTags " "}}', id]).split(' ').filter(Boolean);
}

function created(id: string): number {
  return Date.parse(dockerSync(['image', 'inspect', '--format', '{{.Created}}', id]));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sleepUntil(time: number): Promise<void> {
  const rest = time - Date.now();
  if (rest > 0) await sleep(rest);
}

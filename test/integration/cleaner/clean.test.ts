/**
 * The safe image cleaner against the suite's private engine: the seed's situation and the cases
 * around it, asserted on what the engine shows afterwards. Every docker invocation is recorded
 * and checked: no forced image removal, only full sha256: IDs, no container touched.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanImages, type CleanContext } from '../../../src/cleaner/clean.js';
import type { CleanResult } from '../../../src/cleaner/result.js';
import type { DockerClient } from '../../../src/docker/client.js';
import { imageCleanOptionsSchema, parseOptions, type ImageCleanOptionsInput } from '../../../src/options/schema.js';
import {
  buildImage,
  containerState,
  createContainer,
  danglingIds,
  dockerSync,
  engineContainers,
  hookedClient,
  imageExists,
  imageId,
  resetEngine,
  runContainer,
  unsafeImageRemovals,
  makeDangling,
} from '../../support/docker.js';

let docker: DockerClient;
let commands: string[][];
/** Called before every docker invocation of the cleaner; tests set it to stage races. */
let hook: (args: readonly string[]) => void;

beforeEach(() => {
  resetEngine();
  hook = () => {};
  ({ docker, commands } = hookedClient((args) => hook(args)));
});

afterEach(() => {
  expect(unsafeImageRemovals(commands)).toEqual([]);
});

// Leave no running container behind: the engine's shutdown would wait for each one.
afterAll(() => resetEngine());

function clean(input: ImageCleanOptionsInput = {}, context: CleanContext = {}): Promise<CleanResult> {
  return cleanImages(docker, parseOptions(imageCleanOptionsSchema, input), context);
}

const sorted = (ids: Iterable<string>) => [...ids].sort();
const isImageRemoval = (args: readonly string[]) => args[0] === 'rmi' || (args[0] === 'image' && args[1] === 'rm');
const isPrune = (args: readonly string[]) => args[0] === 'image' && args[1] === 'prune';

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

  it('gives the same answer through the batched sweep alone (prune not allowed by a scope)', async () => {
    const seed = seedSituation();

    const result = await clean({}, { scope: new Set(danglingIds()) });

    expect(result.prune.ran).toBe(false);
    expect(commands.some(isPrune)).toBe(false);
    // One batched call for the nine (the two in use were never sent).
    const removals = commands.filter(isImageRemoval);
    expect(removals).toHaveLength(1);
    expect(sorted(removals[0]?.slice(2) ?? [])).toEqual(sorted(seed.free));
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

    const result = await clean({}, { scope: new Set([child]) });

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
    expect(commands.some((args) => isImageRemoval(args) || isPrune(args))).toBe(false);
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
    await sleep(1_100);
    const newer = buildImage();
    const createdOlder = created(older);
    const createdNewer = created(newer);
    expect(createdNewer - createdOlder).toBeGreaterThan(1_000);

    // Fresh images, a one-hour age filter: nothing is old enough.
    const none = await clean({ olderThan: '1h' });
    expect(none.removed).toEqual([]);
    expect(none.filtered).toBe(2);
    expect(sorted(danglingIds())).toEqual(sorted([older, newer]));

    // `now` half a second after `newer` was made, with a one-second filter: only `older` is old
    // enough. Wait until the engine's own clock would call both of them old: the cleaner must
    // judge by the `now` it was given, in both steps.
    const now = createdNewer + 500;
    await sleepUntil(createdNewer + 1_500);
    const onlyOlder = await clean({ olderThan: 1 }, { now });
    expect(onlyOlder.removed.map((item) => item.id)).toEqual([older]);
    expect(onlyOlder.filtered).toBe(1);
    expect(danglingIds()).toEqual([newer]);

    // Later, `newer` is old enough too.
    const both = await clean({ olderThan: 1 }, { now: createdNewer + 2_000 });
    expect(both.removed.map((item) => item.id)).toEqual([newer]);
    expect(danglingIds()).toEqual([]);
  });
});

describe("Docker's conflict answer is the last guard against races", () => {
  it('skips an image a container started using after the plan was made', async () => {
    const victim = buildImage();
    const free = buildImage();
    let racer = '';
    hook = (args) => {
      if (isImageRemoval(args) && !racer) racer = createContainer(victim);
    };

    const result = await clean({}, { scope: new Set([victim, free]) });

    expect(racer).not.toBe('');
    expect(result.failed).toEqual([]);
    expect(result.removed.map((item) => item.id)).toEqual([free]);
    const skip = result.skipped.find((item) => item.id === victim);
    expect(skip?.reason).toBe('in-use-stopped');
    expect(racer.startsWith(skip?.containers[0]?.id ?? 'none')).toBe(true);
    expect(skip?.message).toMatch(/image is being used by stopped container/);
    expect(imageExists(victim)).toBe(true);
    expect(containerState(racer)).toBe('created');
  });

  it('skips an image that got a child, and one someone else removed, after the plan was made', async () => {
    const parent = buildImage();
    const gone = buildImage();
    const free = buildImage();
    let child = '';
    hook = (args) => {
      if (isImageRemoval(args) && !child) {
        child = buildImage({ from: parent });
        dockerSync(['image', 'rm', gone]);
      }
    };

    const result = await clean({}, { scope: new Set([parent, gone, free]) });

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

/**
 * Seeded, randomised safety test. Each round builds a random engine state on the private engine
 * (tagged, dangling, multi-tag and re-tagged images, parent-child chains, running / exited /
 * created containers), runs the cleaner (through the prune or through the batched sweep), and
 * asserts against the engine:
 *   - no container touched (same set, same image, same state);
 *   - every image a container uses is still there, with its parent chain;
 *   - every tag still points at the same image;
 *   - every unused untagged image without children is gone (unused dangling images, and the
 *     untagged parents left childless by their removal).
 * Reproduce a failure with DJ_SEED=<seed printed on failure>. Bounded: DJ_ROUNDS rounds (default
 * 6), and no new round starts after 60 s.
 */
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { cleanImages } from '../../../src/cleaner/clean.js';
import { imageCleanOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import {
  BASE_IMAGE,
  buildImage,
  createContainer,
  danglingIds,
  dockerSync,
  engineContainers,
  engineImages,
  imageId,
  makeDangling,
  recordingClient,
  resetEngine,
  runContainer,
  unsafeImageRemovals,
} from '../../support/docker.js';

const SEED = process.env.DJ_SEED ? Number(process.env.DJ_SEED) : Math.floor(Math.random() * 2 ** 32);
const ROUNDS = process.env.DJ_ROUNDS ? Number(process.env.DJ_ROUNDS) : 6;
const BUDGET_MS = 60_000;

/** mulberry32: small, fast, good enough to drive test states. */
function rng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };
  return { next, int, pick };
}

interface Built {
  readonly id: string;
  readonly tags: string[];
}

/** A random engine state; returns a description of it for failure messages. */
function randomState(random: ReturnType<typeof rng>, round: number): string[] {
  const story: string[] = [];
  const built: Built[] = [];
  const count = random.int(5, 10);
  for (let index = 0; index < count; index++) {
    const parent = built.length > 0 && random.next() < 0.45 ? random.pick(built) : undefined;
    const kind = random.pick(['dangling', 'dangling', 'retagged', 'tagged', 'multi'] as const);
    const name = `dj-r${round}-${index}`;
    const tags = kind === 'tagged' || kind === 'retagged' ? [`${name}:1`] : kind === 'multi' ? [`${name}:a`, `${name}:b`] : [];
    const id = buildImage({ ...(tags.length ? { tag: tags } : {}), from: parent?.id ?? BASE_IMAGE });
    if (kind === 'retagged') {
      // As a rebuild of the tag would: the image stays, without its tag.
      makeDangling(`${name}:1`);
      tags.length = 0;
    }
    built.push({ id, tags });
    story.push(`image ${index} ${id.slice(7, 19)} ${kind}${parent ? ` from ${parent.id.slice(7, 19)}` : ''}`);
  }
  // Some tagged images lose their tag after children were built on them.
  for (const image of built) {
    if (image.tags.length === 1 && random.next() < 0.3) {
      makeDangling(image.tags[0] ?? '');
      image.tags.length = 0;
      story.push(`untag ${image.id.slice(7, 19)}`);
    }
  }
  const containers = random.int(0, 5);
  for (let index = 0; index < containers; index++) {
    const image = random.pick(built);
    const state = random.pick(['running', 'exited', 'created'] as const);
    if (state === 'running') runContainer(image.id);
    else if (state === 'created') createContainer(image.id);
    else dockerSync(['start', '--attach', dockerSync(['create', image.id, 'true'])]);
    story.push(`container ${state} on ${image.id.slice(7, 19)}`);
  }
  return story;
}

describe('randomised safety', () => {
  // Leave no running container behind: the engine's shutdown would wait for each one.
  afterAll(() => resetEngine());

  it(`never breaks a container, a tag or a used image, and leaves no unused dangling image (seed ${SEED})`, { timeout: 180_000 }, async () => {
    onTestFailed(() => {
      console.error(`safety.random: reproduce with DJ_SEED=${SEED}`);
    });
    const random = rng(SEED);
    const started = Date.now();
    let rounds = 0;
    for (let round = 0; round < ROUNDS && Date.now() - started < BUDGET_MS; round++, rounds++) {
      resetEngine();
      const story = randomState(random, round);
      const mode = random.pick(['prune', 'sweep'] as const);
      const where = `seed ${SEED}, round ${round}, ${mode}:\n  ${story.join('\n  ')}\n`;

      const containersBefore = engineContainers();
      const imagesBefore = engineImages();
      const tagsBefore = imagesBefore.flatMap((image) => image.tags.map((tag) => [tag, image.id] as const));
      const { docker, commands } = recordingClient();

      const result = await cleanImages(
        docker,
        parseOptions(imageCleanOptionsSchema, {}),
        mode === 'sweep' ? { scope: new Set(danglingIds()) } : {},
      );

      expect(unsafeImageRemovals(commands), where).toEqual([]);
      expect(result.failed, where).toEqual([]);
      // No container touched.
      expect(engineContainers(), where).toEqual(containersBefore);
      const after = engineImages();
      const byId = new Map(after.map((image) => [image.id, image]));
      // Every image a container uses is still there, with its whole parent chain.
      for (const container of containersBefore) {
        for (let id: string | undefined = container.imageId; id; id = byId.get(id)?.parent) {
          expect(byId.has(id), `${where}image ${id} of container ${container.id} (or its parent) is gone`).toBe(true);
        }
      }
      // Every tag still points at the same image.
      for (const [tag, id] of tagsBefore) expect(imageId(tag), `${where}tag ${tag}`).toBe(id);
      // No unused untagged image without children is left.
      const used = new Set(containersBefore.map((container) => container.imageId));
      const parents = new Set(after.map((image) => image.parent).filter(Boolean));
      const leftovers = after.filter(
        (image) => image.tags.length === 0 && image.digests.length === 0 && !used.has(image.id) && !parents.has(image.id),
      );
      expect(
        leftovers.map((image) => image.id),
        where,
      ).toEqual([]);
      // What the result says was removed is really gone, and was unused.
      for (const item of result.removed) {
        expect(byId.has(item.id), `${where}${item.id} reported removed`).toBe(false);
        expect(used.has(item.id), where).toBe(false);
      }
    }
    expect(rounds).toBeGreaterThan(0);
  });
});

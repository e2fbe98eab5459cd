/**
 * Seeded, randomised safety test. Each round builds a random engine state on the private engine
 * (tagged, dangling, multi-tag and re-tagged images, parent-child chains, running / exited /
 * created containers), runs the cleaner over one transport (api and cli alternate) with a random
 * scope (every dangling image, or a random subset of them), and asserts against the engine:
 *   - no container touched (same set, same image, same state);
 *   - every image a container uses is still there, with its parent chain;
 *   - every tag still points at the same image, and no temporary reference is left;
 *   - every unused untagged image in scope without children is gone;
 *   - the cleaner only ever removed its own temporary references, never forced, never pruned.
 * Reproduce a failure with DJ_SEED=<seed printed on failure>.
 *
 * DJ_ROUNDS rounds (default 20: every CI run checks at least 20 states). Never silently capped:
 * the test runs every round asked for, and fails, saying so, if DJ_BUDGET_MS (default 30 s a
 * round) runs out first. `npm run test:soak` runs it with DJ_ROUNDS=1000.
 */
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { cleanImages } from '../../../src/cleaner/clean.js';
import { TEMPORARY_REPO } from '../../../src/cleaner/temporary.js';
import { imageCleanOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import {
  createContainer,
  danglingIds,
  dockerSync,
  engineContainers,
  engineImages,
  resetEngine,
  runContainer,
} from '../../support/docker.js';
import { TRANSPORTS, testEngine } from '../../support/engines.js';
import { buildMany, type ImageSpec } from '../../support/states.js';
import { rng } from '../../support/rng.js';

const SEED = process.env.DJ_SEED ? Number(process.env.DJ_SEED) : Math.floor(Math.random() * 2 ** 32);
const ROUNDS = process.env.DJ_ROUNDS ? Number(process.env.DJ_ROUNDS) : 20;
const BUDGET_MS = process.env.DJ_BUDGET_MS ? Number(process.env.DJ_BUDGET_MS) : ROUNDS * 30_000;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`DJ_ROUNDS must be a positive whole number (got ${process.env.DJ_ROUNDS})`);


interface Built {
  readonly id: string;
  readonly tags: string[];
}

/**
 * A random engine state, built in one `docker build` (see states.ts); returns a description of
 * it for failure messages. An untagged image is the same state whether it was built untagged,
 * lost its tag to a rebuild, or lost it after children were built on it.
 */
function randomState(random: ReturnType<typeof rng>, round: number): string[] {
  const story: string[] = [];
  const count = random.int(5, 10);
  const specs: ImageSpec[] = [];
  const kinds: Array<'dangling' | 'tagged' | 'multi'> = [];
  for (let index = 0; index < count; index++) {
    specs.push(index > 0 && random.next() < 0.45 ? { from: random.int(0, index - 1) } : {});
    kinds.push(random.pick(['dangling', 'dangling', 'dangling', 'tagged', 'multi'] as const));
  }
  const ids = buildMany(specs);
  const built: Built[] = ids.map((id, index) => {
    const name = `dj-r${round}-${index}`;
    const kind = kinds[index] ?? 'dangling';
    const tags = kind === 'tagged' ? [`${name}:1`] : kind === 'multi' ? [`${name}:a`, `${name}:b`] : [];
    for (const tag of tags) dockerSync(['tag', id, tag]);
    const from = specs[index]?.from;
    story.push(`image ${index} ${id.slice(7, 19)} ${kind}${from !== undefined ? ` from ${index === 0 ? '' : ids[from]?.slice(7, 19)}` : ''}`);
    return { id, tags };
  });
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

  it(
    `never breaks a container, a tag or a used image, and leaves no unused dangling image in scope: ${ROUNDS} states (seed ${SEED})`,
    { timeout: BUDGET_MS + 120_000 },
    async () => {
      onTestFailed(() => {
        console.error(`safety.random: reproduce with DJ_SEED=${SEED} DJ_ROUNDS=${ROUNDS}`);
      });
      const random = rng(SEED);
      const started = Date.now();
      let rounds = 0;
      for (let round = 0; round < ROUNDS; round++, rounds++) {
        if (Date.now() - started > BUDGET_MS) {
          throw new Error(
            `safety.random: the budget of ${BUDGET_MS} ms ran out after ${rounds} of ${ROUNDS} states; raise DJ_BUDGET_MS (or lower DJ_ROUNDS explicitly)`,
          );
        }
        resetEngine();
        const story = randomState(random, round);
        const transport = TRANSPORTS[round % TRANSPORTS.length] ?? 'api';
        const dangling = danglingIds();
        const subset = random.next() < 0.35 ? new Set(dangling.filter(() => random.next() < 0.6)) : undefined;
        const where = `seed ${SEED}, round ${round}, ${transport}, scope ${subset ? `${subset.size} of ${dangling.length}` : 'all'}:\n  ${story.join('\n  ')}\n`;

        const containersBefore = engineContainers();
        const imagesBefore = engineImages();
        const tagsBefore = imagesBefore.flatMap((image) => image.tags.map((tag) => [tag, image.id] as const));
        const { engine, unsafe } = testEngine(transport);
        const result = await cleanImages(engine, parseOptions(imageCleanOptionsSchema, {}), subset ? { scope: { kind: 'ids', ids: subset } } : {});
        engine.close();

        expect(unsafe(), where).toEqual([]);
        expect(result.failed, where).toEqual([]);
        expect(result.warnings, where).toEqual([]);
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
        // Every tag still points at the same image; no temporary reference is left behind.
        for (const [tag, id] of tagsBefore) expect(byId.get(id)?.tags ?? [], `${where}tag ${tag}`).toContain(tag);
        expect(after.flatMap((image) => image.tags).filter((tag) => tag.startsWith(TEMPORARY_REPO)), where).toEqual([]);
        // No unused untagged image in scope without children is left.
        const used = new Set(containersBefore.map((container) => container.imageId));
        const parents = new Set(after.map((image) => image.parent).filter(Boolean));
        const leftovers = after.filter(
          (image) =>
            image.tags.length === 0 &&
            image.digests.length === 0 &&
            !used.has(image.id) &&
            !parents.has(image.id) &&
            (!subset || subset.has(image.id)),
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
        // Outside the scope nothing dangling was touched.
        if (subset) for (const id of dangling) if (!subset.has(id) && !used.has(id)) expect(byId.has(id), `${where}${id} outside the scope`).toBe(true);
      }
      expect(rounds).toBe(ROUNDS);
      console.log(`safety.random: ${rounds} states, 0 violations, seed ${SEED}, ${Math.round((Date.now() - started) / 1000)} s`);
    },
  );
});

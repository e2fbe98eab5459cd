/**
 * Digest-only images (no tag, but a repository digest: an image pulled by digest, such as a
 * kind node image) made for real: pushed to a throwaway local registry (Debian's
 * `docker-registry`), untagged, pulled back by digest. Kept by default in both steps of the
 * cleaner; removed with `removeDigested`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
  engineImages,
  imageExists,
  makeDigestOnlyImage,
  recordingClient,
  resetEngine,
  startRegistry,
  unsafeImageRemovals,
  type LocalRegistry,
} from '../../support/docker.js';

let registry: LocalRegistry | undefined;
let docker: DockerClient;
let commands: string[][];

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(() => {
  registry?.stop();
  resetEngine();
});

beforeEach(() => {
  resetEngine();
  ({ docker, commands } = recordingClient());
});

afterEach(() => {
  expect(unsafeImageRemovals(commands)).toEqual([]);
});

function clean(input: ImageCleanOptionsInput = {}, context: CleanContext = {}): Promise<CleanResult> {
  return cleanImages(docker, parseOptions(imageCleanOptionsSchema, input), context);
}

function digestOnly(): { id: string; digestRef: string } {
  if (!registry) throw new Error('no registry');
  const image = makeDigestOnlyImage(registry);
  const shown = engineImages().find((item) => item.id === image.id);
  expect(shown?.tags).toEqual([]);
  expect(shown?.digests).toEqual([image.digestRef]);
  return image;
}

const isPrune = (args: readonly string[]) => args[0] === 'image' && args[1] === 'prune';
const removalArgs = () => commands.filter((args) => args[0] === 'image' && args[1] === 'rm').flatMap((args) => args.slice(2));
const sorted = (ids: Iterable<string>) => [...ids].sort();

describe('the engine fact the cleaner designs around', () => {
  it('Engine 20.10 lists a digest-only image as dangling and its plain dangling prune removes it', () => {
    const image = digestOnly();
    expect(danglingIds()).toContain(image.id);
    const version = dockerSync(['version', '--format', '{{.Server.Version}}']);

    dockerSync(['image', 'prune', '--force', '--filter', 'dangling=true']);

    // Newer engines may keep it; on 20.10 (what this suite runs) it is gone.
    if (version.startsWith('20.10')) expect(imageExists(image.id)).toBe(false);
  });
});

describe('kept by default', () => {
  it('is skipped as digested and the prune does not run at all', async () => {
    const image = digestOnly();
    const plain = buildImage();

    const result = await clean();

    expect(result.failed).toEqual([]);
    expect(result.removed.map((item) => item.id)).toEqual([plain]);
    expect(result.skipped).toEqual([expect.objectContaining({ id: image.id, reason: 'digested' })]);
    expect(result.prune.ran).toBe(false);
    expect(result.prune.skippedBecause).toMatch(/digest-only/);
    expect(commands.some(isPrune)).toBe(false);
    expect(removalArgs()).not.toContain(image.id);
    expect(imageExists(image.id)).toBe(true);
    expect(engineImages().find((item) => item.id === image.id)?.digests).toEqual([image.digestRef]);
    expect(imageExists(plain)).toBe(false);
  });

  it('is kept when an age filter leaves it out and the prune does run', async () => {
    const old = buildImage();
    await sleep(1_100);
    const image = digestOnly();
    const created = Date.parse(dockerSync(['image', 'inspect', '--format', '{{.Created}}', image.id]));
    // `now` just after the digest-only image was built, a one-second filter: only `old` is in
    // scope, so the prune runs. By the engine's own clock both are old by the time it does.
    await sleepUntil(created + 1_500);

    const result = await clean({ olderThan: 1 }, { now: created + 500 });

    expect(result.prune.ran).toBe(true);
    expect(result.removed.map((item) => item.id)).toEqual([old]);
    expect(imageExists(old)).toBe(false);
    expect(imageExists(image.id)).toBe(true);
  });

  it('is kept by the sweep alone too (scope: no prune)', async () => {
    const image = digestOnly();
    const plain = buildImage();

    const result = await clean({}, { scope: new Set([image.id, plain]) });

    expect(result.removed.map((item) => item.id)).toEqual([plain]);
    expect(result.skipped).toEqual([expect.objectContaining({ id: image.id, reason: 'digested' })]);
    expect(removalArgs()).toEqual([plain]);
    expect(imageExists(image.id)).toBe(true);
  });
});

describe('removeDigested', () => {
  it('removes it (the prune may run then)', async () => {
    const image = digestOnly();
    const plain = buildImage();

    const result = await clean({ removeDigested: true });

    expect(result.failed).toEqual([]);
    expect(sorted(result.removed.map((item) => item.id))).toEqual(sorted([image.id, plain]));
    expect(imageExists(image.id)).toBe(false);
    expect(imageExists(plain)).toBe(false);
  });

  it('removes it through the sweep by its full ID', async () => {
    const image = digestOnly();

    const result = await clean({ removeDigested: true }, { scope: new Set([image.id]) });

    expect(result.failed).toEqual([]);
    expect(result.removed).toEqual([expect.objectContaining({ id: image.id, step: 'remove' })]);
    expect(removalArgs()).toEqual([image.id]);
    expect(imageExists(image.id)).toBe(false);
  });

  it('still keeps one a container uses', async () => {
    const image = digestOnly();
    const container = createContainer(image.id);

    const result = await clean({ removeDigested: true });

    expect(result.removed).toEqual([]);
    expect(result.skipped).toEqual([expect.objectContaining({ id: image.id, reason: 'in-use-stopped' })]);
    expect(imageExists(image.id)).toBe(true);
    expect(containerState(container)).toBe('created');
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function sleepUntil(time: number): Promise<void> {
  const rest = time - Date.now();
  if (rest > 0) await sleep(rest);
}

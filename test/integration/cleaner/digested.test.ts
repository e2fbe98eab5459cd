/**
 * Digest-only images (no tag, but a repository digest: an image pulled by digest, such as a
 * kind node image) made for real: pushed to a throwaway local registry (Debian's
 * `docker-registry`), untagged, pulled back by digest. Kept by default; removed with
 * `removeDigested` (a temporary reference, then by ID once it is still exactly what was listed;
 * never the prune); and a
 * digest reference added to a plain dangling image while it is being removed keeps it.
 * Over both transports.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanImages, type CleanContext } from '../../../src/cleaner/clean.js';
import type { CleanResult } from '../../../src/cleaner/result.js';
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
  resetEngine,
  startRegistry,
  type LocalRegistry,
} from '../../support/docker.js';
import { TRANSPORTS, testEngine, type EngineHook, type TestEngine } from '../../support/engines.js';

let registry: LocalRegistry | undefined;
let current: TestEngine | undefined;
let hook: EngineHook = () => {};

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(() => {
  registry?.stop();
  resetEngine();
});

beforeEach(() => {
  resetEngine();
  hook = () => {};
});

afterEach(() => {
  current?.engine.close();
  expect(current?.unsafe({ allowIds: true }) ?? []).toEqual([]);
  current = undefined;
});

function digestOnly(): { id: string; digestRef: string } {
  if (!registry) throw new Error('no registry');
  const image = makeDigestOnlyImage(registry);
  const shown = engineImages().find((item) => item.id === image.id);
  expect(shown?.tags).toEqual([]);
  expect(shown?.digests).toEqual([image.digestRef]);
  return image;
}

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

describe.each(TRANSPORTS)('over %s', (transport) => {
  function clean(input: ImageCleanOptionsInput = {}, context: CleanContext = {}): Promise<CleanResult> {
    current = testEngine(transport, { hook: (method, args) => hook(method, args) });
    return cleanImages(current.engine, parseOptions(imageCleanOptionsSchema, input), context);
  }
  const removalLines = () => (current?.log ?? []).filter((line) => /^DELETE \S*\/images\/|^docker image rm /.test(line));

  describe('kept by default', () => {
    it('is skipped as digested; nothing but the plain image is asked to go', async () => {
      const image = digestOnly();
      const plain = buildImage();

      const result = await clean();

      expect(result.failed).toEqual([]);
      expect(result.removed.map((item) => item.id)).toEqual([plain]);
      expect(result.skipped).toEqual([expect.objectContaining({ id: image.id, reason: 'digested' })]);
      expect(result.prune.ran).toBe(false);
      expect(removalLines().join('\n')).not.toContain(image.digestRef.split('@')[0]);
      expect(imageExists(image.id)).toBe(true);
      expect(engineImages().find((item) => item.id === image.id)?.digests).toEqual([image.digestRef]);
      expect(imageExists(plain)).toBe(false);
    });

    it('a pull by digest that lands just before the removal keeps the image, reported as changed', async () => {
      if (!registry) throw new Error('no registry');
      const pushed = makeDigestOnlyImage(registry, { name: `dj-late-${transport}` });
      // Make it a plain dangling image the registry also holds: drop its digest reference while a
      // temporary tag keeps it, then drop that tag the way a rebuild does.
      dockerSync(['tag', pushed.id, 'dj-hold:1']);
      dockerSync(['rmi', pushed.digestRef]);
      dockerSync(['tag', 'dj-test-base:latest', 'dj-hold:1']);
      dockerSync(['rmi', 'dj-hold:1']);
      expect(engineImages().find((item) => item.id === pushed.id)).toMatchObject({ tags: [], digests: [] });
      hook = (method) => {
        if (method === 'removeImages') dockerSync(['pull', '-q', pushed.digestRef]);
      };

      const result = await clean();

      expect(imageExists(pushed.id)).toBe(true);
      expect(engineImages().find((item) => item.id === pushed.id)?.digests).toEqual([pushed.digestRef]);
      expect(result.removed).toEqual([]);
      expect(result.skipped).toEqual([expect.objectContaining({ id: pushed.id, reason: 'changed', message: expect.stringContaining(pushed.digestRef) })]);
    });
  });

  describe('removeDigested', () => {
    it('removes it: its temporary reference, then by ID (still exactly what was listed)', async () => {
      const image = digestOnly();
      const plain = buildImage();

      const result = await clean({ removeDigested: true });

      expect(result.failed).toEqual([]);
      expect(sorted(result.removed.map((item) => item.id))).toEqual(sorted([image.id, plain]));
      expect(imageExists(image.id)).toBe(false);
      expect(imageExists(plain)).toBe(false);
    });

    it('a tag added just before the removal keeps it', async () => {
      const image = digestOnly();
      hook = (method) => {
        if (method === 'removeImages') dockerSync(['tag', image.id, 'user/keep:1']);
      };

      const result = await clean({ removeDigested: true });

      expect(imageExists(image.id)).toBe(true);
      expect(engineImages().find((item) => item.id === image.id)?.tags).toEqual(['user/keep:1']);
      expect(result.skipped).toEqual([expect.objectContaining({ id: image.id, reason: 'changed' })]);
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
});

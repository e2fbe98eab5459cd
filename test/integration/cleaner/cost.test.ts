/**
 * What the temporary reference costs: N dangling images removed by ID (docker-janitor 0.1's
 * way, no longer used) versus through the cleaner (a temporary tag each, then removal of that
 * reference), over both transports. Prints milliseconds per image; asserts nothing but that
 * everything went. Runs only with DJ_MEASURE=1 (numbers for docs/safety.md).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanImages } from '../../../src/cleaner/clean.js';
import type { FullImageId } from '../../../src/docker/engine.js';
import { imageCleanOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import { danglingIds, dockerSync, fillWithDanglingImages, resetEngine } from '../../support/docker.js';
import { TRANSPORTS, testEngine } from '../../support/engines.js';

const N = Number(process.env.DJ_MEASURE_IMAGES ?? 40);
const REPEAT = Number(process.env.DJ_MEASURE_REPEAT ?? 3);

describe.runIf(process.env.DJ_MEASURE === '1')('cost of removal through a temporary reference', () => {
  afterAll(() => resetEngine());

  it.each(TRANSPORTS)(`%s: ${N} images, by ID vs temporary reference`, { timeout: 600_000 }, async (transport) => {
    const byId: number[] = [];
    const tagThenReference: number[] = [];
    const temporary: number[] = [];
    for (let repeat = 0; repeat < REPEAT; repeat++) {
      resetEngine();
      const ids = fillWithDanglingImages(dockerSync, N);
      const a = testEngine(transport);
      let started = performance.now();
      const answers = await a.engine.removeImages(ids.map((id) => ({ id: id as FullImageId })));
      byId.push((performance.now() - started) / ids.length);
      a.engine.close();
      expect([...answers.values()].every((answer) => answer.kind === 'removed')).toBe(true);

      resetEngine();
      const tagged = fillWithDanglingImages(dockerSync, N);
      const c = testEngine(transport);
      started = performance.now();
      await Promise.all(tagged.map((id, index) => c.engine.tagImage(id as FullImageId, 'docker-janitor-remove', `measure-${index}`)));
      const byRef = await c.engine.removeImages(tagged.map((_, index) => ({ reference: `docker-janitor-remove:measure-${index}` })));
      tagThenReference.push((performance.now() - started) / tagged.length);
      c.engine.close();
      expect([...byRef.values()].every((answer) => answer.kind === 'removed')).toBe(true);

      resetEngine();
      const again = fillWithDanglingImages(dockerSync, N);
      const b = testEngine(transport);
      started = performance.now();
      const result = await cleanImages(b.engine, parseOptions(imageCleanOptionsSchema, {}));
      temporary.push((performance.now() - started) / again.length);
      b.engine.close();
      expect(result.removed.filter((item) => !item.withChild)).toHaveLength(again.length);
      expect(danglingIds()).toEqual([]);
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? NaN;
    console.log(
      `cost ${transport}: ${N} images x ${REPEAT} (medians): removal by ID ${median(byId).toFixed(1)} ms/image; ` +
        `tag + removal of the reference ${median(tagThenReference).toFixed(1)} ms/image; ` +
        `whole clean (listings, tags, removals, checks) ${median(temporary).toFixed(1)} ms/image`,
    );
  });
});

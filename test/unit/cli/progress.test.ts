import { describe, expect, it } from 'vitest';
import { cleanImages } from '../../../src/cleaner/clean.js';
import { createProgressWriter, countObjectRemovals, observeEngineCleanup } from '../../../src/cli/progress.js';
import { imageCleanOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import type { ProgressEvent } from '../../../src/render/progress.js';
import { FakeEngine } from '../../support/fake-engine.js';

describe('createProgressWriter', () => {
  it('stays silent for a quick run', () => {
    let clock = 0;
    const written: string[] = [];
    const writer = createProgressWriter({ write: (text: string) => written.push(text) }, { what: 'Removing', now: () => clock });
    writer.update({ done: 1, total: 2 });
    clock = 900;
    writer.update({ done: 2, total: 2 });
    writer.done();
    expect(written).toEqual([]);
  });

  it('after a second: one line redrawn in place, erased at the end', () => {
    let clock = 0;
    const written: string[] = [];
    const writer = createProgressWriter({ write: (text: string) => written.push(text) }, { what: 'Removing images', now: () => clock });
    clock = 1500;
    writer.update({ done: 400, total: 1200, bytes: 4_000_000 });
    clock = 2600;
    writer.update({ done: 800, total: 1200, bytes: 8_000_000 });
    writer.done();
    writer.done();
    expect(written).toEqual([
      '\r\u001b[KRemoving images: 400/1200, 4MB reclaimed (1s)',
      '\r\u001b[KRemoving images: 800/1200, 8MB reclaimed (2s)',
      '\r\u001b[K',
    ]);
    expect(written.join('')).not.toContain('\n');
  });
});

describe('progress read from docker calls', () => {
  it('sweep: container, network and volume removals count their objects', () => {
    const events: ProgressEvent[] = [];
    const { onCommand, onRequest } = countObjectRemovals((event) => events.push(event));
    onCommand(['container', 'ls', '--all']);
    onCommand(['container', 'rm', '--force', '--volumes', 'a', 'b']);
    onCommand(['network', 'rm', 'n']);
    onCommand(['volume', 'rm', 'v1', 'v2']);
    onRequest({ method: 'GET', path: '/v1.41/containers/json?all=1' });
    onRequest({ method: 'DELETE', path: '/v1.41/containers/abc?force=1&v=1' });
    onRequest({ method: 'DELETE', path: '/v1.41/images/docker-janitor-remove:x-1' });
    onRequest({ method: 'DELETE', path: '/volumes/v3' });
    expect(events).toEqual([{ done: 2 }, { done: 3 }, { done: 5 }, { done: 6 }, { done: 7 }]);
  });
});

describe('observeEngineCleanup', () => {
  it('the total and sizes come from the cleaner’s first listing (its candidates), each answer counts', async () => {
    const engine = new FakeEngine();
    const base = engine.addImage({ tags: ['base:1'], size: 5 });
    const intermediate = engine.addImage({ parent: base, size: 7 });
    engine.addImage({ parent: intermediate, size: 100 });
    engine.addImage({ size: 200 });
    engine.addImage({ tags: ['app:1'], size: 9 });
    const events: ProgressEvent[] = [];
    const result = await cleanImages(
      observeEngineCleanup(engine, (event) => events.push(event)),
      parseOptions(imageCleanOptionsSchema, {}),
    );
    expect(result.removed.map((item) => item.id)).toHaveLength(3); // the child, its untagged parent, the loose one
    expect(events[0]).toEqual({ done: 0, total: 2, bytes: 0 });
    // The untagged parent went with its child: not a candidate, its size not counted (as in the result).
    expect(events.at(-1)).toEqual({ done: 2, total: 2, bytes: 300 });
  });
});

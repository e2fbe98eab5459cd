/**
 * Teardown over the fake engine: what `hasProblems` (failOnCleanupError) counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { janitorOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import type { SessionRecord } from '../../../src/session/store.js';
import { teardownSession } from '../../../src/session/teardown.js';
import { FakeEngine } from '../../support/fake-engine.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function context(input: object = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dj-teardown-'));
  dirs.push(dir);
  const record: SessionRecord = {
    id: 's1',
    pid: process.pid,
    pidStart: undefined,
    hostname: 'h',
    startedAt: Date.now(),
    docker: { timeoutMs: 1000, transport: 'auto' },
    stopTimeout: 0,
    adopt: { labels: [], all: false },
  };
  return { record, dir, options: parseOptions(janitorOptionsSchema, { images: 'all', ...input }) };
}

it('an image warning (a foreign reference untagged in the daemon) is a problem', async () => {
  const engine = new FakeEngine();
  const id = engine.addImage();
  engine.hooks.insideRemoval = (target, e) => {
    if (target === id) e.image(id).refs.push('user/late:1');
  };
  const result = await teardownSession(engine, context());
  expect(result.warnings).toEqual([]);
  expect(result.images?.warnings).toEqual([expect.stringContaining('also untagged user/late:1')]);
  expect(result.hasProblems).toBe(true);
});

it('a clean teardown has no problems', async () => {
  const engine = new FakeEngine();
  engine.addImage();
  const result = await teardownSession(engine, context());
  expect(result.images?.removed).toHaveLength(1);
  expect(result.hasProblems).toBe(false);
});

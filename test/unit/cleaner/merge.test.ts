/** Two passes of the cleaner (a session teardown) as one result. */
import { describe, expect, it } from 'vitest';
import { mergeCleanResults } from '../../../src/cleaner/merge.js';
import { PRUNE_NOT_USED } from '../../../src/cleaner/plan.js';
import type { CleanResult } from '../../../src/cleaner/result.js';

const empty: CleanResult = {
  dryRun: false,
  removed: [],
  skipped: [],
  failed: [],
  filtered: 0,
  bytesReclaimed: 0,
  prune: { ran: false, reclaimed: 0, skippedBecause: 'nothing to remove' },
  warnings: [],
  durationMs: 5,
};

describe('mergeCleanResults', () => {
  it('replaces the first pass’s entries for the redone images with the second pass’s', () => {
    const first: CleanResult = {
      ...empty,
      removed: [{ id: 'a', size: 10, step: 'remove' }],
      skipped: [
        { id: 'used', reason: 'in-use-stopped', containers: [{ id: 'c1' }], size: 20 },
        { id: 'kind', reason: 'in-use-running', containers: [{ id: 'c2' }], size: 30 },
      ],
      filtered: 2,
      bytesReclaimed: 10,
      prune: { ran: false, reclaimed: 0, skippedBecause: PRUNE_NOT_USED },
      warnings: ['w1'],
    };
    const second: CleanResult = { ...empty, removed: [{ id: 'used', size: 20, step: 'remove' }], warnings: ['w2'], failed: [{ id: 'x', message: 'm' }] };
    const merged = mergeCleanResults(first, second, new Set(['used']), 42);
    expect(merged).toEqual({
      dryRun: false,
      removed: [
        { id: 'a', size: 10, step: 'remove' },
        { id: 'used', size: 20, step: 'remove' },
      ],
      skipped: [{ id: 'kind', reason: 'in-use-running', containers: [{ id: 'c2' }], size: 30 }],
      failed: [{ id: 'x', message: 'm' }],
      filtered: 2,
      bytesReclaimed: 30,
      prune: { ran: false, reclaimed: 0, skippedBecause: PRUNE_NOT_USED },
      warnings: ['w1', 'w2'],
      durationMs: 42,
    });
  });

  it('a redone image still in use is skipped once; an image both passes report removed counts once', () => {
    const first: CleanResult = { ...empty, removed: [{ id: 'p', size: 0, step: 'remove', withChild: true }], skipped: [{ id: 'u', reason: 'in-use-running', containers: [], size: 1 }] };
    const second: CleanResult = { ...empty, removed: [{ id: 'p', size: 0, step: 'remove', withChild: true }], skipped: [{ id: 'u', reason: 'in-use-stopped', containers: [], size: 1 }] };
    const merged = mergeCleanResults(first, second, new Set(['u']), 1);
    expect(merged.removed).toHaveLength(1);
    expect(merged.skipped).toEqual([{ id: 'u', reason: 'in-use-stopped', containers: [], size: 1 }]);
    expect(merged).not.toHaveProperty('unknown');
  });

  it('the prune note says "not used" when either pass planned a removal, and unknown entries add up', () => {
    const second: CleanResult = { ...empty, prune: { ran: false, reclaimed: 0, skippedBecause: PRUNE_NOT_USED }, unknown: [{ id: 'q', message: 'm' }] };
    const merged = mergeCleanResults(empty, second, new Set(), 1);
    expect(merged.prune.skippedBecause).toBe(PRUNE_NOT_USED);
    expect(merged.unknown).toEqual([{ id: 'q', message: 'm' }]);
    expect(mergeCleanResults(empty, empty, new Set(), 1).prune.skippedBecause).toBe('nothing to remove');
  });
});

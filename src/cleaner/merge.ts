/**
 * Two passes of the cleaner as one result. A session teardown cleans images while it removes its
 * containers (session/teardown.ts): the first pass skips the images those containers use, the
 * second pass takes exactly those once the containers are gone. Pure.
 */
import { PRUNE_NOT_USED } from './plan.js';
import type { CleanResult, RemovedImage } from './result.js';

/**
 * The first pass's result, with its entries for the images in `redone` replaced by what the
 * second pass made of them. `durationMs`: from the first pass's start to the second's end.
 */
export function mergeCleanResults(first: CleanResult, second: CleanResult, redone: ReadonlySet<string>, durationMs: number): CleanResult {
  const removed: RemovedImage[] = [];
  const seen = new Set<string>();
  for (const item of [...first.removed, ...second.removed]) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    removed.push(item);
  }
  const unknown = [...(first.unknown ?? []), ...(second.unknown ?? [])];
  const planned = first.prune.skippedBecause === PRUNE_NOT_USED || second.prune.skippedBecause === PRUNE_NOT_USED;
  return {
    dryRun: first.dryRun,
    removed,
    skipped: [...first.skipped.filter((item) => !redone.has(item.id)), ...second.skipped],
    failed: [...first.failed, ...second.failed],
    ...(unknown.length > 0 ? { unknown } : {}),
    filtered: first.filtered + second.filtered,
    bytesReclaimed: removed.reduce((sum, item) => sum + item.size, 0),
    prune: planned ? { ...first.prune, skippedBecause: PRUNE_NOT_USED } : first.prune,
    warnings: [...(first.warnings ?? []), ...(second.warnings ?? [])],
    durationMs,
  };
}

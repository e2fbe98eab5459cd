/**
 * The safe image cleaner: the seed's two steps, done right.
 *   1. server-side prune of dangling images (only when it removes exactly what the plan says);
 *   2. batched `docker image rm ID…` of what remains, never forced, children before parents,
 *      every answer mapped back to its image.
 * Listing failures throw (nothing was done); failures once removal started become a partial
 * result with `failed` entries, never a crash.
 */
import type { DockerClient } from '../docker/client.js';
import { classifyRemoveFailure } from '../docker/classify.js';
import { isDockerError } from '../docker/errors.js';
import { chunks, inspectImages, listContainers, listDanglingImageIds, listImageIds, pruneDanglingImages, removeImages } from '../docker/images.js';
import { parseDeletedIds } from '../docker/parse.js';
import type { ImageInfo } from '../docker/types.js';
import { pruneFilters, type ImageCleanOptions } from '../options/schema.js';
import { mapBatchAnswer, outcomeOf, type RemoveOutcome } from './outcomes.js';
import { planImageCleanup } from './plan.js';
import type { CleanResult, FailedImage, RemovedImage, SkippedImage } from './result.js';

export interface CleanContext {
  /** Milliseconds since the epoch; default `Date.now()`. */
  readonly now?: number;
  /** Only these image IDs are in scope (e.g. what a test run left dangling). */
  readonly scope?: ReadonlySet<string>;
  /** Dangling image IDs already listed by the caller (saves one docker call). */
  readonly danglingIds?: readonly string[];
  /** Image IDs per `docker image rm` call; default `BATCH_SIZE` of docker/images.ts (400). */
  readonly batchSize?: number;
}

export type CleanImagesOptions = Pick<ImageCleanOptions, 'dryRun' | 'olderThan' | 'labels' | 'excludeLabels' | 'removeDigested'>;

export async function cleanImages(docker: DockerClient, options: CleanImagesOptions, context: CleanContext = {}): Promise<CleanResult> {
  const started = performance.now();
  const now = context.now ?? Date.now();
  const ids = context.danglingIds ?? (await listDanglingImageIds(docker));
  if (ids.length === 0) return emptyResult(options.dryRun, started);

  // Every image ID (intermediates too), to recognise the untagged parents Docker removes along
  // with a child among the `Deleted:` lines (which also name layers).
  const [images, containers, allImageIds] = await Promise.all([
    inspectImages(docker, ids),
    listContainers(docker),
    options.dryRun ? undefined : listImageIds(docker, { all: true }).then((list) => new Set(list)),
  ]);
  const plan = planImageCleanup({ images, containers, options, now, scope: context.scope });
  const skipped: SkippedImage[] = [...plan.skip];

  if (options.dryRun) {
    return {
      dryRun: true,
      removed: plan.remove.map((image) => ({ id: image.id, size: image.size, step: plan.prune.run ? 'prune' : 'remove' })),
      skipped,
      failed: [],
      filtered: plan.filtered.length,
      bytesReclaimed: 0,
      prune: { ran: false, reclaimed: 0, ...(plan.prune.skippedBecause ? { skippedBecause: plan.prune.skippedBecause } : {}) },
      durationMs: performance.now() - started,
    };
  }

  const removed: RemovedImage[] = [];
  const failed: FailedImage[] = [];
  let pending: ImageInfo[] = [...plan.remove];
  let pruneReclaimed = 0;
  let pruneRan = false;
  const planned = new Set(plan.remove.map((image) => image.id));
  const noteParents = (deleted: ReadonlySet<string>, step: RemovedImage['step']) => {
    for (const id of deleted) {
      if (allImageIds?.has(id) && !planned.has(id) && !removed.some((item) => item.id === id)) {
        removed.push({ id, size: 0, step, withChild: true });
      }
    }
  };

  try {
    if (plan.prune.run) {
      const pruned = await pruneDanglingImages(docker, pruneFilters(options, now));
      pruneRan = true;
      pruneReclaimed = pruned.reclaimed;
      for (const image of pending) if (pruned.deleted.has(image.id)) removed.push({ id: image.id, size: image.size, step: 'prune' });
      pending = pending.filter((image) => !pruned.deleted.has(image.id));
      noteParents(pruned.deleted, 'prune');
    }
    for (const batch of chunks(pending, context.batchSize)) {
      const byId = new Map(batch.map((image) => [image.id, image]));
      const { outcomes, deleted } = await removeBatch(docker, [...byId.keys()]);
      for (const [id, outcome] of outcomes) {
        const image = byId.get(id);
        if (!image) continue;
        record(image, outcome, removed, skipped, failed);
        byId.delete(id);
      }
      pending = pending.filter((image) => !outcomes.has(image.id));
      noteParents(deleted, 'remove');
    }
  } catch (error) {
    if (!isDockerError(error)) throw error;
    // The engine went away or a call hung: report what happened so far, and the rest as failed.
    const message = error.message.split('\n')[0] ?? String(error);
    for (const image of pending) {
      if (!removed.some((item) => item.id === image.id)) failed.push({ id: image.id, message });
    }
  }

  const removedOneByOne = removed.filter((item) => item.step === 'remove').reduce((sum, item) => sum + item.size, 0);
  return {
    dryRun: false,
    removed,
    skipped,
    failed,
    filtered: plan.filtered.length,
    bytesReclaimed: pruneReclaimed + removedOneByOne,
    prune: { ran: pruneRan, reclaimed: pruneReclaimed, ...(plan.prune.skippedBecause ? { skippedBecause: plan.prune.skippedBecause } : {}) },
    durationMs: performance.now() - started,
  };
}

/** One batched call; whatever its answer does not tell is asked again one image at a time. */
async function removeBatch(docker: DockerClient, ids: string[]): Promise<{ outcomes: Map<string, RemoveOutcome>; deleted: Set<string> }> {
  const batch = await removeImages(docker, ids);
  const answer = mapBatchAnswer(ids, batch);
  const outcomes = new Map(answer.outcomes);
  const deleted = parseDeletedIds(batch.stdout);
  for (const id of answer.unresolved) {
    const single = await removeImages(docker, [id]);
    for (const other of parseDeletedIds(single.stdout)) deleted.add(other);
    if (single.exitCode === 0) {
      outcomes.set(id, { kind: 'removed' });
    } else {
      const line = single.stderr.trim().split('\n').pop() ?? single.stderr;
      outcomes.set(id, outcomeOf(classifyRemoveFailure(line.replace(/^Error response from daemon:\s*/, ''))));
    }
  }
  return { outcomes, deleted };
}

function record(image: ImageInfo, outcome: RemoveOutcome, removed: RemovedImage[], skipped: SkippedImage[], failed: FailedImage[]): void {
  if (outcome.kind === 'removed') removed.push({ id: image.id, size: image.size, step: 'remove' });
  else if (outcome.kind === 'skipped')
    skipped.push({ id: image.id, reason: outcome.reason, containers: outcome.containers, size: image.size, message: outcome.message });
  else failed.push({ id: image.id, message: outcome.message });
}

function emptyResult(dryRun: boolean, started: number): CleanResult {
  return {
    dryRun,
    removed: [],
    skipped: [],
    failed: [],
    filtered: 0,
    bytesReclaimed: 0,
    prune: { ran: false, reclaimed: 0, skippedBecause: 'no dangling images' },
    durationMs: performance.now() - started,
  };
}

/**
 * The safe image cleaner, over the typed {@link Engine}:
 *   1. list every image and every container (in parallel) and plan (pure): the candidates are
 *      the dangling images (no tag, no child) and the leftovers of an earlier clean;
 *   2. give each image to remove a unique temporary reference (`docker-janitor-remove:<run>-<n>`);
 *   3. remove those references, never forced, children first. Docker deletes an image only when
 *      no other reference remains and no container uses it, checked inside the daemon at removal
 *      time: a tag, a digest or a container that appeared after the listing keeps the image;
 *   4. read every answer: what stayed is re-inspected and reported (`changed`, in use, children),
 *      an `Untagged:` of anything but our reference is a warning, never a plain removal.
 * Never the daemon's prune, never a removal by ID, never force. Listing failures throw (nothing
 * was done); failures once removal started become a partial result, never a crash.
 */
import type { Engine, FullImageId, ImageRef, ImageRemoval } from '../docker/engine.js';
import { DockerTimeoutError, DockerUnreachableError, isDockerError } from '../docker/errors.js';
import type { ContainerInfo, ImageInfo } from '../docker/types.js';
import { isRunning } from '../docker/types.js';
import type { ImageCleanOptions } from '../options/schema.js';
import { cleanupCandidates, planImageCleanup, realTags, type ImageScope } from './plan.js';
import type { CleanResult, ContainerRef, FailedImage, RemovedImage, SkippedImage } from './result.js';
import { isTemporaryReference, newRunId, temporaryTag } from './temporary.js';

export interface CleanContext {
  /** Milliseconds since the epoch; default `Date.now()`. */
  readonly now?: number;
  /** Which images may be touched at all; default every dangling image. */
  readonly scope?: ImageScope;
  /** Names this run's temporary references; default a random 12-hex ID. */
  readonly runId?: string;
  /** Parallel `tag` calls; default {@link TAG_CONCURRENCY}. */
  readonly tagConcurrency?: number;
  /**
   * Only these image IDs are candidates: the rest is neither touched nor counted (a second pass
   * over the images a session's containers used, see session/teardown.ts). Default: every one.
   */
  readonly only?: ReadonlySet<string>;
  /**
   * After removals failed, the waits (ms) before each attempt to re-read the engine; default
   * {@link REREAD_DELAYS_MS}. Empty: never re-read (every failure stays in doubt: `unknown`).
   */
  readonly rereadDelaysMs?: readonly number[];
}

/**
 * Tags in flight at once. The daemon writes its reference store once per tag; on an idle engine
 * 64 tags took 114 ms one at a time, 72 ms 8 at a time and 53 ms 32 at a time.
 */
export const TAG_CONCURRENCY = 16;

/** Re-read attempts after failed removals: at once, then after 0.5 s and 2 s (engine restarting). */
export const REREAD_DELAYS_MS: readonly number[] = [0, 500, 2_000];

export type CleanImagesOptions = Pick<ImageCleanOptions, 'dryRun' | 'olderThan' | 'labels' | 'excludeLabels' | 'removeDigested'>;

/** One image on its way out: the references removed for it (ours only). */
interface Pending {
  readonly image: ImageInfo;
  readonly refs: string[];
}

export async function cleanImages(engine: Engine, options: CleanImagesOptions, context: CleanContext = {}): Promise<CleanResult> {
  const started = performance.now();
  const now = context.now ?? Date.now();

  // One listing of every image gives the candidates (the dangling images and the temporary-tagged
  // leftovers of an earlier clean) and every image ID (to recognise the untagged parents Docker
  // deletes with a child, and the parents it must not: plan.ts keepParents).
  const [every, containers] = await Promise.all([engine.listImages({ all: true }), engine.listContainers()]);
  const { only } = context;
  const candidates = cleanupCandidates(every).filter((image) => !only || only.has(image.id));
  const plan = planImageCleanup({ images: candidates, containers, options, now, scope: context.scope, every });
  const skipped: SkippedImage[] = [...plan.skip];
  const prune = { ran: false, reclaimed: 0, skippedBecause: plan.prune.skippedBecause };

  if (options.dryRun) {
    return {
      dryRun: true,
      removed: plan.remove.map((image) => ({ id: image.id, size: image.size, step: 'remove' as const })),
      skipped,
      failed: [],
      filtered: plan.filtered.length,
      bytesReclaimed: 0,
      prune,
      warnings: [],
      durationMs: performance.now() - started,
    };
  }

  const allIds = new Set(every.map((image) => image.id));
  const planned = new Set(plan.remove.map((image) => image.id));
  const removed: RemovedImage[] = [];
  const failed: FailedImage[] = [];
  const unknown: FailedImage[] = [];
  /** Images whose removal Docker refused with an answer (see decideFailures). */
  const refused = new Set<string>();
  /** A removal got no answer in time: the engine is taken as frozen for the rest of the run. */
  let frozen = false;
  const warnings: string[] = [];
  let remaining: readonly ImageInfo[] = plan.remove;

  try {
    // 2. Temporary references (a leftover keeps the ones it has).
    const runId = context.runId ?? newRunId();
    const pending: Pending[] = [];
    let index = 0;
    const toTag: { image: ImageInfo; repo: string; tag: string; reference: string }[] = [];
    for (const image of plan.remove) {
      // A leftover keeps its temporary references. A digest-only image (planned only with
      // removeDigested) gets one too: removing it leaves the image with its digest, then the
      // last step below removes it by ID if it is still exactly what was listed.
      const refs = image.repoTags.filter(isTemporaryReference);
      if (refs.length > 0) pending.push({ image, refs });
      else toTag.push({ image, ...temporaryTag(runId, index++) });
    }
    // Another client removing the image at the same moment can make the daemon answer the tag
    // with a 500 ("unrecognized image ID", "failed to get digest"): if the image is gone, it is
    // gone, not a failure (and not a reason to stop the whole clean).
    const tagged = await inPool(toTag, context.tagConcurrency ?? TAG_CONCURRENCY, (item) =>
      engine.tagImage(item.image.id as FullImageId, item.repo, item.tag).catch(async (error: unknown) => {
        if (!isDockerError(error) || error instanceof DockerUnreachableError || error instanceof DockerTimeoutError) throw error;
        if ((await engine.inspectImage(item.image.id as FullImageId)) === undefined) return 'gone' as const;
        throw error;
      }),
    );
    toTag.forEach((item, position) => {
      if (tagged[position] === 'gone') skipped.push({ id: item.image.id, reason: 'gone', containers: [], size: item.image.size });
      else pending.push({ image: item.image, refs: [item.reference] });
    });
    const order = new Map(plan.remove.map((image, position) => [image.id, position]));
    pending.sort((a, b) => (order.get(a.image.id) ?? 0) - (order.get(b.image.id) ?? 0));
    remaining = pending.map((item) => item.image);

    // 3. Remove those references, never forced. Round k removes the k-th reference of each image
    //    (an image with several goes in order, never two of its references at once); within a
    //    round children come before parents.
    const owner = new Map<ImageRef, Pending>();
    const answers = new Map<ImageRef, ImageRemoval>();
    const rounds = Math.max(0, ...pending.map((item) => item.refs.length));
    for (let round = 0; round < rounds && !frozen; round++) {
      const refs: ImageRef[] = [];
      for (const item of pending) {
        const reference = item.refs[round];
        if (reference === undefined) continue;
        const ref: ImageRef = plan.keepParents.has(item.image.id) ? { reference, keepParents: true } : { reference };
        refs.push(ref);
        owner.set(ref, item);
      }
      for (const [ref, answer] of await engine.removeImages(refs)) {
        answers.set(ref, answer);
        // A removal with no answer in time: the engine is taken as frozen for the rest of the run
        // (no further round, no re-check, no re-read), each further call would wait its timeout.
        if (answer.kind === 'failed' && (answer.noAnswer || answer.notSent)) frozen = true;
      }
    }

    // 4. Read the answers.
    const deletedAnywhere = new Set<string>();
    const byImage = new Map<string, ImageRemoval[]>();
    for (const [ref, answer] of answers) {
      const item = owner.get(ref);
      if (!item) continue;
      const list = byImage.get(item.image.id) ?? [];
      list.push(answer);
      byImage.set(item.image.id, list);
      if (answer.kind === 'removed') for (const id of answer.deleted) deletedAnywhere.add(id);
      if (answer.kind === 'removed' || answer.kind === 'untagged') {
        const foreign = answer.untagged.filter((reference) => !item.refs.some((own) => sameReference(own, reference)));
        if (foreign.length > 0) {
          warnings.push(
            `Removing ${short(item.image.id)} through ${item.refs.join(', ')} also untagged ${foreign.join(', ')}: ` +
              'a reference was added while Docker removed the image (daemon-side race). Check that nothing needed it.',
          );
        }
      }
    }

    const recheck: Pending[] = [];
    for (const item of pending) {
      const list = byImage.get(item.image.id) ?? [];
      const { image } = item;
      if (list.some((answer) => answer.kind === 'removed' && answer.deleted.includes(image.id as FullImageId))) {
        removed.push({ id: image.id, size: image.size, step: 'remove' });
        continue;
      }
      const conflict = list.find((answer) => answer.kind === 'conflict');
      const failure = list.find((answer) => answer.kind === 'failed');
      const silent = list.find((answer) => answer.kind === 'failed' && answer.noAnswer);
      if (silent?.kind === 'failed') {
        unknown.push({ id: image.id, message: silent.message });
      } else if (conflict?.kind === 'conflict') {
        const reason = conflict.reason === 'multiple-repositories' ? 'changed' : conflict.reason;
        const keptRef = conflict.reason === 'has-children' ? undefined : item.refs[0];
        skipped.push({
          id: image.id,
          reason,
          containers: conflict.containers.map((id) => ({ id })),
          size: image.size,
          message: conflict.message,
          ...(keptRef ? { temporaryReference: keptRef } : {}),
        });
        if (keptRef) {
          warnings.push(
            `${short(image.id)} is in use since the listing: its temporary reference ${keptRef} stays until the container is gone; a later clean removes it (never forced).`,
          );
        }
      } else if (failure?.kind === 'failed') {
        failed.push({ id: image.id, message: failure.message });
        // Docker answered and refused: if the image is gone at the re-read, someone else removed it.
        if (!failure.notSent) refused.add(image.id);
      } else if (frozen) {
        // Only untagged so far, and the engine stopped answering before the rest: not checked.
        unknown.push({ id: image.id, message: 'not checked: Docker stopped answering before its removal finished' });
      } else if (list.length > 0 && list.every((answer) => answer.kind === 'gone')) {
        skipped.push({ id: image.id, reason: 'gone', containers: [], size: image.size });
      } else {
        // Only untagged (or an answer we did not get): the image may be gone with a child, or
        // kept because it changed. Ask the engine as it is now.
        recheck.push(item);
      }
    }

    if (recheck.length > 0) {
      const [now, users, images] = await Promise.all([
        Promise.all(recheck.map((item) => engine.inspectImage(item.image.id as FullImageId))),
        engine.listContainers(),
        engine.listImages({ all: true }),
      ]);
      const parents = new Set(images.map((image) => image.parent).filter((id): id is string => id !== undefined));
      const digestOnly: ImageInfo[] = [];
      recheck.forEach((item, position) => {
        const current = now[position];
        const { image } = item;
        if (!current) {
          const saidRemoved = (byImage.get(image.id) ?? []).some((answer) => answer.kind === 'removed');
          if (deletedAnywhere.has(image.id) || saidRemoved) removed.push({ id: image.id, size: image.size, step: 'remove' });
          else skipped.push({ id: image.id, reason: 'gone', containers: [], size: image.size });
          return;
        }
        if (image.repoDigests.length > 0 && current.repoTags.length === 0 && sameSet(current.repoDigests, image.repoDigests) && !users.some((c) => c.imageId === image.id)) {
          digestOnly.push(image);
          return;
        }
        skipped.push(changed(current, image, users, parents.has(image.id)));
      });

      // removeDigested: a digest-only image, unchanged a moment ago, by ID. Docker deletes it
      // only if its references are still one repository's digests (a tag or digest of another
      // repository since is a 409) and no container uses it.
      if (digestOnly.length > 0) {
        const refs = digestOnly.map((image): ImageRef => (plan.keepParents.has(image.id) ? { id: image.id as FullImageId, keepParents: true } : { id: image.id as FullImageId }));
        const byId = await engine.removeImages(refs);
        refs.forEach((ref, position) => {
          const image = digestOnly[position] as ImageInfo;
          const answer = byId.get(ref);
          if (answer?.kind === 'removed') {
            for (const id of answer.deleted) deletedAnywhere.add(id);
            const foreign = answer.untagged.filter((reference) => !image.repoDigests.some((digest) => sameReference(digest, reference)));
            if (foreign.length > 0) warnings.push(`Removing the digest-only image ${short(image.id)} also untagged ${foreign.join(', ')}: a reference was added while Docker removed it.`);
            removed.push({ id: image.id, size: image.size, step: 'remove' });
          } else if (answer?.kind === 'conflict') {
            skipped.push({
              id: image.id,
              reason: answer.reason === 'multiple-repositories' ? 'changed' : answer.reason,
              containers: answer.containers.map((id) => ({ id })),
              size: image.size,
              message: answer.message,
            });
          } else if (answer?.kind === 'gone') {
            skipped.push({ id: image.id, reason: 'gone', containers: [], size: image.size });
          } else {
            failed.push({ id: image.id, message: answer?.kind === 'failed' ? answer.message : 'Docker only untagged it' });
          }
        });
      }
    }

    for (const id of deletedAnywhere) {
      if (allIds.has(id) && !planned.has(id) && !removed.some((item) => item.id === id)) {
        removed.push({ id, size: 0, step: 'remove', withChild: true });
      }
    }
    remaining = [];

    // The daemon's own window: a container created from an image in the instant Docker deleted
    // it (no lock between the two on 20.10). No client prevents it; the cleaner says so.
    if (deletedAnywhere.size > 0 && !frozen) {
      for (const container of await engine.listContainers()) {
        if (deletedAnywhere.has(container.imageId)) {
          warnings.push(
            `Container ${container.id.slice(0, 12)} (${container.name}) was created from ${short(container.imageId)} while Docker deleted that image ` +
              "(the daemon's create/delete window): it keeps its layers, but the image record is gone.",
          );
        }
      }
    }
  } catch (error) {
    if (!isDockerError(error)) throw error;
    // The engine went away or a call hung: what was not answered is in doubt, settled below.
    const message = error.message.split('\n')[0] ?? String(error);
    const known = new Set([...removed, ...skipped, ...failed, ...unknown].map((item) => item.id));
    // A timeout: the engine is taken as frozen (no re-read, it would wait one more timeout), and
    // what was in flight may still happen.
    if (error instanceof DockerTimeoutError) frozen = true;
    for (const image of remaining) {
      if (known.has(image.id)) continue;
      if (frozen) unknown.push({ id: image.id, message: `no answer in time: it may still happen (${message})` });
      else failed.push({ id: image.id, message });
    }
  }

  // A failure may be the engine going away mid-removal: its answer (or its silence) does not say
  // whether the image went. Re-read the engine once it answers, so removed/failed are the truth.
  // Not when the engine gave no answer in time: the re-read would wait one more timeout.
  const settled =
    failed.length > 0 && !frozen ? await settleFailures(engine, failed, plan.remove, context.rereadDelaysMs ?? REREAD_DELAYS_MS, refused) : undefined;
  if (settled) {
    failed.splice(0, failed.length, ...settled.failed);
    removed.push(...settled.removed);
    skipped.push(...settled.gone);
    unknown.push(...settled.unknown);
  }

  const bytes = removed.reduce((sum, item) => sum + item.size, 0);
  return {
    dryRun: false,
    removed,
    skipped,
    failed,
    ...(unknown.length > 0 ? { unknown } : {}),
    filtered: plan.filtered.length,
    bytesReclaimed: bytes,
    prune,
    warnings,
    durationMs: performance.now() - started,
  };
}

/** What the re-read made of the failed removals. */
interface Settled {
  readonly removed: RemovedImage[];
  readonly failed: FailedImage[];
  readonly unknown: FailedImage[];
  /** Refused by Docker (an answer, e.g. a 500 racing another client's rmi) and gone now: not ours. */
  readonly gone: SkippedImage[];
}

/**
 * Failed removals, checked against the engine as it is now: an image no longer listed was removed
 * (the engine did it before it stopped answering), one still listed failed (its message kept). If
 * the engine does not answer any attempt, nothing is known: every failure becomes `unknown`, never
 * a failure that claims the image is still there. A timeout is not retried (it already waited).
 */
async function settleFailures(
  engine: Engine,
  failures: readonly FailedImage[],
  planned: readonly ImageInfo[],
  delays: readonly number[],
  refused: ReadonlySet<string>,
): Promise<Settled> {
  let listed: ImageInfo[] | undefined;
  for (const delay of delays) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      listed = await engine.listImages({ all: true });
      break;
    } catch (error) {
      if (!isDockerError(error)) throw error;
      if (error instanceof DockerTimeoutError) break;
    }
  }
  if (!listed) {
    return {
      removed: [],
      failed: [],
      gone: [],
      unknown: failures.map((item) => ({ id: item.id, message: `not known whether it was removed: ${item.message}` })),
    };
  }
  return decideFailures(failures, planned, new Set(listed.map((image) => image.id)), refused);
}

/**
 * Pure: failed removals against the image IDs the engine lists now. `refused`: the images whose
 * removal Docker answered with a refusal (not a lost connection): gone now, another client
 * removed them (a skipped `gone`, neither removed by us nor failed).
 */
export function decideFailures(
  failures: readonly FailedImage[],
  planned: readonly ImageInfo[],
  present: ReadonlySet<string>,
  refused: ReadonlySet<string> = new Set(),
): Settled {
  const sizes = new Map(planned.map((image) => [image.id, image.size]));
  const settled: Settled = { removed: [], failed: [], unknown: [], gone: [] };
  for (const item of failures) {
    if (present.has(item.id)) settled.failed.push(item);
    else if (refused.has(item.id)) settled.gone.push({ id: item.id, reason: 'gone', containers: [], size: sizes.get(item.id) ?? 0, message: item.message });
    else settled.removed.push({ id: item.id, size: sizes.get(item.id) ?? 0, step: 'remove' });
  }
  return settled;
}

/** Why an image Docker kept after its temporary reference went is still there. */
function changed(current: ImageInfo, listed: ImageInfo, containers: readonly ContainerInfo[], hasChildren: boolean): SkippedImage {
  const users = containers.filter((container) => container.imageId === current.id);
  const tags = realTags(current);
  const temporary = current.repoTags.filter(isTemporaryReference);
  const what: string[] = [];
  if (tags.length > 0) what.push(`tagged ${tags.join(', ')}`);
  const newDigests = current.repoDigests.filter((digest) => !listed.repoDigests.includes(digest));
  if (newDigests.length > 0) what.push(`got the digest reference ${newDigests.join(', ')}`);
  if (users.length > 0) what.push(`used by ${users.some(isRunning) ? 'a running' : 'a'} container`);
  if (hasChildren) what.push('an image was built on it');
  const onlyUsers = tags.length === 0 && newDigests.length === 0;
  const reason =
    users.length > 0 && onlyUsers ? (users.some(isRunning) ? 'in-use-running' : 'in-use-stopped') : hasChildren && onlyUsers ? 'has-children' : 'changed';
  return {
    id: current.id,
    reason,
    containers: users.map((container): ContainerRef => ({ id: container.id, name: container.name, state: container.state })),
    size: listed.size,
    message: what.length > 0 ? `changed after the listing: ${what.join('; ')}` : 'Docker kept it when its temporary reference was removed',
    ...(temporary[0] ? { temporaryReference: temporary[0] } : {}),
  };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

/** Docker answers familiar names: `docker-janitor-remove:x` for `docker.io/library/docker-janitor-remove:x`. */
function sameReference(a: string, b: string): boolean {
  const familiar = (reference: string) => reference.replace(/^(docker\.io\/)?(library\/)?/, '');
  return familiar(a) === familiar(b);
}

/**
 * `run` over every item, at most `limit` at a time (a new one starts as soon as one ends); results
 * in order. After the first failure no new item starts, and the failure is thrown.
 */
async function inPool<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await run(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

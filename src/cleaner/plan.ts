/**
 * The pure heart of the cleaner: from what the engine holds, decide what may go. No I/O.
 * Removal itself never forces; Docker's conflict answer remains the last guard.
 */
import type { ContainerInfo, ImageInfo } from '../docker/types.js';
import { isRunning } from '../docker/types.js';
import { matchesLabel, matchesLabelFilters } from '../options/labels.js';
import type { ContainerRef, SkippedImage } from './result.js';

export interface PlanOptions {
  /** Seconds: only images created more than this long ago. */
  readonly olderThan?: number | undefined;
  readonly labels: readonly string[];
  readonly excludeLabels: readonly string[];
  readonly removeDigested: boolean;
}

export interface PlanInput {
  /** Inspected dangling images. */
  readonly images: readonly ImageInfo[];
  /** Every container on the engine, any state. */
  readonly containers: readonly ContainerInfo[];
  readonly options: PlanOptions;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** When set, only these image IDs are in scope (e.g. the images a test run left dangling). */
  readonly scope?: ReadonlySet<string> | undefined;
}

export interface ImagePlan {
  /** Images to remove, children before parents. */
  readonly remove: readonly ImageInfo[];
  readonly skip: readonly SkippedImage[];
  /** Dangling images outside the filters or the scope: left alone, not reported one by one. */
  readonly filtered: readonly ImageInfo[];
  /**
   * Whether the server-side prune may run. It removes every unused dangling image matching the
   * filters, so it only runs when that set is exactly `remove`.
   */
  readonly prune: { readonly run: boolean; readonly skippedBecause?: string };
}

export function planImageCleanup(input: PlanInput): ImagePlan {
  const { options } = input;
  const usedBy = new Map<string, ContainerInfo[]>();
  for (const container of input.containers) {
    const list = usedBy.get(container.imageId) ?? [];
    list.push(container);
    usedBy.set(container.imageId, list);
  }

  const remove: ImageInfo[] = [];
  const skip: SkippedImage[] = [];
  const filtered: ImageInfo[] = [];
  let digestedInFilter = false;

  for (const image of input.images) {
    const inFilter = matchesFilters(image, options, input.now);
    if (!inFilter || (input.scope && !input.scope.has(image.id))) {
      filtered.push(image);
      continue;
    }
    const users = usedBy.get(image.id) ?? [];
    const digestOnly = image.repoTags.length === 0 && image.repoDigests.length > 0;
    // Prune never touches an image in use, so only unused digest-only images make it unsafe.
    if (digestOnly && users.length === 0) digestedInFilter = true;
    if (users.length > 0) {
      skip.push({
        id: image.id,
        reason: users.some(isRunning) ? 'in-use-running' : 'in-use-stopped',
        containers: users.map(toRef),
        size: image.size,
      });
    } else if (image.repoTags.length > 0) {
      skip.push({ id: image.id, reason: 'tagged', containers: [], size: image.size });
    } else if (digestOnly && !options.removeDigested) {
      skip.push({ id: image.id, reason: 'digested', containers: [], size: image.size });
    } else {
      remove.push(image);
    }
  }

  const prune =
    remove.length === 0
      ? { run: false, skippedBecause: 'nothing to remove' }
      : input.scope
        ? { run: false, skippedBecause: 'scope limits removal to some images' }
        : digestedInFilter && !options.removeDigested
          ? { run: false, skippedBecause: 'digest-only images are present and prune would remove them' }
          : options.excludeLabels.length > 1
            ? // Docker's prune spares an image only when it matches every `label!=` filter.
              { run: false, skippedBecause: 'several exclude-label filters: prune would only spare images matching all of them' }
            : { run: true };

  return { remove: childrenFirst(remove), skip, filtered, prune };
}

/** Docker's prune semantics for `until`, `label=` and `label!=`, applied to one image. */
export function matchesFilters(image: ImageInfo, options: PlanOptions, now: number): boolean {
  if (options.olderThan !== undefined && !(image.created < now - options.olderThan * 1000)) return false;
  if (!matchesLabelFilters(image.labels, options.labels)) return false;
  return !options.excludeLabels.some((filter) => matchesLabel(image.labels, filter));
}

/** Order so that an image comes before any image it is built on (its parent chain). */
export function childrenFirst(images: readonly ImageInfo[]): ImageInfo[] {
  const byId = new Map(images.map((image) => [image.id, image]));
  const depth = new Map<string, number>();
  const depthOf = (image: ImageInfo, seen: Set<string>): number => {
    const known = depth.get(image.id);
    if (known !== undefined) return known;
    const parent = image.parent ? byId.get(image.parent) : undefined;
    const value = parent && !seen.has(parent.id) ? depthOf(parent, seen.add(image.id)) + 1 : 0;
    depth.set(image.id, value);
    return value;
  };
  for (const image of images) depthOf(image, new Set());
  return [...images].sort((a, b) => (depth.get(b.id) ?? 0) - (depth.get(a.id) ?? 0));
}

function toRef(container: ContainerInfo): ContainerRef {
  return { id: container.id, name: container.name, state: container.state };
}

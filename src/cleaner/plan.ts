/**
 * The pure heart of the cleaner: from what the engine holds, decide what may go. No I/O.
 * Removal itself never forces and goes through a temporary reference (see `temporary.ts`), so
 * Docker's own checks at removal time remain the last guard against what changed since.
 */
import type { ContainerInfo, ImageInfo } from '../docker/types.js';
import { isRunning } from '../docker/types.js';
import { matchesLabel, matchesLabelFilters } from '../docker/labels.js';
import type { ContainerRef, SkippedImage } from './result.js';
import { isTemporaryReference, onlyTemporaryTags } from './temporary.js';

export interface PlanOptions {
  /** Seconds: only images created more than this long ago. */
  readonly olderThan?: number | undefined;
  readonly labels: readonly string[];
  readonly excludeLabels: readonly string[];
  readonly removeDigested: boolean;
}

/**
 * Which dangling images the cleaner may touch at all.
 *  - `all`: every dangling image on the engine (the CLI's `clean`; `images: 'all'`).
 *  - `ids`: exactly these image IDs.
 *  - `session`: decided from what the session recorded at setup (`before`: every image ID then,
 *    tagged ones too) and its label: `before-and-own` takes the images that existed before the
 *    session plus the session's own (never an image another process made during the run);
 *    `own` (`images: 'session'`) takes only the session's own: made through its socket and
 *    recorded, or labelled with its ID.
 * Images whose only tags are temporary references (a removal left unfinished) are always in scope.
 */
export type ImageScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'ids'; readonly ids: ReadonlySet<string> }
  | {
      readonly kind: 'session';
      /**
       * `before-and-own`: the images that existed at setup and the session's own; `own`: only
       * the session's own (made through its socket, or labelled with it).
       */
      readonly mode: 'before-and-own' | 'own';
      /** Every image ID at setup; undefined when setup could not list them (then only labelled images). */
      readonly before: ReadonlySet<string> | undefined;
      /** `[key, value]` of the session label. */
      readonly label: readonly [string, string];
      /**
       * Images made through the session socket: `session` is the label key naming the session
       * that made an image, `made` the IDs the session recorded from the engine's answers (and
       * the intermediate images a build made on its way, socket/made-image.ts `newAncestors`).
       * An image with that label but not recorded was made FROM one of them outside the socket
       * (dockerd copies labels into child images): never the session's.
       */
      readonly build?: { readonly session: string; readonly made: ReadonlySet<string> };
      /**
       * False when the session had a socket: the socket sets the session label empty on every
       * image it makes, so an image carrying `label` was made outside it, committed from one of
       * the run's containers (dockerd copies a container's labels into its commit) or built FROM
       * such an image, by whoever did that (attack/108: another terminal's untagged commit was
       * removed). Such an image is then nobody's. Default true: the label makes an image the run's.
       */
      readonly labelOwns?: boolean;
    };

export interface PlanInput {
  /**
   * The candidates: the dangling images, and the images whose only tags are temporary
   * references. Temporary tags count as no tag.
   */
  readonly images: readonly ImageInfo[];
  /** Every container on the engine, any state. */
  readonly containers: readonly ContainerInfo[];
  readonly options: PlanOptions;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Default `{ kind: 'all' }`. */
  readonly scope?: ImageScope | undefined;
  /**
   * Every image on the engine (`docker images --all`), for the untagged parents Docker deletes
   * with an image ({@link ImagePlan.keepParents}); without it, none is kept.
   */
  readonly every?: readonly ImageInfo[];
}

export interface ImagePlan {
  /** Images to remove, children before parents. */
  readonly remove: readonly ImageInfo[];
  readonly skip: readonly SkippedImage[];
  /** Dangling images outside the filters or the scope: left alone, not reported one by one. */
  readonly filtered: readonly ImageInfo[];
  /**
   * Images in `remove` to remove with their untagged parents kept (`noprune`): Docker would
   * delete an untagged parent with its last child, and one of those parents is outside the
   * scope. A legacy build through the session socket reuses cached steps, which may be another
   * process's untagged image made during the run: the session's image is then its child.
   */
  readonly keepParents: ReadonlySet<string>;
  /**
   * The daemon's prune is never planned: on Engine 20.10 it deletes digest-only images, skips its
   * label check for images without a Config, and takes dangling images made after the listing by
   * other processes (docs/safety.md). Kept in the plan so the result can say why.
   */
  readonly prune: { readonly run: false; readonly skippedBecause: string };
}

export const PRUNE_NOT_USED = "not used: the daemon's prune is not exact (see docs/safety.md)";

/**
 * The cleaner's candidates, from one listing of every image (`docker images --all`): the dangling
 * images, and the images whose only tags are temporary references. Pure.
 *
 * Dangling is Docker's own filter (`dangling=true`, moby `daemon/images/images.go`): an image with
 * no tag and no child image (`imageStore.Heads()`); an untagged image with children is an
 * intermediate, not dangling. A digest-only image is dangling on Engine 20.10 (the planner keeps
 * it unless `removeDigested`). An ID listed more than once (the containerd store lists one entry
 * per name) counts once, with the tags and digests of all its entries.
 */
export function cleanupCandidates(every: readonly ImageInfo[]): ImageInfo[] {
  const byId = imagesById(every);
  const parents = new Set<string>();
  for (const image of byId.values()) if (image.parent) parents.add(image.parent);
  return [...byId.values()].filter((image) => (image.repoTags.length === 0 && !parents.has(image.id)) || onlyTemporaryTags(image.repoTags));
}

/** One entry per image ID, with the tags and digests of all its entries. */
function imagesById(every: readonly ImageInfo[]): Map<string, ImageInfo> {
  const byId = new Map<string, ImageInfo>();
  for (const image of every) {
    const known = byId.get(image.id);
    byId.set(
      image.id,
      known
        ? { ...known, repoTags: union(known.repoTags, image.repoTags), repoDigests: union(known.repoDigests, image.repoDigests), parent: known.parent ?? image.parent }
        : image,
    );
  }
  return byId;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/**
 * Whose image it is: this session's, another session's, or nobody's. An image made through a
 * session socket carries its build label (an empty session label on it is the socket's, not an
 * owner), and is this session's only when the session recorded it from the engine's answer: one
 * that inherited the label (made FROM it, or committed from a container of it, outside the
 * socket) belongs to whoever made it. Pure.
 */
function ownerOf(image: ImageInfo, scope: Extract<ImageScope, { kind: 'session' }>): 'own' | 'other' | 'none' {
  const [key, value] = scope.label;
  const { labels } = image;
  if (scope.build && Object.hasOwn(labels, scope.build.session) && labels[scope.build.session] !== '') {
    return labels[scope.build.session] === value && scope.build.made.has(image.id) ? 'own' : 'other';
  }
  if (Object.hasOwn(labels, key) && labels[key] !== '') {
    if (labels[key] !== value) return 'other';
    return scope.labelOwns === false ? 'none' : 'own';
  }
  return 'none';
}

/** Whether the scope lets the cleaner touch `image`. Pure. */
export function inScope(image: ImageInfo, scope: ImageScope | undefined): boolean {
  if (!scope || scope.kind === 'all' || onlyTemporaryTags(image.repoTags)) return true;
  if (scope.kind === 'ids') return scope.ids.has(image.id);
  const owner = ownerOf(image, scope);
  if (owner === 'own') return true;
  if (scope.mode === 'own') return false;
  // Another session's image (built through its socket, or with its labels) that existed at
  // setup: that run may still be going and use it between its tests (concurrent runs never
  // lose each other's images); likewise an image someone made FROM one of this session's.
  if (owner === 'other') return false;
  return scope.before?.has(image.id) === true;
}

/** Tags a user gave (every tag but our temporary references). */
export function realTags(image: Pick<ImageInfo, 'repoTags'>): string[] {
  return image.repoTags.filter((tag) => !isTemporaryReference(tag));
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
  const seen = new Set<string>();

  for (const image of input.images) {
    if (seen.has(image.id)) continue;
    seen.add(image.id);
    const inFilter = matchesFilters(image, options, input.now);
    if (!inFilter || !inScope(image, input.scope)) {
      filtered.push(image);
      continue;
    }
    const users = usedBy.get(image.id) ?? [];
    const tags = realTags(image);
    const digestOnly = tags.length === 0 && image.repoDigests.length > 0;
    if (users.length > 0) {
      skip.push({
        id: image.id,
        reason: users.some(isRunning) ? 'in-use-running' : 'in-use-stopped',
        containers: users.map(toRef),
        size: image.size,
      });
    } else if (tags.length > 0) {
      skip.push({ id: image.id, reason: 'tagged', containers: [], size: image.size });
    } else if (digestOnly && !options.removeDigested) {
      skip.push({ id: image.id, reason: 'digested', containers: [], size: image.size });
    } else {
      remove.push(image);
    }
  }

  return {
    remove: childrenFirst(remove),
    skip,
    filtered,
    keepParents: parentsToKeep(remove, input.every, input.containers, input.scope),
    prune: { run: false, skippedBecause: remove.length === 0 ? 'nothing to remove' : PRUNE_NOT_USED },
  };
}

/**
 * Which of `remove` must go with `noprune`. Docker (moby `imageDeleteHelper`) deletes an image's
 * parent with it when the parent has no tag, no digest, no container and no other child, and so
 * on up the chain. Within a session scope, every such parent must be one the scope would take
 * itself, or one the session's socket recorded as made by its build; else the image goes alone
 * (its own parents made by the build then stay too, dangling: less cleaned, nothing lost). Pure.
 */
function parentsToKeep(remove: readonly ImageInfo[], every: readonly ImageInfo[] | undefined, containers: readonly ContainerInfo[], scope: ImageScope | undefined): Set<string> {
  const keep = new Set<string>();
  if (!every || !scope || scope.kind !== 'session') return keep;
  const byId = imagesById(every);
  const children = new Map<string, string[]>();
  for (const image of byId.values()) {
    if (!image.parent) continue;
    const siblings = children.get(image.parent);
    if (siblings) siblings.push(image.id);
    else children.set(image.parent, [image.id]);
  }
  const used = new Set(containers.map((container) => container.imageId));
  const going = new Set(remove.map((image) => image.id));
  const allowed = (image: ImageInfo) => inScope(image, scope) || scope.build?.made.has(image.id) === true;
  for (const image of remove) {
    let child = image.id;
    const seen = new Set<string>([child]);
    for (let parent = image.parent ? byId.get(image.parent) : undefined; parent && !seen.has(parent.id); parent = parent.parent ? byId.get(parent.parent) : undefined) {
      // Docker stops at a parent that is named, used or has another child (one also going counts as gone).
      if (parent.repoTags.length > 0 || parent.repoDigests.length > 0 || used.has(parent.id)) break;
      if ((children.get(parent.id) ?? []).some((id) => id !== child && !going.has(id))) break;
      if (!allowed(parent)) {
        keep.add(image.id);
        break;
      }
      seen.add(parent.id);
      child = parent.id;
    }
  }
  return keep;
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

/**
 * The typed engine interface: everything docker-janitor asks of a Docker (or Podman) engine.
 * Nothing above `src/docker/` sees CLI arguments, CLI text or HTTP: the cleaner, the session,
 * the sweep and the watchdog take an `Engine` and get typed answers and typed outcomes.
 *
 * Two implementations: `api` (the Engine API over a unix socket, or TCP with TLS) and `cli`
 * (the docker CLI through execa, for endpoints only the CLI reaches). Tests of the orchestration
 * use a fake that implements this interface.
 *
 * Safety lives in the types:
 *  - image removal takes an {@link ImageRef} (a full `sha256:` ID or a reference the cleaner
 *    created itself) and has no way to force: no parameter, no option, at any transport;
 *  - an expected state (in use, gone, has children) is an outcome, never an exception. Only "the
 *    engine could not be asked at all" throws (see `errors.ts`).
 */
import type { ContainerInfo, ImageInfo } from './types.js';

export type Transport = 'api' | 'cli';

/** A full image ID, `sha256:` and 64 hex digits. */
export type FullImageId = `sha256:${string}`;

/**
 * What an image removal may name: a full ID, or a `repo:tag` reference. Removing a *reference*
 * deletes the image only when no other reference remains (Docker's own rule), which closes the
 * race with a tag or digest added after the listing. Never a short ID, never a user's name.
 */
export type ImageRef = ({ readonly id: FullImageId } | { readonly reference: string }) & {
  /**
   * Keep the untagged parents (`noprune`): by default Docker deletes an image's untagged parents
   * with it, when nothing else uses or names them, and one of them may not be the cleaner's to
   * remove (plan.ts `keepParents`).
   */
  readonly keepParents?: boolean;
};

/** Docker label filters: `KEY` (present) or `KEY=VALUE` (equal); all must match. */
export type LabelFilters = readonly string[];

export interface ImageQuery {
  /** Only dangling images (no tag). On Engine 20.10 this includes digest-only images. */
  readonly dangling?: boolean;
  /** Intermediate images too (`docker images --all`). */
  readonly all?: boolean;
  readonly labels?: LabelFilters;
}

export interface ContainerQuery {
  readonly labels?: LabelFilters;
}

/** The answer of one image removal, without force. */
export type ImageRemoval =
  /** The image is gone. `deleted`: the image IDs deleted (with untagged parents); `untagged`: references removed. */
  | { readonly kind: 'removed'; readonly deleted: readonly FullImageId[]; readonly untagged: readonly string[] }
  /**
   * Only references were removed; the image stays (another reference remains, it has children,
   * or a container started using it after the reference check).
   */
  | { readonly kind: 'untagged'; readonly untagged: readonly string[] }
  /** Docker's conflict answer (409): left alone. */
  | {
      readonly kind: 'conflict';
      readonly reason: ConflictReason;
      /** Container IDs (full or the 12-hex prefix Docker names), when the answer names them. */
      readonly containers: readonly string[];
      readonly message: string;
    }
  /** Not there any more (404). */
  | { readonly kind: 'gone'; readonly message: string }
  /**
   * Anything else: a 500, a refusal we do not know. `noAnswer`: the request was sent and timed
   * out, so the daemon may still carry it out; `notSent`: never sent (an earlier request of the
   * same call timed out, so the engine is taken as frozen).
   */
  | { readonly kind: 'failed'; readonly message: string; readonly noAnswer?: true; readonly notSent?: true };

export type ConflictReason = 'in-use-running' | 'in-use-stopped' | 'in-use' | 'has-children' | 'multiple-repositories';

/** The answer of removing or stopping a container, network or volume. */
export type ObjectRemoval =
  | { readonly kind: 'removed' }
  | { readonly kind: 'gone' }
  /** `noAnswer` and `notSent` as for {@link ImageRemoval}. */
  | { readonly kind: 'failed'; readonly message: string; readonly noAnswer?: true; readonly notSent?: true };

export type ObjectKind = 'container' | 'network' | 'volume';

export interface CreateEvent {
  /** Full container ID. */
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Nanoseconds since the epoch. */
  readonly timeNano?: bigint | undefined;
}

export interface PruneAnswer {
  /** Image IDs (and layer IDs, on some engines) the daemon deleted. */
  readonly deleted: ReadonlySet<string>;
  readonly untagged: readonly string[];
  readonly reclaimed: number;
}

export interface Subscription {
  stop(): void;
  /** Settles when the stream ended (stopped, or the engine went away). */
  readonly done: Promise<void>;
}

export interface Engine {
  /** Where it talks to, for messages: `unix:///var/run/docker.sock`, `tcp://…`, `docker context "x"`. */
  readonly endpoint: string;
  readonly transport: Transport;
  /** Timeout of one call, in milliseconds. */
  readonly timeoutMs: number;

  /** The cheapest "is it there" (`GET /_ping`). Throws a DockerError when it is not. */
  ping(): Promise<void>;

  /** Images with ID, parent, tags, digests, created, size and labels. */
  listImages(query?: ImageQuery): Promise<ImageInfo[]>;
  /** One image as it is now, or undefined when it is gone. The re-check before a removal. */
  inspectImage(id: FullImageId): Promise<ImageInfo | undefined>;
  /** Every container (running, stopped, created), with the full ID of its image. */
  listContainers(query?: ContainerQuery): Promise<ContainerInfo[]>;
  /** Full IDs of networks carrying the labels. */
  listNetworks(labels: LabelFilters): Promise<string[]>;
  /** Names of volumes carrying the labels. */
  listVolumes(labels: LabelFilters): Promise<string[]>;
  /**
   * The values of label `key` on every container, network and volume that carries it: which
   * sessions still have objects on this engine, in one round of listings.
   */
  labelValues(key: string): Promise<Set<string>>;
  /**
   * Which of `ids` (full IDs, prefixes or names) name an object of `kind`: input → its full ID
   * (containers, networks) or name (volumes). Absent from the map: not of that kind, or gone.
   */
  resolve(kind: ObjectKind, ids: readonly string[]): Promise<Map<string, string>>;

  /** `docker tag`: `repo:tag` now names the image. 'gone' when the image no longer exists. */
  tagImage(id: FullImageId, repo: string, tag: string): Promise<'tagged' | 'gone'>;
  /**
   * Remove images without force, one answer per ref (the map's keys are the refs given, in
   * order). Implementations may run removals in parallel or batch them; the daemon checks each.
   * There is no force: not a parameter, not an option.
   */
  removeImages(refs: readonly ImageRef[]): Promise<Map<ImageRef, ImageRemoval>>;
  /** Server-side prune of dangling images with Docker prune filters (`until=…`, `label=…`, `label!=…`). */
  pruneDanglingImages(filters: readonly string[]): Promise<PruneAnswer>;

  /**
   * Remove containers with their anonymous volumes. `stopTimeoutSeconds` 0: kill and remove at
   * once; otherwise stop with that grace period first.
   */
  removeContainers(ids: readonly string[], options: { readonly stopTimeoutSeconds: number }): Promise<Map<string, ObjectRemoval>>;
  /** Stop (keep) containers, for keepOnFailure. */
  stopContainers(ids: readonly string[], options: { readonly stopTimeoutSeconds: number }): Promise<Map<string, ObjectRemoval>>;
  removeNetworks(ids: readonly string[]): Promise<Map<string, ObjectRemoval>>;
  removeVolumes(names: readonly string[]): Promise<Map<string, ObjectRemoval>>;

  /** Container create events in a closed window (ms since the epoch): a bounded replay. */
  containerCreateEvents(window: { readonly sinceMs: number; readonly untilMs: number }): Promise<CreateEvent[]>;
  /** Follow container create events from `sinceMs` on, until stopped. */
  watchContainerCreates(sinceMs: number, onEvent: (event: CreateEvent) => void): Subscription;

  /**
   * The same engine for one teardown, clean or sweep: its connections (and the API version
   * negotiated) are shared, its circuit breaker is its own. A call that got no answer in time
   * fails the rest of what the scope sends at once (DockerNotSentError), and nothing of the
   * engine's or another scope's: a timeout at setup, or in one watch-mode rerun, must not fail
   * the next cleanup unasked. Closing a scope ends only what it started (its follows).
   */
  scope(): Engine;

  /** Release kept-alive connections so the process can exit (and end every follow, its scopes' too). */
  close(): void;
}

/**
 * An in-memory {@link Engine} with Docker's image removal semantics (Engine 20.10's
 * `daemon/images/image_delete.go`, the legacy image store), for unit tests of the orchestration:
 * no daemon, no root.
 *
 *  - by ID: an image with one tag (or digests of one repository) is untagged and deleted; with
 *    several repositories it is a 409 "referenced in multiple repositories";
 *  - by reference: a 409 when it is the only reference and any container uses the image; else
 *    the reference goes, and the image is deleted only when no reference remains, quietly kept
 *    when a container or a child appeared;
 *  - running containers and children are hard conflicts, stopped containers soft;
 *  - untagged parents are deleted with their last child, quietly (not with `keepParents`, noprune);
 *  - `dangling` listings include digest-only images (20.10) and hide untagged images with children.
 *
 * Hooks inject what another process would do between two calls (`beforeCall`) or inside the
 * daemon between its check and its delete (`insideRemoval`).
 */
import type {
  ContainerQuery,
  CreateEvent,
  Engine,
  FullImageId,
  ImageQuery,
  ImageRef,
  ImageRemoval,
  ObjectKind,
  ObjectRemoval,
  PruneAnswer,
  Subscription,
} from '../../src/docker/engine.js';
import type { ContainerInfo, ImageInfo } from '../../src/docker/types.js';

export interface FakeImage {
  id: FullImageId;
  parent: FullImageId | undefined;
  created: number;
  size: number;
  labels: Record<string, string>;
  /** `repo:tag` and `repo@sha256:…`, as Docker's reference store holds them. */
  refs: string[];
}

export interface FakeContainer {
  id: string;
  name: string;
  imageId: FullImageId;
  state: 'running' | 'exited' | 'created';
  labels?: Record<string, string>;
  /** Milliseconds since the epoch, for the create-event replay. */
  createdAt?: number;
}

/** A network or a volume: its labels, and (volumes) the containers that mount it. */
export interface FakeObject {
  labels: Record<string, string>;
  usedBy?: string[];
}

export type EngineCall = { readonly method: string; readonly args: readonly unknown[] };

export interface FakeEngineHooks {
  /** Before each call is served: what another process does "meanwhile". */
  beforeCall?: (call: EngineCall, engine: FakeEngine) => void | Promise<void>;
  /** Inside one removal, after the daemon's reference check and before its delete (the daemon-side window). */
  insideRemoval?: (id: FullImageId, engine: FakeEngine) => void;
}

let counter = 0;
const hex = (n: number, width = 64) => n.toString(16).padStart(width, '0');

export class FakeEngine implements Engine {
  readonly endpoint = 'fake://engine';
  readonly transport = 'api' as const;
  readonly timeoutMs = 1000;
  readonly images = new Map<FullImageId, FakeImage>();
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, FakeObject>();
  readonly volumes = new Map<string, FakeObject>();
  readonly calls: EngineCall[] = [];
  hooks: FakeEngineHooks = {};
  /** When set, every call throws this (the engine went away). */
  down: Error | undefined;

  // ---- what users and other processes do -----------------------------------------------

  addImage(options: { parent?: FullImageId; tags?: string[]; digests?: string[]; labels?: Record<string, string>; created?: number; size?: number } = {}): FullImageId {
    counter += 1;
    const id = `sha256:${hex(counter)}` as FullImageId;
    this.images.set(id, {
      id,
      parent: options.parent,
      created: options.created ?? Date.now() - 3_600_000,
      size: options.size ?? 1000,
      labels: options.labels ?? {},
      refs: [],
    });
    for (const tag of options.tags ?? []) this.tag(tag, id);
    for (const digest of options.digests ?? []) this.image(id).refs.push(digest);
    return id;
  }

  /** `docker tag`: moves the reference if another image had it. */
  tag(reference: string, id: FullImageId): void {
    for (const image of this.images.values()) image.refs = image.refs.filter((ref) => ref !== reference);
    this.image(id).refs.push(reference);
  }

  /** A pull by digest of an image already present: it gains `repo@sha256:…`. */
  pullByDigest(id: FullImageId, repo = 'localhost:5000/pulled'): string {
    counter += 1;
    const reference = `${repo}@sha256:${hex(counter)}`;
    this.image(id).refs.push(reference);
    return reference;
  }

  /** Untag by reference as a user would (no checks). */
  untag(reference: string): void {
    for (const image of this.images.values()) image.refs = image.refs.filter((ref) => ref !== reference);
  }

  addContainer(imageId: FullImageId, state: FakeContainer['state'] = 'running', labels: Record<string, string> = {}): string {
    counter += 1;
    const id = hex(counter);
    this.containers.set(id, { id, name: `c${counter}`, imageId, state, labels, createdAt: Date.now() });
    return id;
  }

  addNetwork(labels: Record<string, string> = {}): string {
    counter += 1;
    const id = hex(counter);
    this.networks.set(id, { labels });
    return id;
  }

  addVolume(name: string, labels: Record<string, string> = {}, usedBy: string[] = []): string {
    this.volumes.set(name, { labels, usedBy });
    return name;
  }

  has(id: string): boolean {
    return this.images.has(id as FullImageId);
  }

  tagsOf(id: string): string[] {
    return this.images.get(id as FullImageId)?.refs.filter((ref) => !ref.includes('@')) ?? [];
  }

  image(id: FullImageId): FakeImage {
    const image = this.images.get(id);
    if (!image) throw new Error(`fake engine: no image ${id}`);
    return image;
  }

  // ---- the Engine interface ---------------------------------------------------------------

  async ping(): Promise<void> {
    await this.enter('ping', []);
  }

  async listImages(query: ImageQuery = {}): Promise<ImageInfo[]> {
    await this.enter('listImages', [query]);
    return [...this.images.values()]
      .filter((image) => query.all || this.tags(image).length > 0 || this.children(image.id).length === 0)
      .filter((image) => !query.dangling || this.tags(image).length === 0)
      .filter((image) => (query.labels ?? []).every((filter) => matches(image.labels, filter)))
      .map((image) => this.info(image));
  }

  async inspectImage(id: FullImageId): Promise<ImageInfo | undefined> {
    await this.enter('inspectImage', [id]);
    const image = this.images.get(id);
    return image ? this.info(image) : undefined;
  }

  async listContainers(query: ContainerQuery = {}): Promise<ContainerInfo[]> {
    await this.enter('listContainers', [query]);
    return [...this.containers.values()]
      .filter((container) => (query.labels ?? []).every((filter) => matches(container.labels ?? {}, filter)))
      .map(({ id, name, imageId, state }) => ({ id, name, imageId, state }));
  }

  async listNetworks(labels: readonly string[] = []): Promise<string[]> {
    await this.enter('listNetworks', [labels]);
    return [...this.networks].filter(([, network]) => labels.every((filter) => matches(network.labels, filter))).map(([id]) => id);
  }

  async listVolumes(labels: readonly string[] = []): Promise<string[]> {
    await this.enter('listVolumes', [labels]);
    return [...this.volumes].filter(([, volume]) => labels.every((filter) => matches(volume.labels, filter))).map(([name]) => name);
  }

  async labelValues(key: string): Promise<Set<string>> {
    await this.enter('labelValues', [key]);
    const values = new Set<string>();
    for (const labels of [
      ...[...this.containers.values()].map((container) => container.labels ?? {}),
      ...[...this.networks.values(), ...this.volumes.values()].map((object) => object.labels),
    ]) {
      const value = labels[key];
      if (value) values.add(value);
    }
    return values;
  }

  async resolve(kind: ObjectKind, ids: readonly string[]): Promise<Map<string, string>> {
    await this.enter('resolve', [kind, ids]);
    const known = kind === 'container' ? [...this.containers.keys()] : kind === 'network' ? [...this.networks.keys()] : [...this.volumes.keys()];
    const resolved = new Map<string, string>();
    for (const id of ids) {
      // As dockerd: a container by its name too.
      const byName = kind === 'container' ? [...this.containers.values()].find((container) => container.name === id)?.id : undefined;
      const full = byName ?? known.find((candidate) => candidate === id || (kind !== 'volume' && candidate.startsWith(id)));
      if (full) resolved.set(id, full);
    }
    return resolved;
  }

  async tagImage(id: FullImageId, repo: string, tag: string): Promise<'tagged' | 'gone'> {
    await this.enter('tagImage', [id, repo, tag]);
    if (!this.images.has(id)) return 'gone';
    this.tag(`${repo}:${tag}`, id);
    return 'tagged';
  }

  async removeImages(refs: readonly ImageRef[]): Promise<Map<ImageRef, ImageRemoval>> {
    await this.enter('removeImages', [refs]);
    const answers = new Map<ImageRef, ImageRemoval>();
    for (const ref of refs) answers.set(ref, this.removeOne(ref));
    return answers;
  }

  async pruneDanglingImages(filters: readonly string[]): Promise<PruneAnswer> {
    await this.enter('pruneDanglingImages', [filters]);
    throw new Error('fake engine: the cleaner must not prune');
  }

  async removeContainers(ids: readonly string[], options: { readonly stopTimeoutSeconds: number } = { stopTimeoutSeconds: 0 }): Promise<Map<string, ObjectRemoval>> {
    await this.enter('removeContainers', [ids, options]);
    return new Map(
      ids.map((id): [string, ObjectRemoval] => {
        if (!this.containers.delete(id)) return [id, { kind: 'gone' }];
        for (const volume of this.volumes.values()) volume.usedBy = (volume.usedBy ?? []).filter((user) => user !== id);
        return [id, { kind: 'removed' }];
      }),
    );
  }

  async stopContainers(ids: readonly string[], options: { readonly stopTimeoutSeconds: number } = { stopTimeoutSeconds: 0 }): Promise<Map<string, ObjectRemoval>> {
    await this.enter('stopContainers', [ids, options]);
    return new Map(
      ids.map((id): [string, ObjectRemoval] => {
        const container = this.containers.get(id);
        if (!container) return [id, { kind: 'gone' }];
        container.state = 'exited';
        return [id, { kind: 'removed' }];
      }),
    );
  }

  async removeNetworks(ids: readonly string[]): Promise<Map<string, ObjectRemoval>> {
    await this.enter('removeNetworks', [ids]);
    return new Map(ids.map((id): [string, ObjectRemoval] => [id, this.networks.delete(id) ? { kind: 'removed' } : { kind: 'gone' }]));
  }

  async removeVolumes(names: readonly string[]): Promise<Map<string, ObjectRemoval>> {
    await this.enter('removeVolumes', [names]);
    return new Map(
      names.map((name): [string, ObjectRemoval] => {
        const volume = this.volumes.get(name);
        if (!volume) return [name, { kind: 'gone' }];
        if ((volume.usedBy ?? []).length > 0) return [name, { kind: 'failed', message: `remove ${name}: volume is in use - [${(volume.usedBy ?? []).join(', ')}]` }];
        this.volumes.delete(name);
        return [name, { kind: 'removed' }];
      }),
    );
  }

  async containerCreateEvents(window: { readonly sinceMs: number; readonly untilMs: number } = { sinceMs: 0, untilMs: Date.now() }): Promise<CreateEvent[]> {
    await this.enter('containerCreateEvents', [window]);
    return [...this.containers.values()]
      .filter((container) => (container.createdAt ?? 0) >= window.sinceMs && (container.createdAt ?? 0) <= window.untilMs)
      .map((container) => ({ id: container.id, labels: { ...(container.labels ?? {}) } }));
  }

  watchContainerCreates(): Subscription {
    return { stop() {}, done: Promise.resolve() };
  }

  /** The same engine: the fake has no circuit breaker, and one state. */
  scope(): Engine {
    return this;
  }

  close(): void {}

  // ---- Docker's rules ---------------------------------------------------------------------

  private async enter(method: string, args: readonly unknown[]): Promise<void> {
    const call = { method, args };
    this.calls.push(call);
    await this.hooks.beforeCall?.(call, this);
    if (this.down) throw this.down;
  }

  private info(image: FakeImage): ImageInfo {
    return {
      id: image.id,
      repoTags: this.tags(image),
      repoDigests: image.refs.filter((ref) => ref.includes('@')),
      parent: image.parent,
      created: image.created,
      size: image.size,
      labels: { ...image.labels },
    };
  }

  private tags(image: FakeImage): string[] {
    return image.refs.filter((ref) => !ref.includes('@'));
  }

  private children(id: FullImageId): FakeImage[] {
    return [...this.images.values()].filter((image) => image.parent === id);
  }

  private users(id: FullImageId): FakeContainer[] {
    return [...this.containers.values()].filter((container) => container.imageId === id);
  }

  private removeOne(ref: ImageRef): ImageRemoval {
    const prune = ref.keepParents !== true;
    if ('id' in ref) return this.removeById(ref.id, prune);
    const reference = ref.reference;
    const image = [...this.images.values()].find((item) => item.refs.includes(reference));
    if (!image) return { kind: 'gone', message: `No such image: ${reference}` };
    const user = this.users(image.id)[0];
    if (user && isSingleReference(image.refs)) {
      return {
        kind: 'conflict',
        reason: 'in-use',
        containers: [user.id.slice(0, 12)],
        message: `conflict: unable to remove repository reference "${reference}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${short(image.id)}`,
      };
    }
    image.refs = image.refs.filter((item) => item !== reference);
    const untagged = [reference];
    const repo = repoOf(reference);
    if (!image.refs.some((item) => !item.includes('@') && repoOf(item) === repo)) {
      for (const digest of image.refs.filter((item) => item.includes('@') && repoOf(item) === repo)) untagged.push(digest);
      image.refs = image.refs.filter((item) => !(item.includes('@') && repoOf(item) === repo));
    }
    if (image.refs.length > 0) return { kind: 'untagged', untagged };
    const deleted: FullImageId[] = [];
    const outcome = this.deleteHelper(image.id, untagged, deleted, true, prune);
    if (outcome) return outcome;
    return deleted.length > 0 ? { kind: 'removed', deleted, untagged } : { kind: 'untagged', untagged };
  }

  private removeById(id: FullImageId, prune: boolean): ImageRemoval {
    const image = this.images.get(id);
    if (!image) return { kind: 'gone', message: `No such image: ${id}` };
    const untagged: string[] = [];
    if (isSingleReference(image.refs)) {
      const conflict = this.conflict(image, { soft: false, stoppedToo: true });
      if (conflict) return conflict;
      untagged.push(...image.refs);
      image.refs = [];
    }
    const deleted: FullImageId[] = [];
    const outcome = this.deleteHelper(id, untagged, deleted, false, prune);
    if (outcome) return outcome;
    return { kind: 'removed', deleted, untagged };
  }

  /** `imageDeleteHelper`: undefined when deleted (or quietly kept), else the conflict. `prune`: false for `noprune`. */
  private deleteHelper(id: FullImageId, untagged: string[], deleted: FullImageId[], quiet: boolean, prune = true): ImageRemoval | undefined {
    const image = this.images.get(id);
    if (!image) return undefined;
    const conflict = this.conflict(image, { soft: true, stoppedToo: true });
    if (conflict) {
      const dangling = image.refs.length === 0 && this.children(id).length === 0;
      const used = this.users(id).length > 0;
      if (quiet && (!dangling || used)) return undefined;
      return conflict;
    }
    // The daemon's own window: between its conflict check and its delete nothing is locked.
    this.hooks.insideRemoval?.(id, this);
    untagged.push(...image.refs);
    this.images.delete(id);
    deleted.push(id);
    if (image.parent && prune) this.deleteHelper(image.parent, untagged, deleted, true);
    return undefined;
  }

  private conflict(image: FakeImage, check: { soft: boolean; stoppedToo: boolean }): ImageRemoval | undefined {
    const id12 = short(image.id);
    if (this.children(image.id).length > 0) {
      return { kind: 'conflict', reason: 'has-children', containers: [], message: `conflict: unable to delete ${id12} (cannot be forced) - image has dependent child images` };
    }
    const running = this.users(image.id).find((container) => container.state === 'running');
    if (running) {
      return {
        kind: 'conflict',
        reason: 'in-use-running',
        containers: [running.id.slice(0, 12)],
        message: `conflict: unable to delete ${id12} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`,
      };
    }
    if (check.soft && image.refs.length > 0) {
      return { kind: 'conflict', reason: 'multiple-repositories', containers: [], message: `conflict: unable to delete ${id12} (must be forced) - image is referenced in multiple repositories` };
    }
    const stopped = check.stoppedToo ? this.users(image.id).find((container) => container.state !== 'running') : undefined;
    if (stopped) {
      return {
        kind: 'conflict',
        reason: 'in-use-stopped',
        containers: [stopped.id.slice(0, 12)],
        message: `conflict: unable to delete ${id12} (must be forced) - image is being used by stopped container ${stopped.id.slice(0, 12)}`,
      };
    }
    return undefined;
  }
}

/** moby's `isSingleReference`: one tag at most, and digests of that one repository only. */
function isSingleReference(refs: readonly string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  const tags = refs.filter((ref) => !ref.includes('@'));
  if (tags.length > 1) return false;
  const digestRepos = new Set(refs.filter((ref) => ref.includes('@')).map(repoOf));
  const single = tags[0] ?? refs[0] ?? '';
  return digestRepos.size === 1 && digestRepos.has(repoOf(single));
}

function repoOf(reference: string): string {
  const at = reference.indexOf('@');
  if (at >= 0) return reference.slice(0, at);
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/') ? reference.slice(0, colon) : reference;
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function matches(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

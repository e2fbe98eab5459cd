/**
 * Find a session's containers, networks and volumes (its label, its tracked IDs, and the
 * containers adopted from create events) and remove them, or stop and keep them. One async
 * function over the typed engine, for every caller: teardown, the watchdog, sweeps, and the
 * signal path (which runs it in a child process, see `clean-now.ts`).
 */
import type { Engine, ObjectKind, ObjectRemoval } from '../docker/engine.js';
import type { ContainerInfo } from '../docker/types.js';
import { adoptionEnabled, selectAdopted, type AdoptOptions } from './adopt.js';
import type { FailedResource, ResourceKind, ResourceOutcomes, ResourceRef } from './result.js';
import type { TrackedEntry } from './store.js';
import { SESSION_LABEL } from './names.js';

export interface SessionTargets {
  readonly sessionId: string;
  readonly tracked: readonly TrackedEntry[];
  readonly stopTimeout: number;
  /** Stop the containers but keep them (keepOnFailure); networks and volumes stay too. */
  readonly keep: boolean;
  /** List what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /**
   * Also take the containers created since `sinceMs` (ms since the epoch) that match the
   * adoption filters, from a bounded replay of the engine's create events.
   */
  readonly adopt?: { readonly filters: AdoptOptions; readonly sinceMs: number };
  /** Told the containers found (full IDs), before anything is removed or stopped. */
  readonly onContainers?: (ids: readonly string[]) => void;
  /**
   * Take a labelled container even when its image carries the session label too
   * ({@link inheritedLabel}). For a session without the socket, whose tests label by hand and
   * may label a build too: their containers go, as before. Default false: such a container is
   * left, with a note (a session with the socket, or one a sweep cannot tell).
   */
  readonly takeImageLabelled?: boolean;
}

export interface SessionObjectsReport {
  readonly containers: ResourceOutcomes;
  readonly networks: ResourceOutcomes;
  readonly volumes: ResourceOutcomes;
  readonly warnings: string[];
  /**
   * Containers found by the session label but left alone, one line each: the label may be their
   * image's (inheritedLabel). Not a failure: the session is not kept for them.
   */
  readonly notes: readonly string[];
}

const EMPTY: ResourceOutcomes = { removed: [], kept: [], failed: [] };

/** The session's objects, found and then removed (or stopped and kept). */
export async function removeSessionObjects(engine: Engine, targets: SessionTargets, now = Date.now()): Promise<SessionObjectsReport> {
  const warnings: string[] = [];
  const notes: string[] = [];
  const ids = await findSessionObjects(engine, targets, warnings, notes, now);
  const containers = [...ids.container];
  const networks = [...ids.network];
  const volumes = [...ids.volume];
  targets.onContainers?.(containers);

  if (targets.dryRun) {
    const would = (kind: ResourceKind, list: string[]): ResourceOutcomes => ({ ...EMPTY, removed: list.map((id) => ({ kind, id })) });
    return { containers: would('container', containers), networks: would('network', networks), volumes: would('volume', volumes), warnings, notes };
  }

  if (targets.keep) {
    const answers = containers.length > 0 ? await engine.stopContainers(containers, { stopTimeoutSeconds: targets.stopTimeout }) : new Map();
    const stopped = outcomesOf('container', containers, answers);
    const keptOf = (kind: ResourceKind, list: string[]): ResourceRef[] => list.map((id) => ({ kind, id }));
    return {
      // Stopped or already gone: either way nothing more to do with it now.
      containers: { removed: [], kept: stopped.removed, failed: stopped.failed },
      networks: { ...EMPTY, kept: keptOf('network', networks) },
      volumes: { ...EMPTY, kept: keptOf('volume', volumes) },
      warnings,
      notes,
    };
  }

  const containerAnswers = containers.length > 0 ? await engine.removeContainers(containers, { stopTimeoutSeconds: targets.stopTimeout }) : new Map();
  const [networkAnswers, volumeAnswers] = await Promise.all([
    networks.length > 0 ? engine.removeNetworks(networks) : new Map<string, ObjectRemoval>(),
    volumes.length > 0 ? engine.removeVolumes(volumes) : new Map<string, ObjectRemoval>(),
  ]);
  return {
    containers: outcomesOf('container', containers, containerAnswers),
    networks: outcomesOf('network', networks, networkAnswers),
    volumes: outcomesOf('volume', volumes, volumeAnswers),
    warnings,
    notes,
  };
}

/** A container or network ID as a tracked entry without a kind must give it: hex, 12 digits at least. */
const OBJECT_ID_PREFIX = /^[0-9a-f]{12,64}$/;

/** Pure: the warning for a tracked name without a kind that names objects of several kinds. */
export function ambiguousTracked(id: string, kinds: readonly ObjectKind[]): string {
  return `The tracked name ${JSON.stringify(id)} names a ${kinds.join(' and a ')} on the engine: none of them was removed; track it with its kind (track(${JSON.stringify(id)}, '${kinds[kinds.length - 1] ?? 'volume'}')).`;
}

/** Label listings, the adoption replay and the tracked IDs, asked in parallel. */
async function findSessionObjects(engine: Engine, targets: SessionTargets, warnings: string[], notes: string[], now: number): Promise<Record<ObjectKind, Set<string>>> {
  const label = [`${SESSION_LABEL}=${targets.sessionId}`];
  const adopt = targets.adopt && adoptionEnabled(targets.adopt.filters) ? targets.adopt : undefined;
  const listing = <T>(what: string, promise: Promise<T>, fallback: T): Promise<T> =>
    promise.catch((error: unknown) => {
      // One listing that fails must not hide the others: say so, go on with what answered.
      warnings.push(`Could not list the session's ${what}: ${firstLine(error)}`);
      return fallback;
    });
  const [containers, networks, volumes, events] = await Promise.all([
    engine.listContainers({ labels: label }),
    engine.listNetworks(label),
    engine.listVolumes(label),
    adopt ? listing('create events', engine.containerCreateEvents({ sinceMs: adopt.sinceMs, untilMs: now }), []) : [],
  ]);
  const inherited = targets.takeImageLabelled ? new Set<string>() : await inheritedLabel(engine, targets.sessionId, containers);
  const ids: Record<ObjectKind, Set<string>> = {
    container: new Set(containers.filter((container) => !inherited.has(container.imageId)).map((container) => container.id)),
    network: new Set(networks),
    volume: new Set(volumes),
  };
  for (const container of containers) {
    if (inherited.has(container.imageId)) notes.push(inheritedLabelNote(container.id, targets.sessionId));
  }
  if (adopt) for (const id of selectAdopted(events, adopt.filters)) ids.container.add(id);

  const unknown: string[] = [];
  for (const entry of targets.tracked) {
    if (entry.kind) ids[entry.kind].add(entry.id);
    else unknown.push(entry.id);
  }
  // A tracked ID without a kind is looked up as a container, a network and a volume: a container
  // or a network by its ID only (the ID or a prefix of it, 12 hex digits at least), never by a
  // name, which another owner's container can bear (the test's volume "pgdata" and someone's
  // container "pgdata": taking the container first removed it and left the test's volume, and
  // once that volume was gone a later sweep would take the container alone). A volume by its
  // name. Found as more than one kind, it is left alone with a warning, never guessed.
  if (unknown.length > 0) {
    const kinds = ['container', 'network', 'volume'] as const;
    const found = await Promise.all(kinds.map((kind) => engine.resolve(kind, unknown)));
    for (const id of new Set(unknown)) {
      const hits = kinds.flatMap((kind, index) => {
        const full = found[index]?.get(id);
        if (full === undefined) return [];
        if (kind !== 'volume' && !(OBJECT_ID_PREFIX.test(id) && full.startsWith(id))) return [];
        return [{ kind, full }];
      });
      const [only] = hits;
      if (hits.length === 1 && only) ids[only.kind].add(only.full);
      else if (hits.length > 1) warnings.push(ambiguousTracked(id, hits.map((hit) => hit.kind)));
    }
  }
  return ids;
}

/**
 * The images, among those of the labelled `containers`, that carry the session's own container
 * label. dockerd copies a container's labels into an image committed from it, and an image's
 * labels into every container made from it, whoever makes them: another terminal that commits
 * one of the run's containers straight to the engine (not through the session socket, which sets
 * the label empty on what it commits) and runs its own container from that image gets a
 * container labelled with this session (attack/108: teardown removed it, with force and its
 * anonymous volume). A container of such an image may not be the run's, so the label alone does
 * not take it: only tracking or adoption does. Images made through the socket, or as the README
 * says (labels on containers, networks and volumes, never on a build), never carry it. One
 * listing, only when there are labelled containers; the labels are checked here as well.
 */
async function inheritedLabel(engine: Engine, sessionId: string, containers: readonly ContainerInfo[]): Promise<Set<string>> {
  if (containers.length === 0) return new Set();
  const images = await engine.listImages({ all: true, labels: [`${SESSION_LABEL}=${sessionId}`] });
  const used = new Set(containers.map((container) => container.imageId));
  return new Set(images.filter((image) => used.has(image.id) && image.labels[SESSION_LABEL] === sessionId).map((image) => image.id));
}

/** Pure: the note for a labelled container left alone because its image carries the label too. */
export function inheritedLabelNote(id: string, sessionId: string): string {
  return `Left container ${id.slice(0, 12)}: it carries session ${sessionId}'s label, but so does its image (committed from one of the run's containers outside the session socket?), so the label may be the image's and the container someone else's; track() it to have it removed.`;
}

function outcomesOf(kind: ResourceKind, ids: readonly string[], answers: ReadonlyMap<string, ObjectRemoval>): ResourceOutcomes {
  const removed: ResourceRef[] = [];
  const failed: FailedResource[] = [];
  for (const id of ids) {
    const answer = answers.get(id);
    if (!answer) failed.push({ kind, id, message: 'the engine gave no answer for it' });
    else if (answer.kind === 'removed') removed.push({ kind, id });
    else if (answer.kind === 'failed') {
      failed.push({ kind, id, message: answer.message, ...(answer.noAnswer ? { noAnswer: true } : {}), ...(answer.notSent ? { notSent: true } : {}) });
    }
    // gone: someone else removed it; nothing to report
  }
  return { removed, kept: [], failed };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

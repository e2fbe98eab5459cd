/**
 * One logic, two drivers: the steps that remove a session's objects are a generator yielding
 * batches of docker commands (run in parallel where the driver can) and receiving their
 * results. `drive` runs them with the async client (teardown, watchdog, sweep), `driveSync`
 * with the synchronous one (signal handlers, which must finish before the process exits).
 */
import type { DockerClient, DockerResult } from '../docker/client.js';
import { parseIdLines } from '../docker/parse.js';
import {
  containerCreateEventsArgs,
  inspectKindArgs,
  parseCreateEvents,
  listByLabelArgs,
  mapObjectErrors,
  removeContainersArgs,
  removeNetworksArgs,
  removeVolumesArgs,
  stopContainersArgs,
} from '../docker/resources.js';
import { adoptionEnabled, selectAdopted, type AdoptOptions } from './adopt.js';
import type { FailedResource, ResourceKind, ResourceOutcomes, ResourceRef } from './result.js';
import type { TrackedEntry } from './store.js';
import { SESSION_LABEL } from './tracking.cjs';

export type Batch = ReadonlyArray<readonly string[]>;
export type Steps<T> = Generator<Batch, T, DockerResult[]>;

/** A `docker events --until` replay returns at once; it gets a shorter bound than other calls. */
const EVENTS_TIMEOUT_MS = 15_000;

function runOptions(args: readonly string[]) {
  return args[0] === 'events' ? { allowFailure: true, timeoutMs: EVENTS_TIMEOUT_MS } : { allowFailure: true };
}

export async function drive<T>(docker: DockerClient, steps: Steps<T>): Promise<T> {
  let next = steps.next([]);
  while (!next.done) {
    const results = await Promise.all(next.value.map((args) => docker.run(args, runOptions(args))));
    next = steps.next(results);
  }
  return next.value;
}

export function driveSync<T>(docker: DockerClient, steps: Steps<T>): T {
  let next = steps.next([]);
  while (!next.done) {
    next = steps.next(next.value.map((args) => docker.runSync(args, runOptions(args))));
  }
  return next.value;
}

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
   * adoption filters, from a bounded replay of Docker's create events.
   */
  readonly adopt?: { readonly filters: AdoptOptions; readonly sinceMs: number };
}

export interface SessionObjectsReport {
  readonly containers: ResourceOutcomes;
  readonly networks: ResourceOutcomes;
  readonly volumes: ResourceOutcomes;
  readonly warnings: string[];
}

/** Find the session's objects (by label, plus tracked IDs) and remove (or stop) them. */
export function* sessionObjectSteps(targets: SessionTargets): Steps<SessionObjectsReport> {
  const warnings: string[] = [];
  const list = listByLabelArgs(`${SESSION_LABEL}=${targets.sessionId}`);
  const adopt = targets.adopt && adoptionEnabled(targets.adopt.filters) ? targets.adopt : undefined;
  const listing: string[][] = [list.containers, list.networks, list.volumes];
  if (adopt) listing.push(containerCreateEventsArgs(Math.floor(adopt.sinceMs / 1000), (Date.now() / 1000).toFixed(3)));
  const [c, n, v, events] = yield listing;
  const ids: Record<ResourceKind, Set<string>> = {
    container: new Set(listed(c, warnings)),
    network: new Set(listed(n, warnings)),
    volume: new Set(listed(v, warnings)),
  };
  if (adopt && events) for (const id of selectAdopted(parseCreateEvents(events.stdout), adopt.filters)) ids.container.add(id);

  const unknown: string[] = [];
  for (const entry of targets.tracked) {
    if (entry.kind) ids[entry.kind].add(entry.id);
    else unknown.push(entry.id);
  }
  if (unknown.length > 0) {
    // Find out what each tracked ID names: a container, else a network, else a volume.
    let rest = unknown;
    for (const kind of ['container', 'network', 'volume'] as const) {
      if (rest.length === 0) break;
      const [answer] = yield [inspectKindArgs(kind, rest)];
      const found = parseIdLines(answer?.stdout ?? '');
      const matched = rest.filter((id) => found.some((full) => full === id || full.startsWith(id)));
      for (const id of matched) ids[kind].add(id);
      rest = rest.filter((id) => !matched.includes(id));
    }
  }

  const containers = [...ids.container];
  const networks = [...ids.network];
  const volumes = [...ids.volume];
  const empty: ResourceOutcomes = { removed: [], kept: [], failed: [] };
  if (targets.dryRun) {
    const would = (kind: ResourceKind, list: string[]): ResourceOutcomes => ({ ...empty, removed: list.map((id) => ({ kind, id })) });
    return { containers: would('container', containers), networks: would('network', networks), volumes: would('volume', volumes), warnings };
  }

  if (targets.keep) {
    let failed: FailedResource[] = [];
    if (containers.length > 0) {
      const [answer] = yield [stopContainersArgs(containers, targets.stopTimeout)];
      failed = failures('container', containers, answer);
    }
    const keptOf = (kind: ResourceKind, list: string[]): ResourceRef[] => list.map((id) => ({ kind, id }));
    return {
      containers: { removed: [], kept: keptOf('container', containers).filter((ref) => !failed.some((f) => f.id === ref.id)), failed },
      networks: { ...empty, kept: keptOf('network', networks) },
      volumes: { ...empty, kept: keptOf('volume', volumes) },
      warnings,
    };
  }

  let containerOutcome = empty;
  const commands = removeContainersArgs(containers, targets.stopTimeout);
  let answer: DockerResult | undefined;
  for (const command of commands) [answer] = yield [command];
  if (containers.length > 0) containerOutcome = outcomes('container', containers, answer);

  const batch: string[][] = [];
  if (networks.length > 0) batch.push(removeNetworksArgs(networks));
  if (volumes.length > 0) batch.push(removeVolumesArgs(volumes));
  const answers = batch.length > 0 ? yield batch : [];
  let index = 0;
  const networkOutcome = networks.length > 0 ? outcomes('network', networks, answers[index++]) : empty;
  const volumeOutcome = volumes.length > 0 ? outcomes('volume', volumes, answers[index++]) : empty;
  return { containers: containerOutcome, networks: networkOutcome, volumes: volumeOutcome, warnings };
}

function listed(result: DockerResult | undefined, warnings: string[]): string[] {
  if (!result) return [];
  if (result.exitCode !== 0) {
    warnings.push(`docker ${result.args.join(' ')} failed: ${result.stderr.trim().split('\n')[0] ?? ''}`);
    return [];
  }
  return parseIdLines(result.stdout);
}

function failures(kind: ResourceKind, args: readonly string[], answer: DockerResult | undefined): FailedResource[] {
  if (!answer || answer.exitCode === 0) return [];
  const failed: FailedResource[] = [];
  for (const [id, failure] of mapObjectErrors(args, answer.stderr)) {
    if (!failure.gone) failed.push({ kind, id, message: failure.message });
  }
  return failed;
}

function outcomes(kind: ResourceKind, args: readonly string[], answer: DockerResult | undefined): ResourceOutcomes {
  const errors = answer && answer.exitCode !== 0 ? mapObjectErrors(args, answer.stderr) : new Map();
  const removed: ResourceRef[] = [];
  const failed: FailedResource[] = [];
  for (const id of args) {
    const failure = errors.get(id);
    if (!failure) removed.push({ kind, id });
    else if (!failure.gone) failed.push({ kind, id, message: failure.message });
  }
  if (answer && answer.exitCode !== 0 && errors.size === 0) {
    // A failure the answer does not attribute: report it once rather than claim success.
    return { removed: [], kept: [], failed: args.map((id) => ({ kind, id, message: answer.stderr.trim() || `exit ${answer.exitCode}` })) };
  }
  return { removed, kept: [], failed };
}

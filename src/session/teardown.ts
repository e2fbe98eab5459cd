/**
 * Session teardown: the session's containers (with anonymous volumes), then its networks and
 * volumes; the safe image cleaner at the same time. Problems become warnings and failed entries
 * in the result; whether they fail the run is the caller's decision (failOnCleanupError).
 *
 * The image cleaner does not wait for the containers: its first pass starts with the session's
 * listings and removes the images no container uses while the containers are being removed. The
 * images it skipped because a container used them go through a second pass once the session's
 * containers are gone, if one of the session's containers was among their users. Safety does not
 * rest on that split: every image goes through a temporary reference the daemon refuses to
 * remove (409) while any container uses the image (see cleaner/clean.ts).
 */
import { cleanImages } from '../cleaner/clean.js';
import { mergeCleanResults } from '../cleaner/merge.js';
import type { CleanResult, ContainerRef } from '../cleaner/result.js';
import type { Engine } from '../docker/engine.js';
import { DockerNotSentError, DockerTimeoutError, isDockerError } from '../docker/errors.js';
import type { JanitorOptions } from '../options/schema.js';
import type { ResourceOutcomes, TeardownResult } from './result.js';
import { removeSessionObjects, type SessionObjectsReport } from './objects.js';
import { readImagesBefore, readImagesMade, readTrackedChecked, refusedTrackedWarning, type SessionRecord } from './store.js';
import { sessionImageScope } from './image-labels.js';

export interface TeardownContext {
  readonly record: SessionRecord;
  readonly dir: string;
  readonly options: JanitorOptions;
  /** The run failed: with keepOnFailure, containers are stopped and kept. */
  readonly failed?: boolean;
  /** Only the session's objects; no image cleaning (watch-mode reruns). */
  readonly objectsOnly?: boolean;
  /** Said before the listing (the session socket's close, a watchdog that ended early): reported first. */
  readonly warnings?: readonly string[];
  /**
   * Objects may still appear after the listing (a create through the session socket the engine
   * had not answered when it closed): the session is kept as incomplete, for a later sweep.
   */
  readonly mayGainObjects?: boolean;
  /**
   * The tests had the session socket: the session label alone then never makes an image the
   * run's (plan.ts `labelOwns`), nor takes a container whose image carries it too (objects.ts
   * `takeImageLabelled`). Default false: the label takes both, as for tests that label by hand.
   */
  readonly socket?: boolean;
}

const EMPTY: ResourceOutcomes = { removed: [], kept: [], failed: [] };

export async function teardownSession(engine: Engine, context: TeardownContext): Promise<TeardownResult> {
  const started = performance.now();
  const { record, options } = context;
  const warnings: string[] = [...(context.warnings ?? [])];
  const cleanImagesToo = options.images !== 'off' && !context.objectsOnly;
  const keep = options.keepOnFailure && context.failed === true;

  let objects: SessionObjectsReport = { containers: EMPTY, networks: EMPTY, volumes: EMPTY, warnings: [], notes: [] };
  let reachable = true;
  let dockerUnavailable: string | undefined;
  let objectsDone = false;
  const tracked = readTrackedChecked(context.dir);
  const scope = cleanImagesToo ? sessionImageScope(options.images, record.id, readImagesBefore(context.dir), readImagesMade(context.dir), context.socket !== true) : undefined;
  // The first image pass runs with the session's own listing and removals (settled, never thrown here).
  const imagesStarted = performance.now();
  const firstPass = scope ? settle(cleanImages(engine, options, { scope })) : undefined;
  let sessionContainers: readonly string[] = [];
  try {
    objects = await removeSessionObjects(engine, {
      sessionId: record.id,
      tracked: tracked.entries,
      stopTimeout: options.stopTimeout,
      keep,
      dryRun: options.dryRun,
      adopt: { filters: record.adopt, sinceMs: record.startedAt },
      // Without the socket the tests label by hand, builds too perhaps: the label takes as before.
      takeImageLabelled: context.socket !== true,
      onContainers: (ids) => {
        sessionContainers = ids;
      },
    });
    objectsDone = objects.warnings.length === 0;
    warnings.push(...objects.warnings, ...objects.notes);
  } catch (error) {
    if (!isDockerError(error)) throw error;
    // Missing, refusing, hung (a timeout) or not an engine at all: nothing more can be asked of it.
    reachable = error.code !== 'DOCKER_UNREACHABLE' && error.code !== 'DOCKER_NOT_INSTALLED';
    if (!reachable) dockerUnavailable = firstLine(error);
    warnings.push(`Could not clean the session's containers: ${firstLine(error)}`);
  }
  warnings.push(...refusedTrackedWarning(record.id, tracked.refused));

  let images: TeardownResult['images'];
  // The engine stopped answering (a timeout, or unreachable) is said once, by the objects' part:
  // the image passes then add no warning of their own for it.
  const silent = !reachable || [objects.containers, objects.networks, objects.volumes].some((outcomes) => outcomes.failed.some((failed) => failed.noAnswer || failed.notSent));
  const imageWarning = (error: unknown) => {
    if (!isDockerError(error)) throw error;
    // Not sent: the request that got no answer in time is said where it happened.
    if (error instanceof DockerNotSentError || (silent && error instanceof DockerTimeoutError)) return;
    warnings.push(`Could not clean images: ${firstLine(error)}`);
  };
  if (firstPass && scope) {
    const first = await firstPass;
    if (!first.ok) {
      if (!isDockerError(first.error)) throw first.error;
      // Docker missing or unreachable is said once, by the objects' warning.
      if (reachable) imageWarning(first.error);
    } else {
      images = first.result;
      // The images the session's containers kept in use: again, now that those containers are gone.
      const redo = !silent && !options.dryRun && !keep ? usedBy(first.result, sessionContainers) : new Set<string>();
      if (redo.size > 0) {
        try {
          const second = await cleanImages(engine, options, { scope, only: redo });
          images = mergeCleanResults(first.result, second, redo, performance.now() - imagesStarted);
        } catch (error) {
          imageWarning(error);
        }
      }
    }
  }

  const hasProblems =
    warnings.length > 0 ||
    objects.containers.failed.length + objects.networks.failed.length + objects.volumes.failed.length > 0 ||
    (images?.failed.length ?? 0) > 0 ||
    (images?.unknown?.length ?? 0) > 0 ||
    // The cleaner's own warnings (a foreign reference untagged, a temporary reference kept…).
    (images?.warnings?.length ?? 0) > 0;
  const objectFailures = objects.containers.failed.length + objects.networks.failed.length + objects.volumes.failed.length;
  const incomplete = !objectsDone || objectFailures > 0 || context.mayGainObjects === true;
  return {
    sessionId: record.id,
    incomplete,
    ...(options.dryRun ? { dryRun: true } : {}),
    containers: objects.containers,
    networks: objects.networks,
    volumes: objects.volumes,
    images,
    ...(dockerUnavailable !== undefined ? { dockerUnavailable } : {}),
    warnings,
    hasProblems,
    durationMs: performance.now() - started,
  };
}

/**
 * The images the cleaner skipped as in use by one of `containers` (full IDs; the daemon's answers
 * name a container by its 12-hex prefix). Pure.
 */
export function usedBy(result: CleanResult, containers: readonly string[]): Set<string> {
  const ours = (ref: ContainerRef) => ref.id.length >= 12 && containers.some((id) => id.startsWith(ref.id) || ref.id.startsWith(id));
  const inUse = new Set(['in-use-running', 'in-use-stopped', 'in-use']);
  return new Set(result.skipped.filter((item) => inUse.has(item.reason) && item.containers.some(ours)).map((item) => item.id));
}

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; result: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, result: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

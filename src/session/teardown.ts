/**
 * Session teardown: the session's containers (with anonymous volumes), then its networks and
 * volumes, then the safe image cleaner. Problems become warnings and failed entries in the
 * result; whether they fail the run is the caller's decision (failOnCleanupError).
 */
import { cleanImages } from '../cleaner/clean.js';
import type { DockerClient } from '../docker/client.js';
import { DockerCommandError, isDockerError } from '../docker/errors.js';
import { listDanglingImageIds } from '../docker/images.js';
import type { JanitorOptions } from '../options/schema.js';
import type { ResourceOutcomes, TeardownResult } from './result.js';
import { drive, sessionObjectSteps, type SessionObjectsReport } from './steps.js';
import { readImagesBefore, readTrackedChecked, refusedTrackedWarning, type SessionRecord } from './store.js';

export interface TeardownContext {
  readonly record: SessionRecord;
  readonly dir: string;
  readonly options: JanitorOptions;
  /** The run failed: with keepOnFailure, containers are stopped and kept. */
  readonly failed?: boolean;
  /** Only the session's objects; no image cleaning (watch-mode reruns). */
  readonly objectsOnly?: boolean;
}

const EMPTY: ResourceOutcomes = { removed: [], kept: [], failed: [] };

export async function teardownSession(docker: DockerClient, context: TeardownContext): Promise<TeardownResult> {
  const started = performance.now();
  const { record, options } = context;
  const warnings: string[] = [];
  const cleanImagesToo = options.images !== 'off' && !context.objectsOnly;

  // Listing dangling images does not depend on the containers: ask at once, in parallel.
  const dangling = cleanImagesToo ? listDanglingImageIds(docker).then(ok<string[]>, fail<string[]>) : undefined;

  let objects: SessionObjectsReport = { containers: EMPTY, networks: EMPTY, volumes: EMPTY, warnings: [] };
  let reachable = true;
  let dockerUnavailable: string | undefined;
  let objectsDone = false;
  const tracked = readTrackedChecked(context.dir);
  try {
    objects = await drive(
      docker,
      sessionObjectSteps({
        sessionId: record.id,
        tracked: tracked.entries,
        stopTimeout: options.stopTimeout,
        keep: options.keepOnFailure && context.failed === true,
        dryRun: options.dryRun,
        adopt: { filters: record.adopt, sinceMs: record.startedAt },
      }),
    );
    objectsDone = objects.warnings.length === 0;
    warnings.push(...objects.warnings);
  } catch (error) {
    if (!isDockerError(error)) throw error;
    // A hung engine (a listing that timed out) counts as unavailable, like a refused connection;
    // a removal that timed out may have removed some: that is a warning, not "nothing was cleaned".
    const hung = error instanceof DockerCommandError && error.timedOut && error.args[1] === 'ls';
    reachable = error.code !== 'DOCKER_UNREACHABLE' && error.code !== 'DOCKER_NOT_INSTALLED' && !hung;
    if (!reachable) dockerUnavailable = firstLine(error);
    warnings.push(`Could not clean the session's containers: ${firstLine(error)}`);
  }
  warnings.push(...refusedTrackedWarning(record.id, tracked.refused));

  let images: TeardownResult['images'];
  if (dangling && reachable) {
    const listed = await dangling;
    if (listed.value === undefined) {
      warnings.push(`Could not list dangling images: ${firstLine(listed.error)}`);
    } else {
      try {
        const scope = options.images === 'session' ? madeDuringSession(listed.value, readImagesBefore(context.dir)) : undefined;
        images = await cleanImages(docker, options, { danglingIds: listed.value, ...(scope ? { scope } : {}) });
      } catch (error) {
        if (!isDockerError(error)) throw error;
        warnings.push(`Could not clean images: ${firstLine(error)}`);
      }
    }
  } else if (dangling) {
    await dangling; // settle it; the engine is gone
  }

  const hasProblems =
    warnings.length > 0 ||
    objects.containers.failed.length + objects.networks.failed.length + objects.volumes.failed.length > 0 ||
    (images?.failed.length ?? 0) > 0;
  const objectFailures = objects.containers.failed.length + objects.networks.failed.length + objects.volumes.failed.length;
  const incomplete = !objectsDone || objectFailures > 0;
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

/** The `session` image scope: dangling images that did not exist when the session opened. */
function madeDuringSession(dangling: readonly string[], before: Set<string> | undefined): Set<string> {
  return new Set(before ? dangling.filter((id) => !before.has(id)) : []);
}

type Settled<T> = { value: T; error?: undefined } | { value?: undefined; error: unknown };
function ok<T>(value: T): Settled<T> {
  return { value };
}
function fail<T>(error: unknown): Settled<T> {
  return { error };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

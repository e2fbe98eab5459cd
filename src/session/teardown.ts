/**
 * Session teardown: the session's containers (with anonymous volumes), then its networks and
 * volumes, then the safe image cleaner. Problems become warnings and failed entries in the
 * result; whether they fail the run is the caller's decision (failOnCleanupError).
 */
import { cleanImages } from '../cleaner/clean.js';
import type { ImageScope } from '../cleaner/plan.js';
import type { Engine } from '../docker/engine.js';
import { isDockerError } from '../docker/errors.js';
import type { JanitorOptions } from '../options/schema.js';
import type { ResourceOutcomes, TeardownResult } from './result.js';
import { removeSessionObjects, type SessionObjectsReport } from './objects.js';
import { readImagesBefore, readTrackedChecked, refusedTrackedWarning, type SessionRecord } from './store.js';
import { SESSION_LABEL } from './names.js';

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
}

const EMPTY: ResourceOutcomes = { removed: [], kept: [], failed: [] };

export async function teardownSession(engine: Engine, context: TeardownContext): Promise<TeardownResult> {
  const started = performance.now();
  const { record, options } = context;
  const warnings: string[] = [...(context.warnings ?? [])];
  const cleanImagesToo = options.images !== 'off' && !context.objectsOnly;

  let objects: SessionObjectsReport = { containers: EMPTY, networks: EMPTY, volumes: EMPTY, warnings: [] };
  let reachable = true;
  let dockerUnavailable: string | undefined;
  let objectsDone = false;
  const tracked = readTrackedChecked(context.dir);
  try {
    objects = await removeSessionObjects(engine, {
      sessionId: record.id,
      tracked: tracked.entries,
      stopTimeout: options.stopTimeout,
      keep: options.keepOnFailure && context.failed === true,
      dryRun: options.dryRun,
      adopt: { filters: record.adopt, sinceMs: record.startedAt },
    });
    objectsDone = objects.warnings.length === 0;
    warnings.push(...objects.warnings);
  } catch (error) {
    if (!isDockerError(error)) throw error;
    // Missing, refusing, hung (a timeout) or not an engine at all: nothing more can be asked of it.
    reachable = error.code !== 'DOCKER_UNREACHABLE' && error.code !== 'DOCKER_NOT_INSTALLED';
    if (!reachable) dockerUnavailable = firstLine(error);
    warnings.push(`Could not clean the session's containers: ${firstLine(error)}`);
  }
  warnings.push(...refusedTrackedWarning(record.id, tracked.refused));

  let images: TeardownResult['images'];
  if (cleanImagesToo && reachable) {
    try {
      images = await cleanImages(engine, options, { scope: imageScope(options.images, record.id, readImagesBefore(context.dir)) });
    } catch (error) {
      if (!isDockerError(error)) throw error;
      warnings.push(`Could not clean images: ${firstLine(error)}`);
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
 * The images the session may touch. `before-and-own` (default): the images that existed at setup
 * (every image, tagged too: a tag rebuilt during the run leaves its old image dangling) and the
 * images labelled with this session; never an image another process made during the run.
 */
function imageScope(mode: JanitorOptions['images'], sessionId: string, before: Set<string> | undefined): ImageScope {
  if (mode === 'all') return { kind: 'all' };
  return { kind: 'session', mode: mode === 'session' ? 'made-during' : 'before-and-own', before, label: [SESSION_LABEL, sessionId] };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * Sessions whose teardown never ran, or could not finish (SIGKILL, OOM, a cancelled CI job, the
 * engine down during teardown, the watchdog killed too, a reboot): the watchdog of the next
 * session sweeps them in the background, and `docker-janitor sweep` does it by hand. Only
 * sessions recorded on this machine whose owner process is dead are swept automatically;
 * `--session ID` names one.
 *
 * Sessions are grouped by engine. One listing per engine (three calls) tells which sessions still
 * have labelled objects there, and doubles as the probe: an engine that does not answer costs
 * one bounded call, however many records name it, and is backed off from (`last-unreachable` in
 * each record's directory). The rest are swept a few at a time.
 */
import { basename } from 'node:path';
import { engineFromOptions, type EngineOptions } from '../docker/create.js';
import type { Engine } from '../docker/engine.js';
import { isDockerError, isEngineFailure, type DockerErrorCode } from '../docker/errors.js';
import { removeSessionObjects, type SessionObjectsReport } from './objects.js';
import {
  clearUnreachable,
  isClosed,
  isIncomplete,
  isKept,
  isOwnerAlive,
  listSessionDirs,
  markClosed,
  markIncomplete,
  markUnreachable,
  readSessionRecordChecked,
  readTrackedChecked,
  readUnreachable,
  refusedTrackedWarning,
  removeSessionDir,
  type SessionRecord,
  type Unreachable,
} from './store.js';
import { SESSION_LABEL } from './names.js';

/** Dead sessions whose engine stays unreachable are forgotten after this long. */
export const FORGET_AFTER_MS = 7 * 24 * 3600 * 1000;
/** How many sessions are swept at once. */
export const SWEEP_CONCURRENCY = 4;
/** The probe of an engine: one listing, bounded by this (or the client's timeout, if shorter). */
export const PROBE_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 6 * 3600 * 1000;

export interface SweptSession {
  readonly sessionId: string;
  readonly report?: SessionObjectsReport;
  /** Why it could not be swept (engine unreachable…); the record is kept for a later try. */
  readonly error?: string;
  readonly errorCode?: DockerErrorCode;
  /** The engine did not answer within the timeout. */
  readonly timedOut?: boolean;
  /** The sweep did not remove everything: the record stays for a later try. */
  readonly incomplete?: boolean;
}

export interface SweepReport {
  readonly sessions: SweptSession[];
  /** One line each: records refused by the safety checks, engines backed off from. */
  readonly warnings: string[];
}

export interface SweepOptions {
  readonly dryRun?: boolean;
  /** Include sessions whose containers were kept on purpose (keepOnFailure). */
  readonly includeKept?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly onCommand?: EngineOptions['onCommand'];
  readonly onRequest?: EngineOptions['onRequest'];
  /** The docker CLI to run: the sweeping process's own, never one named by a record. */
  readonly dockerPath?: string | undefined;
  /** Timeout of each docker call, instead of the one each record names (`sweep --timeout`). */
  readonly timeoutMs?: number | undefined;
  /** Skip engines that did not answer recently (the background sweep); `sweep` by hand tries anyway. */
  readonly respectBackoff?: boolean;
  /** Start no new session sweep after this many ms (the background sweep's overall bound). */
  readonly deadlineMs?: number;
  readonly concurrency?: number;
  /** Sessions not to touch (the sweeping run's own). */
  readonly skip?: ReadonlySet<string>;
  readonly now?: () => number;
}

/**
 * The engine a recorded session used, reached the way it was at setup (host, context,
 * transport), with the sweeping process's own docker CLI when the CLI is needed.
 */
export function engineFor(record: Pick<SessionRecord, 'docker'>, options: SweepOptions = {}): Engine {
  const timeoutMs = options.timeoutMs ?? record.docker.timeoutMs;
  return engineFromOptions({
    ...(record.docker.host ? { host: record.docker.host } : record.docker.context ? { context: record.docker.context } : {}),
    transport: record.docker.transport ?? 'auto',
    ...(options.dockerPath ? { path: options.dockerPath } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.onCommand ? { onCommand: options.onCommand } : {}),
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  }).engine;
}

/** Whether a sweep report removed everything it found (nothing failed, no listing failed). */
export function sweptEverything(report: SessionObjectsReport): boolean {
  return report.warnings.length === 0 && report.containers.failed.length + report.networks.failed.length + report.volumes.failed.length === 0;
}

/** Sweep one session's objects (by label and its tracked IDs, when its record is here). */
export async function sweepSession(engine: Engine, sessionId: string, dir: string | undefined, options: SweepOptions = {}): Promise<SweptSession> {
  const tracked = dir ? readTrackedChecked(dir) : { entries: [], refused: 0 };
  try {
    const report = await removeSessionObjects(engine, {
      sessionId,
      tracked: tracked.entries,
      stopTimeout: 0,
      keep: false,
      dryRun: options.dryRun ?? false,
    });
    report.warnings.push(...refusedTrackedWarning(sessionId, tracked.refused));
    const complete = sweptEverything({ ...report, warnings: report.warnings.filter((warning) => !warning.startsWith('Ignored ')) });
    // Containers left because their label may be their image's: said, never a reason to keep the session.
    report.warnings.push(...report.notes);
    if (dir && !options.dryRun) {
      if (complete) {
        markClosed(dir);
        removeSessionDir(dir);
      } else {
        markIncomplete(dir);
      }
    }
    return { sessionId, report, ...(complete ? {} : { incomplete: true }) };
  } catch (error) {
    // Anything else (a bug, a record no engine can be made for): this session's line, never the whole sweep.
    if (!isDockerError(error)) return { sessionId, error: unexpected(error) };
    const timedOut = 'timedOut' in error && error.timedOut === true;
    // A 5xx on a listing: the engine is not working, counted as unreachable (exit 3).
    const errorCode = isEngineFailure(error) ? 'DOCKER_UNREACHABLE' : error.code;
    return { sessionId, error: error.message.split('\n')[0] ?? String(error), errorCode, ...(timedOut ? { timedOut } : {}) };
  }
}

interface Candidate {
  readonly dir: string;
  readonly record: SessionRecord;
}

/** Pure: how long to stay away from an engine that did not answer `unreachable.count` times in a row. */
export function backoffMs(unreachable: Unreachable): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(20, unreachable.count - 1));
}

/** Pure: the engine a record names, as a key for grouping. */
export function engineKey(record: Pick<SessionRecord, 'docker'>): string {
  return record.docker.host ? `host:${record.docker.host}` : record.docker.context ? `context:${record.docker.context}` : 'default';
}

/** Every session recorded under `root` whose owner is dead and that was not cleaned. */
export async function sweepDeadSessions(root: string, options: SweepOptions = {}): Promise<SweepReport> {
  const now = options.now ?? Date.now;
  const started = now();
  const warnings: string[] = [];
  const listing = listSessionDirs(root);
  if (listing.refused) {
    warnings.push(`Ignored the session records under ${root}: ${listing.refused}`);
    return { sessions: [], warnings };
  }

  const refused: string[] = [];
  const byEngine = new Map<string, Candidate[]>();
  for (const dir of listing.dirs) {
    const read = readSessionRecordChecked(dir);
    if (!read.ok) {
      refused.push(`${basename(dir)} (${read.reason})`);
      continue;
    }
    const { record } = read;
    if (options.skip?.has(record.id) || isOwnerAlive(record)) continue;
    if (isKept(dir) && !options.includeKept) continue;
    if (isClosed(dir) && !isKept(dir) && !isIncomplete(dir)) {
      if (!options.dryRun) removeSessionDir(dir);
      continue;
    }
    const key = engineKey(record);
    byEngine.set(key, [...(byEngine.get(key) ?? []), { dir, record }]);
  }
  if (refused.length > 0) {
    const shown = refused.slice(0, 3).join(', ');
    warnings.push(
      `Ignored ${refused.length} session record${refused.length === 1 ? '' : 's'} under ${root} that failed the safety checks: ${shown}${refused.length > 3 ? ', …' : ''}`,
    );
  }

  const sessions: SweptSession[] = [];
  const work: Array<() => Promise<void>> = [];
  await Promise.all(
    [...byEngine.values()].map(async (candidates) => {
      const first = candidates[0];
      if (!first) return;
      if (options.respectBackoff) {
        const unreachable = readUnreachable(first.dir);
        if (unreachable && now() < unreachable.at + backoffMs(unreachable)) return; // asked again later
      }
      const probe = await probeSessions(() =>
        engineFor(first.record, { ...options, timeoutMs: Math.min(PROBE_TIMEOUT_MS, options.timeoutMs ?? first.record.docker.timeoutMs ?? PROBE_TIMEOUT_MS) }),
      );
      if (!probe.ok) {
        const at = now();
        for (const { dir, record } of candidates) {
          sessions.push({ sessionId: record.id, error: probe.error, ...(probe.errorCode ? { errorCode: probe.errorCode } : {}) });
          if (options.dryRun) continue;
          if (at - record.startedAt > FORGET_AFTER_MS) removeSessionDir(dir); // unanswered for a week: forget it
          else markUnreachable(dir, at);
        }
        return;
      }
      for (const { dir, record } of candidates) {
        if (!options.dryRun) clearUnreachable(dir);
        const tracked = readTrackedChecked(dir);
        if (!probe.sessions.has(record.id) && tracked.entries.length === 0 && tracked.refused === 0) {
          // Nothing labelled left and nothing tracked: done without another call.
          if (!options.dryRun) {
            markClosed(dir);
            removeSessionDir(dir);
          }
          sessions.push({ sessionId: record.id, report: nothingLeft() });
          continue;
        }
        work.push(async () => {
          let engine: Engine;
          try {
            engine = engineFor(record, options);
          } catch (error) {
            sessions.push({ sessionId: record.id, ...(isDockerError(error) ? { error: firstLine(error), errorCode: error.code } : { error: unexpected(error) }) });
            return;
          }
          try {
            sessions.push(await sweepSession(engine, record.id, dir, options));
          } finally {
            engine.close();
          }
        });
      }
    }),
  );

  await runLimited(work, options.concurrency ?? SWEEP_CONCURRENCY, () => options.deadlineMs !== undefined && now() - started > options.deadlineMs);
  return { sessions: sessions.sort((a, b) => a.sessionId.localeCompare(b.sessionId)), warnings };
}

type Probe = { ok: true; sessions: Set<string> } | { ok: false; error: string; errorCode?: DockerErrorCode };

/**
 * Which sessions have labelled objects on this engine; also whether it answers at all. An engine
 * that cannot even be made (an endpoint no client can reach) or an unexpected error is a failed
 * probe for this engine's records, reported on their lines: the other engines are swept.
 */
async function probeSessions(makeEngine: () => Engine): Promise<Probe> {
  let engine: Engine | undefined;
  try {
    engine = makeEngine();
    return { ok: true, sessions: await engine.labelValues(SESSION_LABEL) };
  } catch (error) {
    if (!isDockerError(error)) return { ok: false, error: unexpected(error) };
    // An engine that hangs counts as unreachable, like one that refuses the connection.
    const unreachable = error.code !== 'DOCKER_COMMAND_FAILED' || ('timedOut' in error && error.timedOut === true) || isEngineFailure(error);
    return { ok: false, error: firstLine(error), errorCode: unreachable ? 'DOCKER_UNREACHABLE' : error.code };
  } finally {
    engine?.close();
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** One line for an error that is not Docker's: its name and first line, no stack. */
export function unexpected(error: unknown): string {
  return `unexpected error: ${error instanceof Error ? `${error.name}: ` : ''}${firstLine(error)}`;
}

function nothingLeft(): SessionObjectsReport {
  const empty = { removed: [], kept: [], failed: [] };
  return { containers: empty, networks: empty, volumes: empty, warnings: [], notes: [] };
}

/** Run `tasks` at most `limit` at a time; start none once `stop()` says so. */
async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, limit: number, stop: () => boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !stop()) {
      const task = tasks[next++];
      await task?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
}

/**
 * `docker-janitor sessions`: the sessions recorded on this machine, their state, and what each
 * still holds on its engine (objects with its label; its own dangling images: made through its
 * socket, or labelled with it). Read-only: nothing is removed here.
 */
import { basename } from 'node:path';
import { isDockerError, isEngineFailure, type DockerErrorCode } from '../docker/errors.js';
import { inScope } from '../cleaner/plan.js';
import { isClosed, isKept, isOwnerAlive, listSessionDirs, readImagesMade, readSessionRecordChecked, type SessionRecord } from './store.js';
import { engineFor, PROBE_TIMEOUT_MS, unexpected } from './sweep.js';
import { sessionImageScope } from './image-labels.js';
import { SESSION_LABEL } from './names.js';

export type SessionState = 'running' | 'dead' | 'kept' | 'closed';

export interface SessionHoldings {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
  /** Its own dangling images: made through its socket (recorded), or labelled with it. */
  readonly images: number;
}

export interface SessionEntry {
  readonly id: string;
  readonly state: SessionState;
  readonly pid: number;
  readonly hostname: string;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** The engine the session recorded (DOCKER_HOST or context), or undefined for the default. */
  readonly engine: string | undefined;
  readonly holds?: SessionHoldings;
  /** Why its engine could not be asked. */
  readonly error?: string;
  readonly errorCode?: DockerErrorCode;
}

/**
 * A session's state from its markers and its owner. Pure.
 * - `kept`: its teardown kept the containers of a failed run (keepOnFailure);
 * - `closed`: cleaned, its record not removed yet;
 * - `running`: its runner process is alive;
 * - `dead`: its runner died without teardown (the next run, or `sweep`, cleans it).
 */
export function sessionState(markers: { readonly kept: boolean; readonly closed: boolean; readonly ownerAlive: boolean }): SessionState {
  if (markers.kept) return 'kept';
  if (markers.closed) return 'closed';
  return markers.ownerAlive ? 'running' : 'dead';
}

export interface InventoryOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** One line for a refused state root, one for the session records that failed the checks. */
  readonly onWarning?: (line: string) => void;
  /**
   * Timeout of each engine call, in ms (`sessions --timeout`). Default: the session's recorded
   * timeout, at most {@link PROBE_TIMEOUT_MS} (as sweep's probe): a frozen engine does not hold
   * the listing for the record's 60 s.
   */
  readonly timeoutMs?: number;
  /** The docker CLI to run, for engines only the CLI reaches. */
  readonly dockerPath?: string;
}

/** Every session recorded under `root`, oldest first, with what it holds on its engine. */
export async function listSessions(root: string, options: InventoryOptions = {}): Promise<SessionEntry[]> {
  const found: Array<{ dir: string; record: SessionRecord }> = [];
  // Only private directories and records that pass the checks (see store.ts); the rest is not
  // shown, but said (as sweep says it).
  const listing = listSessionDirs(root);
  if (listing.refused) options.onWarning?.(`Ignored the session records under ${root}: ${listing.refused}`);
  const refused: string[] = [];
  for (const dir of listing.dirs) {
    const read = readSessionRecordChecked(dir);
    if (read.ok) found.push({ dir, record: read.record });
    else refused.push(`${basename(dir)} (${read.reason})`);
  }
  if (refused.length > 0) {
    options.onWarning?.(
      `Ignored ${refused.length} session record${refused.length === 1 ? '' : 's'} under ${root} that failed the safety checks: ${refused.slice(0, 3).join(', ')}${refused.length > 3 ? ', …' : ''}`,
    );
  }
  found.sort((a, b) => a.record.startedAt - b.record.startedAt);
  return Promise.all(
    found.map(async ({ dir, record }) => {
      const entry = {
        id: record.id,
        state: sessionState({ kept: isKept(dir), closed: isClosed(dir), ownerAlive: isOwnerAlive(record) }),
        pid: record.pid,
        hostname: record.hostname,
        startedAt: record.startedAt,
        engine: record.docker.host ?? (record.docker.context ? `context ${record.docker.context}` : undefined),
      };
      try {
        return { ...entry, holds: await holdings(record, readImagesMade(dir), options) };
      } catch (error) {
        // One record that cannot be asked about never stops the listing: its line says why.
        if (!isDockerError(error)) return { ...entry, error: unexpected(error) };
        // A timeout is unreachable already; a 5xx on a listing too (the engine is not working).
        const errorCode = isEngineFailure(error) ? 'DOCKER_UNREACHABLE' : error.code;
        return { ...entry, error: error.message.split('\n')[0] ?? String(error), errorCode };
      }
    }),
  );
}

async function holdings(record: SessionRecord, made: ReadonlySet<string>, options: InventoryOptions): Promise<SessionHoldings> {
  const timeoutMs = options.timeoutMs ?? Math.min(PROBE_TIMEOUT_MS, record.docker.timeoutMs ?? PROBE_TIMEOUT_MS);
  const engine = engineFor(record, { timeoutMs, ...(options.env ? { env: options.env } : {}), ...(options.dockerPath ? { dockerPath: options.dockerPath } : {}) });
  const label = [`${SESSION_LABEL}=${record.id}`];
  // What `images: 'session'` would take at its teardown (whether it had the socket is not recorded).
  const own = sessionImageScope('session', record.id, undefined, made, true);
  const [containers, networks, volumes, images] = await Promise.all([
    engine.listContainers({ labels: label }).then((list) => list.map((container) => container.id)),
    engine.listNetworks(label),
    engine.listVolumes(label),
    engine.listImages({ dangling: true }).then((list) => list.filter((image) => inScope(image, own)).length),
  ]).finally(() => engine.close());
  return { containers, networks, volumes, images };
}

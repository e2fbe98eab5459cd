/**
 * What a session record and a tracked entry may contain. Pure: a parsed JSON value in, a typed
 * value or the reason it was refused out. Records are read back by the watchdog, the next run
 * and `sweep`; nothing in them is trusted beyond what these checks allow, and nothing in them
 * ever names a program to run (the docker CLI comes from the reading process's own options).
 */
import { MAX_STOP_TIMEOUT_S, MAX_TIMEOUT_MS } from '../options/limits.js';
import type { TrackKind } from './tracking.cjs';

export interface SessionDocker {
  readonly host?: string | undefined;
  readonly context?: string | undefined;
  /** `docker.transport` at setup; absent in older records (then `auto`). */
  readonly transport?: 'auto' | 'api' | 'cli' | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface SessionRecord {
  readonly id: string;
  /** The runner process that owns the session. */
  readonly pid: number;
  /** Its start time as the kernel tells it (Linux), to tell a reused pid apart. */
  readonly pidStart: string | undefined;
  /**
   * Its PID namespace (Linux, `pid:[INODE]` as /proc/self/ns/pid reads); absent in older records
   * and elsewhere. A runner in another PID namespace with the same hostname (containers with
   * `--network host`, which take the host's hostname, sharing a state dir) is not judged by its
   * pid: that pid means another process, or none, here.
   */
  readonly pidNamespace?: string | undefined;
  readonly hostname: string;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** How to reach the engine: resolved from options and the environment at setup. Never a program. */
  readonly docker: SessionDocker;
  /** Seconds containers get to stop. */
  readonly stopTimeout: number;
  /** Adoption filters: label filters, or all containers. */
  readonly adopt: { readonly labels: readonly string[]; readonly all: boolean };
}

export interface TrackedEntry {
  readonly id: string;
  readonly kind?: TrackKind;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Session ids as `newSessionId` makes them (base-36 time, 8 hex), loosely: the CLI accepts the same. */
export const SESSION_ID = /^[a-z0-9]{1,16}-[0-9a-f]{8}$/;
/** A docker ID or name: what the engine accepts for containers, networks and volumes. */
export const OBJECT_REF = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const MAX_OBJECT_REF = 255;
const HOSTNAME = /^[\x21-\x7e]{1,255}$/;
const PID_NAMESPACE = /^pid:\[\d{1,20}\]$/;
const CONTEXT = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;
/** Any printable text: a socket path may have spaces or non-ASCII letters (`unix:///Users/José/…`). */
const HOST = /^[^\x00-\x1f\x7f]{1,1024}$/u;
const LABEL_FILTER = /^[^=\s]+(=.*)?$/;
const MAX_PID = 2 ** 22; // Linux's pid_max ceiling
export const MAX_ADOPT_LABELS = 100;
export const MAX_ADOPT_LABEL_LENGTH = 1024;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const refuse = (reason: string): Checked<never> => ({ ok: false, reason });

/** A session record as read from `session.json`, checked field by field. `dirName` is its directory's name. */
export function checkSessionRecord(raw: unknown, dirName: string): Checked<SessionRecord> {
  if (!isObject(raw)) return refuse('not a JSON object');
  const { id, pid, pidStart, pidNamespace, hostname, startedAt, docker, stopTimeout, adopt } = raw;
  if (typeof id !== 'string' || !SESSION_ID.test(id)) return refuse('bad session id');
  if (id !== dirName) return refuse('session id does not match its directory');
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0 || pid > MAX_PID) return refuse('bad pid');
  if (pidStart !== undefined && (typeof pidStart !== 'string' || !/^\d{1,20}$/.test(pidStart))) return refuse('bad pidStart');
  if (pidNamespace !== undefined && (typeof pidNamespace !== 'string' || !PID_NAMESPACE.test(pidNamespace))) return refuse('bad pidNamespace');
  if (typeof hostname !== 'string' || !HOSTNAME.test(hostname)) return refuse('bad hostname');
  if (typeof startedAt !== 'number' || !Number.isFinite(startedAt) || startedAt < 0) return refuse('bad startedAt');
  if (typeof stopTimeout !== 'number' || !Number.isInteger(stopTimeout) || stopTimeout < 0 || stopTimeout > MAX_STOP_TIMEOUT_S) {
    return refuse('bad stopTimeout');
  }
  if (!isObject(docker)) return refuse('bad docker');
  const { host, context, transport, timeoutMs } = docker;
  if (transport !== undefined && transport !== 'auto' && transport !== 'api' && transport !== 'cli') return refuse('bad docker.transport');
  if (host !== undefined && (typeof host !== 'string' || !HOST.test(host))) return refuse('bad docker.host');
  if (context !== undefined && (typeof context !== 'string' || !CONTEXT.test(context))) return refuse('bad docker.context');
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS)) {
    return refuse('bad docker.timeoutMs');
  }
  if (!isObject(adopt) || typeof adopt.all !== 'boolean' || !Array.isArray(adopt.labels) || adopt.labels.length > MAX_ADOPT_LABELS) {
    return refuse('bad adopt');
  }
  const labels: string[] = [];
  for (const label of adopt.labels) {
    if (typeof label !== 'string' || label.length > MAX_ADOPT_LABEL_LENGTH || !LABEL_FILTER.test(label)) return refuse('bad adopt label');
    labels.push(label);
  }
  return {
    ok: true,
    value: {
      id,
      pid,
      pidStart: pidStart as string | undefined,
      ...(pidNamespace !== undefined ? { pidNamespace: pidNamespace as string } : {}),
      hostname,
      startedAt,
      // `docker.path` of older records is dropped here: a record never names a program.
      docker: {
        host: host as string | undefined,
        context: context as string | undefined,
        ...(transport !== undefined ? { transport } : {}),
        timeoutMs: timeoutMs as number | undefined,
      },
      stopTimeout,
      adopt: { labels, all: adopt.all },
    },
  };
}

/** One line of `tracked.jsonl`, parsed: a docker ID or name and an optional kind. */
export function checkTrackedEntry(raw: unknown): Checked<TrackedEntry> {
  if (!isObject(raw)) return refuse('not a JSON object');
  const { id, kind } = raw;
  if (typeof id !== 'string' || id.length > MAX_OBJECT_REF || !OBJECT_REF.test(id)) return refuse('bad id');
  if (kind !== undefined && kind !== 'container' && kind !== 'network' && kind !== 'volume') return refuse('bad kind');
  return { ok: true, value: kind === undefined ? { id } : { id, kind } };
}

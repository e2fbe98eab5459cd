/**
 * Session records on this machine: `<root>/sessions/<id>/` holds `session.json` (who owns the
 * session and which engine it uses), `tracked.jsonl` (IDs tests tracked), `images-before.txt`
 * (for the `session` image scope) and a `closed` marker once the session was cleaned.
 * The watchdog, signal handlers and the next run's sweep all read the same files.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACKED_FILE, type TrackKind } from './tracking.cjs';

export interface SessionDocker {
  readonly path?: string | undefined;
  readonly host?: string | undefined;
  readonly context?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

export interface SessionRecord {
  readonly id: string;
  /** The runner process that owns the session. */
  readonly pid: number;
  /** Its start time as the kernel tells it (Linux), to tell a reused pid apart. */
  readonly pidStart: string | undefined;
  readonly hostname: string;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** How to reach the engine: resolved from options and the environment at setup. */
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

const RECORD_FILE = 'session.json';
const CLOSED_FILE = 'closed';
const KEPT_FILE = 'kept';
const IMAGES_BEFORE_FILE = 'images-before.txt';

export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_JANITOR_STATE_DIR || join(tmpdir(), 'docker-janitor');
}

export function sessionsDir(root: string): string {
  return join(root, 'sessions');
}

export function newSessionId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function sessionDir(root: string, id: string): string {
  return join(sessionsDir(root), id);
}

export function writeSessionRecord(dir: string, record: SessionRecord): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(join(dir, TRACKED_FILE), '', { flag: 'a' });
}

export function readSessionRecord(dir: string): SessionRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, RECORD_FILE), 'utf8')) as SessionRecord;
  } catch {
    return undefined;
  }
}

export function readTracked(dir: string): TrackedEntry[] {
  let text = '';
  try {
    text = readFileSync(join(dir, TRACKED_FILE), 'utf8');
  } catch {
    return [];
  }
  const entries: TrackedEntry[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as TrackedEntry;
      const key = `${entry.kind ?? ''}:${entry.id}`;
      if (typeof entry.id === 'string' && !seen.has(key)) {
        seen.add(key);
        entries.push(entry);
      }
    } catch {
      // A torn line (a writer killed mid-append): skip it.
    }
  }
  return entries;
}

export function appendTracked(dir: string, entries: readonly TrackedEntry[]): void {
  if (entries.length === 0) return;
  writeFileSync(join(dir, TRACKED_FILE), entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''), { flag: 'a' });
}

export function writeImagesBefore(dir: string, ids: readonly string[]): void {
  writeFileSync(join(dir, IMAGES_BEFORE_FILE), ids.join('\n'));
}

export function readImagesBefore(dir: string): Set<string> | undefined {
  try {
    return new Set(readFileSync(join(dir, IMAGES_BEFORE_FILE), 'utf8').split('\n').filter(Boolean));
  } catch {
    return undefined;
  }
}

export function markClosed(dir: string): void {
  try {
    writeFileSync(join(dir, CLOSED_FILE), `${Date.now()}\n`);
  } catch {
    // The directory is gone: nothing left to mark.
  }
}

/** The session ended with its containers kept on purpose (keepOnFailure). */
export function markKept(dir: string): void {
  try {
    writeFileSync(join(dir, KEPT_FILE), `${Date.now()}\n`);
  } catch {
    // The directory is gone.
  }
}

export function isKept(dir: string): boolean {
  return existsSync(join(dir, KEPT_FILE));
}

export function isClosed(dir: string): boolean {
  return existsSync(join(dir, CLOSED_FILE));
}

export function removeSessionDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function listSessionDirs(root: string): string[] {
  try {
    return readdirSync(sessionsDir(root)).map((name) => join(sessionsDir(root), name));
  } catch {
    return [];
  }
}

/** The kernel's start time of a process (field 22 of /proc/PID/stat), where there is /proc. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the session's owner still runs (same pid and, where known, same start time). */
export function isOwnerAlive(record: Pick<SessionRecord, 'pid' | 'pidStart' | 'hostname'>): boolean {
  if (record.hostname !== hostname()) return true; // not ours to judge
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (record.pidStart === undefined) return true;
  const now = processStart(record.pid);
  return now === undefined || now === record.pidStart;
}

/**
 * Session records on this machine: `<root>/sessions/<id>/` holds `session.json` (who owns the
 * session and which engine it uses), `tracked.jsonl` (IDs tests tracked), `images-before.txt`
 * (for the `session` image scope) and a `closed` marker once the session was cleaned.
 * The watchdog, signal handlers and the next run's sweep all read the same files.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { isFullImageId } from '../docker/refs.js';
import { checkAncestors, checkPrivateDir, ensurePrivateDir, isOwnFile, type DirCheck } from '../private/dir.js';
import { currentUid, writePrivateFile } from '../private/file.cjs';
import { checkSessionRecord, checkTrackedEntry, type SessionRecord, type TrackedEntry } from './record.js';
import { TRACKED_FILE } from './names.js';

export type { SessionDocker, SessionRecord, TrackedEntry } from './record.js';

const RECORD_FILE = 'session.json';
const CLOSED_FILE = 'closed';
const KEPT_FILE = 'kept';
const IMAGES_BEFORE_FILE = 'images-before.txt';
/** The images made through the session socket (build, commit, import), one full ID a line. */
const IMAGES_MADE_FILE = 'images-made.txt';
const INCOMPLETE_FILE = 'incomplete';
const UNREACHABLE_FILE = 'last-unreachable';

/**
 * The per-user state root: `DOCKER_JANITOR_STATE_DIR`, else `$XDG_STATE_HOME/docker-janitor`,
 * else `$TMPDIR/docker-janitor-<uid>`. Never a directory shared between users.
 */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  // Always absolute: the session socket's path becomes the tests' DOCKER_HOST, which a relative
  // root would make reachable only from this working directory (a test that changes directory,
  // a workspace package, compose run elsewhere got "Cannot connect to the Docker daemon").
  if (env.DOCKER_JANITOR_STATE_DIR) return resolve(env.DOCKER_JANITOR_STATE_DIR);
  // The XDG spec: a relative path is invalid and ignored (it would depend on the working
  // directory, so a later run or sweep elsewhere would never find the records).
  if (env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME)) return join(env.XDG_STATE_HOME, 'docker-janitor');
  return resolve(env.TMPDIR || tmpdir(), `docker-janitor-${currentUid() ?? safeName(userInfo().username)}`);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** What to do about a state root that is refused: said at the end of each refusal. */
export const STATE_DIR_ADVICE = 'set DOCKER_JANITOR_STATE_DIR (or XDG_STATE_HOME) to a directory of yours that no other user can write';

const refuseRoot = (reason: string): DirCheck => ({ ok: false, reason: `${reason}; ${STATE_DIR_ADVICE}` });
const aboveIt = (reason: string) => `above it, ${reason}, so another user could put a directory of theirs in its place`;

/**
 * Create the state root and its sessions directory (0700) if needed, and check both are private
 * and that no other user can replace them (their ancestors: see private/dir.ts). Checked before
 * anything is created, so nothing is made under a directory another user controls, and again
 * after: a missing ancestor that another user created between that check and the mkdir (in a
 * sticky shared directory, where they may) is used by the mkdir as it is, and is judged only
 * now. `ensure` creates and checks one directory (a parameter for the tests of that window).
 */
export function prepareStateRoot(root: string, ensure: (dir: string) => DirCheck = ensurePrivateDir): DirCheck {
  const ancestors = checkAncestors(root);
  if (!ancestors.ok) return refuseRoot(aboveIt(ancestors.reason));
  for (const dir of [root, sessionsDir(root)]) {
    const check = ensure(dir);
    if (!check.ok) return refuseRoot(`${dir === root ? 'it' : dir} ${check.reason}`);
  }
  const after = checkAncestors(root);
  if (!after.ok) return refuseRoot(aboveIt(after.reason));
  return { ok: true };
}

/** Check (without creating anything) that the state root and its sessions directory are private, ancestors included. */
export function checkStateRoot(root: string): DirCheck {
  const ancestors = checkAncestors(root);
  if (!ancestors.ok) return refuseRoot(aboveIt(ancestors.reason));
  for (const dir of [root, sessionsDir(root)]) {
    const check = checkPrivateDir(dir);
    if (!check.ok) return refuseRoot(`${dir === root ? 'it' : dir} ${check.reason}`);
  }
  return { ok: true };
}

export function sessionsDir(root: string): string {
  return join(root, 'sessions');
}

export function newSessionId(now = Date.now()): string {
  // The global Web Crypto: no import of node:crypto, which the watchdog then starts without.
  return `${now.toString(36)}-${Buffer.from(crypto.getRandomValues(new Uint8Array(4))).toString('hex')}`;
}

export function sessionDir(root: string, id: string): string {
  return join(sessionsDir(root), id);
}

/**
 * Write a new session's directory (0700) and record (0600). Refuses a directory that is not
 * private, and files that are already there (a new session's files are created, never reused).
 */
export function writeSessionRecord(dir: string, record: SessionRecord): void {
  const check = ensurePrivateDir(dir);
  if (!check.ok) throw new Error(`session directory ${dir} ${check.reason}`);
  writePrivateFile(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`, 'new');
  writePrivateFile(join(dir, TRACKED_FILE), '', 'new');
}

export type RecordRead = { readonly ok: true; readonly record: SessionRecord } | { readonly ok: false; readonly reason: string };

/**
 * A session's record, after checking that its directory is private and the record a regular
 * file of ours whose every field is sane. Anything else is refused, with the reason.
 */
export function readSessionRecordChecked(dir: string): RecordRead {
  const check = checkPrivateDir(dir);
  if (!check.ok) return { ok: false, reason: `directory ${check.reason}` };
  const file = join(dir, RECORD_FILE);
  if (!isOwnFile(file)) return { ok: false, reason: 'record is missing, not a regular file, or not yours' };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { ok: false, reason: 'record is not valid JSON' };
  }
  const checked = checkSessionRecord(raw, basename(dir));
  return checked.ok ? { ok: true, record: checked.value } : { ok: false, reason: `record: ${checked.reason}` };
}

export function readSessionRecord(dir: string): SessionRecord | undefined {
  const read = readSessionRecordChecked(dir);
  return read.ok ? read.record : undefined;
}

export interface TrackedRead {
  readonly entries: TrackedEntry[];
  /** Lines refused (not a docker ID or name, a bad kind, a torn line): ignored. */
  readonly refused: number;
}

/** The tracked IDs, checked one by one; refused lines are counted, not used. */
export function readTrackedChecked(dir: string): TrackedRead {
  const file = join(dir, TRACKED_FILE);
  let text = '';
  try {
    if (!isOwnFile(file)) return { entries: [], refused: existsSync(file) ? 1 : 0 };
    text = readFileSync(file, 'utf8');
  } catch {
    return { entries: [], refused: 0 };
  }
  const entries: TrackedEntry[] = [];
  const seen = new Set<string>();
  let refused = 0;
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      // A torn last line (a writer killed mid-append) is expected; anything else is refused.
      if (index < lines.length - 1) refused += 1;
      return;
    }
    const checked = checkTrackedEntry(raw);
    if (!checked.ok) {
      refused += 1;
      return;
    }
    const key = `${checked.value.kind ?? ''}:${checked.value.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      entries.push(checked.value);
    }
  });
  return { entries, refused };
}

export function readTracked(dir: string): TrackedEntry[] {
  return readTrackedChecked(dir).entries;
}

/** One warning line for refused tracked entries, or nothing. */
export function refusedTrackedWarning(sessionId: string, refused: number): string[] {
  return refused > 0
    ? [`Ignored ${refused} tracked ${refused === 1 ? 'entry' : 'entries'} of session ${sessionId} that ${refused === 1 ? 'is' : 'are'} not a docker ID or name`]
    : [];
}

export function appendTracked(dir: string, entries: readonly TrackedEntry[]): void {
  if (entries.length === 0) return;
  writePrivateFile(join(dir, TRACKED_FILE), entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''), 'append');
}

export function writeImagesBefore(dir: string, ids: readonly string[]): void {
  writePrivateFile(join(dir, IMAGES_BEFORE_FILE), ids.join('\n'), 'replace');
}

export function readImagesBefore(dir: string): Set<string> | undefined {
  try {
    return new Set(readFileSync(join(dir, IMAGES_BEFORE_FILE), 'utf8').split('\n').filter(Boolean));
  } catch {
    return undefined;
  }
}

/** Records an image made through the session socket (the watchdog, as the engine's answer names it). */
export function appendImageMade(dir: string, id: string): void {
  writePrivateFile(join(dir, IMAGES_MADE_FILE), `${id}\n`, 'append');
}

/** The images made through the session socket; empty when none was (or none recorded). */
export function readImagesMade(dir: string): Set<string> {
  try {
    return new Set(readFileSync(join(dir, IMAGES_MADE_FILE), 'utf8').split('\n').filter(isFullImageId));
  } catch {
    return new Set();
  }
}

export function markClosed(dir: string): void {
  try {
    writePrivateFile(join(dir, CLOSED_FILE), `${Date.now()}\n`, 'replace');
  } catch {
    // The directory is gone (nothing left to mark), or a symlink is at the name (never followed).
  }
}

/** The session ended with its containers kept on purpose (keepOnFailure). */
export function markKept(dir: string): void {
  try {
    writePrivateFile(join(dir, KEPT_FILE), `${Date.now()}\n`, 'replace');
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
  // The watchdog may write its log into the directory while it goes (it logs once it serves the
  // socket, a few ms after a quick setup): the last rmdir then fails with ENOTEMPTY. Again, from
  // the top (rmSync's own retries only repeat that rmdir).
  for (let attempt = 1; ; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' || attempt >= 5) throw error;
    }
  }
}

/**
 * Teardown could not remove everything the session names (engine down, a removal that failed or
 * hung): the record stays, and the watchdog, the next run and `sweep` retry it.
 */
export function markIncomplete(dir: string): void {
  try {
    writePrivateFile(join(dir, INCOMPLETE_FILE), `${Date.now()}\n`, 'replace');
  } catch {
    // The directory is gone.
  }
}

export function isIncomplete(dir: string): boolean {
  return existsSync(join(dir, INCOMPLETE_FILE));
}

/** When the session's engine last did not answer, and how many times in a row. */
export interface Unreachable {
  readonly at: number;
  readonly count: number;
}

export function readUnreachable(dir: string): Unreachable | undefined {
  try {
    const [at, count] = readFileSync(join(dir, UNREACHABLE_FILE), 'utf8').trim().split(' ').map(Number);
    return at !== undefined && Number.isFinite(at) ? { at, count: count !== undefined && Number.isInteger(count) && count > 0 ? count : 1 } : undefined;
  } catch {
    return undefined;
  }
}

export function markUnreachable(dir: string, now: number): void {
  const count = (readUnreachable(dir)?.count ?? 0) + 1;
  try {
    writePrivateFile(join(dir, UNREACHABLE_FILE), `${now} ${count}\n`, 'replace');
  } catch {
    // The directory is gone.
  }
}

export function clearUnreachable(dir: string): void {
  rmSync(join(dir, UNREACHABLE_FILE), { force: true });
}

/** Every entry of the sessions directory, or nothing when the state root is not private (and why). */
export function listSessionDirs(root: string): { dirs: string[]; refused?: string } {
  if (!pathExists(root)) return { dirs: [] };
  // A root that exists (a symlink too) is checked even before it has a sessions directory: a
  // root another user made first is refused out loud, not read as "no sessions". So are its
  // ancestors: a tree another user can put in its place is not read either.
  const refused = (reason: string) => ({ dirs: [], refused: `${reason}; ${STATE_DIR_ADVICE}` });
  const ancestors = checkAncestors(root);
  if (!ancestors.ok) return refused(aboveIt(ancestors.reason));
  for (const dir of [root, sessionsDir(root)]) {
    if (dir !== root && !pathExists(dir)) return { dirs: [] };
    const check = checkPrivateDir(dir);
    if (!check.ok) return refused(`${dir === root ? 'it' : dir} ${check.reason}`);
  }
  try {
    return { dirs: readdirSync(sessionsDir(root)).map((name) => join(sessionsDir(root), name)) };
  } catch {
    return { dirs: [] };
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

/** This process's PID namespace, `pid:[INODE]` (Linux), or undefined where there is none to read. */
export function pidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/**
 * Whether the session's owner still runs (same pid and, where known, same start time). A record
 * of another host, or of another PID namespace on this one, is not ours to judge: its pid names
 * another process here, or none.
 */
export function isOwnerAlive(record: Pick<SessionRecord, 'pid' | 'pidStart' | 'pidNamespace' | 'hostname'>, ownPidNamespace = pidNamespace()): boolean {
  if (record.hostname !== hostname()) return true; // not ours to judge
  if (record.pidNamespace !== undefined && ownPidNamespace !== undefined && record.pidNamespace !== ownPidNamespace) return true;
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (record.pidStart === undefined) return true;
  const now = processStart(record.pid);
  return now === undefined || now === record.pidStart;
}

/** Whether anything (a symlink, even a dangling one) is at `path`. */
function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

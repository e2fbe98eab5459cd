/**
 * `docker-janitor/session`: what test files use to tie the Docker objects they create to the
 * run's session. CommonJS with no dependencies (but private/file.cts, CommonJS too), so Jest
 * test files on Node 20 can load it (they cannot import ESM-only packages); ESM imports it just
 * as well.
 *
 * Outside a session (tests run without the plugin) every function is a harmless no-op:
 * `labelArgs()` is `[]`, `sessionLabels()` is `{}`, `track()` records nothing.
 */
import { join } from 'node:path';
import { writePrivateFile } from '../private/file.cjs';

/** The label every session object carries: `docker-janitor.session=<id>`. */
export const SESSION_LABEL = 'docker-janitor.session';
/** Environment variable with the session id (for tests that shell out). */
export const SESSION_ENV = 'DOCKER_JANITOR_SESSION';
/** Environment variable with the session's state directory. */
export const SESSION_DIR_ENV = 'DOCKER_JANITOR_SESSION_DIR';
/** File in the session directory where tracked IDs are appended, one JSON object a line. */
export const TRACKED_FILE = 'tracked.jsonl';

export type TrackKind = 'container' | 'network' | 'volume';

/** The current session id, or undefined outside a session. */
export function sessionId(): string | undefined {
  const id = process.env[SESSION_ENV];
  return id ? id : undefined;
}

/** `['--label', 'docker-janitor.session=<id>']` for `docker run/create/network create/volume create`. */
export function labelArgs(): string[] {
  const id = sessionId();
  return id ? ['--label', `${SESSION_LABEL}=${id}`] : [];
}

/** `{ 'docker-janitor.session': '<id>' }` for testcontainers' `withLabels`, dockerode, compose. */
export function sessionLabels(): Record<string, string> {
  const id = sessionId();
  return id ? { [SESSION_LABEL]: id } : {};
}

/**
 * Tie a container, network or volume created without the label to the session, so teardown
 * removes it. `kind` may be left out: teardown then finds out what the ID names.
 * Returns true when recorded (false outside a session).
 */
export function track(id: string, kind?: TrackKind): boolean {
  const dir = process.env[SESSION_DIR_ENV];
  if (!dir || !sessionId()) return false;
  if (typeof id !== 'string' || id.trim() === '') throw new TypeError('track(id): id must be a non-empty string');
  if (kind !== undefined && kind !== 'container' && kind !== 'network' && kind !== 'volume') {
    throw new TypeError(`track(id, kind): kind must be "container", "network" or "volume", got ${JSON.stringify(kind)}`);
  }
  // One short line, appended: lines of concurrent workers stay whole. Never through a symlink,
  // a FIFO or a hard link planted at the name (private/file.cts).
  writePrivateFile(join(dir, TRACKED_FILE), `${JSON.stringify({ id: id.trim(), ...(kind ? { kind } : {}) })}\n`, 'append');
  return true;
}

/**
 * The session's names, for the ESM modules: loading tracking.cjs (CommonJS, for Jest test files)
 * from ESM costs ~20 ms of startup. tracking.cts keeps its own copy (a CommonJS file cannot
 * import this one); test/unit/session/names.test.ts checks they are the same.
 */
export const SESSION_LABEL = 'docker-janitor.session';
export const SESSION_ENV = 'DOCKER_JANITOR_SESSION';
export const SESSION_DIR_ENV = 'DOCKER_JANITOR_SESSION_DIR';
export const TRACKED_FILE = 'tracked.jsonl';

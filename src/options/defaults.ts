/**
 * The plugin's and `openSession()`'s default options, without loading zod (the setup path's
 * startup cost; see `simple.ts`). test/unit/options/defaults.test.ts checks these are exactly
 * the schema's defaults.
 */
import type { JanitorOptions } from './schema.js';

/** What `janitorOptionsSchema` gives for `{}`: a fresh object each call. */
export function defaultJanitorOptions(): JanitorOptions {
  return {
    images: 'before-and-own',
    labels: [],
    excludeLabels: [],
    removeDigested: false,
    dryRun: false,
    stopTimeout: 0,
    keepOnFailure: false,
    failOnCleanupError: false,
    adopt: { labels: [], all: false },
    watchdog: true,
    signals: true,
    sweepDeadSessions: true,
    cleanBeforeRerun: true,
    summary: true,
    socket: true,
    jobSummary: 'auto',
    docker: { timeoutMs: 60_000, transport: 'auto' },
  };
}

/** `undefined`, `null` or a plain object with no own keys. */
export function isEmptyOptions(input: unknown): boolean {
  if (input === undefined || input === null) return true;
  if (typeof input !== 'object' || Array.isArray(input)) return false;
  const proto = Object.getPrototypeOf(input) as unknown;
  return (proto === Object.prototype || proto === null) && Reflect.ownKeys(input).length === 0;
}

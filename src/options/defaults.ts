/**
 * The plugin's and `openSession()`'s options without loading zod when none are given: a run
 * with default options (the common case, and the Vitest/Jest setup path) gets the schema's
 * defaults from here; any option given loads the schema (options/schema.ts) and validates it.
 * test/unit/options/defaults.test.ts checks these are exactly the schema's defaults.
 */
import type { JanitorOptions, JanitorOptionsInput } from './schema.js';

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

/** Options this module returned: handed on (a runner adapter to `openSession()`), not parsed again. */
const parsed = new WeakSet<object>();

/**
 * Parse the janitor options once: the defaults without zod for no options, options this function
 * already returned as they are, else the schema (loaded now).
 */
export async function parseJanitorOptions(input: JanitorOptionsInput | JanitorOptions | undefined, what?: string): Promise<JanitorOptions> {
  if (typeof input === 'object' && input !== null && parsed.has(input)) return input as JanitorOptions;
  let options: JanitorOptions;
  if (isEmptyOptions(input)) {
    options = defaultJanitorOptions();
  } else {
    const { janitorOptionsSchema, parseOptions } = await import('./schema.js');
    options = what === undefined ? parseOptions(janitorOptionsSchema, input) : parseOptions(janitorOptionsSchema, input, what);
  }
  parsed.add(options);
  return options;
}

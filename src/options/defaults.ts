/**
 * Every option's default, and the words a choice allows, declared once and without zod (the setup
 * path's startup cost; see `simple.ts`): the schema (`schema.ts`) takes its `.default()`s and
 * enums from here, and the zod-free parsing (`simple.ts`) fills what is absent from here.
 * It imports nothing, so the schema can import it.
 */

/** `images`: which dangling images the cleaner may remove (schema.ts says what each means). */
export const IMAGES = ['before-and-own', 'all', 'session', 'off'] as const;
/** `docker.transport`. */
export const TRANSPORTS = ['auto', 'api', 'cli'] as const;

/** `docker.*`. */
export const DOCKER_DEFAULTS = { timeoutMs: 60_000, transport: 'auto' } as const;

/** The image cleaner's options (`labels` and `excludeLabels` default to no filters: `[]`). */
export const IMAGE_DEFAULTS = { dryRun: false, removeDigested: false } as const;

/** Where a run's result goes. */
export const PUBLISH_DEFAULTS = { jobSummary: 'auto' } as const;

/** The runner plugins' and `openSession()`'s own options (`adopt.labels` defaults to `[]`). */
export const JANITOR_DEFAULTS = {
  images: 'before-and-own',
  stopTimeout: 0,
  keepOnFailure: false,
  failOnCleanupError: false,
  adopt: { all: false },
  watchdog: true,
  socket: true,
  signals: true,
  sweepDeadSessions: true,
  cleanBeforeRerun: true,
  summary: true,
} as const;

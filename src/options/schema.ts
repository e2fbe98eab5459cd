/**
 * One strict zod schema for everything a user can set, shared by the CLI and the runner plugins.
 * `z.input` is what users write, `z.output` what the code uses. Parsed once, at the edge.
 */
import { z } from 'zod';
import { DOCKER_DEFAULTS, IMAGE_DEFAULTS, IMAGES, JANITOR_DEFAULTS, PUBLISH_DEFAULTS, TRANSPORTS } from './defaults.js';
import { parseDuration } from './duration.js';
import { OptionsError } from './errors.js';
import { hostProblem, LABEL_FILTER } from './host.js';
import { MAX_OLDER_THAN_S, MAX_STOP_TIMEOUT_S, MAX_TIMEOUT_MS } from './limits.js';

export { OptionsError } from './errors.js';
export { hostProblem } from './host.js';
export { MAX_OLDER_THAN_S, MAX_STOP_TIMEOUT_S, MAX_TIMEOUT_MS } from './limits.js';

const labelFilter = z.string().regex(LABEL_FILTER, 'expected KEY or KEY=VALUE');

/** A duration in whole seconds, at most `maxSeconds` (named in the message as `maxText`). */
const duration = (maxSeconds: number, maxText: string) =>
  z.union([z.string(), z.number()], { error: 'expected a duration such as 90s, 30m, 1h, 7d or 1h30m, or a number of seconds' }).transform((value, ctx) => {
    const seconds = parseDuration(value);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 90s, 30m, 1h, 7d or 1h30m' });
      return z.NEVER;
    }
    if (seconds > maxSeconds) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${maxText}` });
      return z.NEVER;
    }
    return seconds;
  });
const olderThan = duration(MAX_OLDER_THAN_S, '100 years');

export const dockerOptionsSchema = z
  .strictObject({
    /** Path of the docker CLI. Default: `DOCKER_JANITOR_DOCKER_PATH`, else `docker` on PATH. */
    path: z.string().min(1).optional(),
    /** Engine endpoint; overrides `DOCKER_HOST`. */
    host: z
      .string()
      .min(1)
      .superRefine((host, ctx) => {
        const problem = hostProblem(host);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** Docker context; overrides `DOCKER_CONTEXT`. */
    context: z.string().min(1).optional(),
    /** Timeout of one docker call, in milliseconds. */
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMEOUT_MS, `expected at most ${MAX_TIMEOUT_MS} ms (24 hours)`)
      .default(DOCKER_DEFAULTS.timeoutMs),
    /**
     * How to talk to the engine: `api` (HTTP on the socket or TCP), `cli` (the docker CLI), or
     * `auto`: the API for a unix socket or TCP endpoint, the CLI for ssh:// and other endpoints
     * only the CLI reaches, and when `path` is set.
     */
    transport: z.enum(TRANSPORTS).default(DOCKER_DEFAULTS.transport),
  })
  .default(() => ({ ...DOCKER_DEFAULTS }));

/** Commands that take only the docker flags (`sweep`, `sessions`): issue paths name `docker.*`. */
export const dockerOnlyOptionsSchema = z.strictObject({ docker: dockerOptionsSchema });

/**
 * The image cleaner's options, declared once: the CLI's `clean` and the runner plugins (with the
 * session's options) share this shape.
 */
export const imageOptionsShape = {
  /** Plan and report, remove nothing. */
  dryRun: z.boolean().default(IMAGE_DEFAULTS.dryRun),
  /**
   * Only images created more than this long ago (Docker's `until` filter: `until=1h` keeps
   * images newer than one hour). Seconds once parsed. Default: any age.
   */
  olderThan: olderThan.optional(),
  /** Only images whose config labels match all of these (`KEY` or `KEY=VALUE`). */
  labels: z.array(labelFilter).default([]),
  /** Never images whose config labels match any of these (`KEY` or `KEY=VALUE`). */
  excludeLabels: z.array(labelFilter).default([]),
  /** Also remove untagged images that still carry a repository digest (e.g. pulled by digest). */
  removeDigested: z.boolean().default(IMAGE_DEFAULTS.removeDigested),
};

export const imageCleanOptionsSchema = z.strictObject({
  ...imageOptionsShape,
  docker: dockerOptionsSchema,
});

/**
 * Where a run's result goes besides the terminal: shared by the runner plugins (with the
 * other options) and the CLI's `clean` and `sweep` (`--no-job-summary`, `--report-file`).
 */
export const publishOptionsShape = {
  /**
   * Append a Markdown section to the GitHub Actions job summary: `'auto'` when
   * `GITHUB_STEP_SUMMARY` is set, `false` never.
   */
  jobSummary: z.union([z.literal('auto'), z.literal(false)]).default(PUBLISH_DEFAULTS.jobSummary),
  /** Write the run's JSON result (schema version 1, see the README) to this path. */
  reportFile: z.string().min(1).optional(),
};

export const publishOptionsSchema = z.strictObject(publishOptionsShape);

/**
 * Options of the Vitest/Jest plugin and of `openSession()`: the image cleaner's options plus how
 * the session's own containers, networks and volumes are handled.
 */
export const janitorOptionsSchema = z.strictObject({
  /**
   * Which dangling images the cleaner may remove at teardown:
   *  - `before-and-own` (default): those that existed before the session started, plus the
   *    run's own (made through the session socket, or labelled `docker-janitor.session=<id>`);
   *    images other processes make during the run are left alone, so concurrent runs never lose
   *    each other's images;
   *  - `all`: every unused dangling image on the engine (explicit opt-in: on a shared engine it
   *    can remove the fresh untagged image another run just built);
   *  - `session`: only the run's own (made through the session socket, or labelled
   *    `docker-janitor.session=<id>`): nothing from before the run, nothing other processes make;
   *  - `off`.
   */
  images: z.enum(IMAGES).default(JANITOR_DEFAULTS.images),
  ...imageOptionsShape,
  /** Seconds a container gets to stop before it is killed; default 0 (throwaway containers). */
  stopTimeout: duration(MAX_STOP_TIMEOUT_S, '1 hour (3600 seconds)').default(JANITOR_DEFAULTS.stopTimeout),
  /** Keep (stopped) the containers of a failed run for debugging, and say how to remove them. */
  keepOnFailure: z.boolean().default(JANITOR_DEFAULTS.keepOnFailure),
  /** Make cleanup problems (Docker unreachable, a removal that failed) fail the run. For CI. */
  failOnCleanupError: z.boolean().default(JANITOR_DEFAULTS.failOnCleanupError),
  /** Also track containers created during the run that match these label filters, or all of them. */
  adopt: z
    .strictObject({
      labels: z.array(labelFilter).default([]),
      /** Adopt every container created on the engine during the run. Explicit opt-in. */
      all: z.boolean().default(JANITOR_DEFAULTS.adopt.all),
    })
    .default(() => ({ labels: [], ...JANITOR_DEFAULTS.adopt })),
  /** Start a watchdog process that cleans the session if the runner dies without teardown. */
  watchdog: z.boolean().default(JANITOR_DEFAULTS.watchdog),
  /**
   * Hand the tests a session socket (DOCKER_HOST) that labels everything they create, through
   * any client. The watchdog hosts it (for an `ssh://` engine, one `ssh … docker system
   * dial-stdio` per connection); when it cannot start (no watchdog, an engine only the docker CLI
   * reaches other than ssh://), one warning line, and the run goes on with labels, tracking and
   * adoption.
   */
  socket: z.boolean().default(JANITOR_DEFAULTS.socket),
  /** Clean the session synchronously on SIGINT, SIGTERM and SIGHUP, then exit with the signal's code. */
  signals: z.boolean().default(JANITOR_DEFAULTS.signals),
  /** Clean sessions on this machine whose runner process is dead, in the background (setup does not wait). */
  sweepDeadSessions: z.boolean().default(JANITOR_DEFAULTS.sweepDeadSessions),
  /** Vitest watch mode: remove the session's containers before each rerun. */
  cleanBeforeRerun: z.boolean().default(JANITOR_DEFAULTS.cleanBeforeRerun),
  /** Print the summary (`false`: only warnings). */
  summary: z.boolean().default(JANITOR_DEFAULTS.summary),
  ...publishOptionsShape,
  docker: dockerOptionsSchema,
});

export type JanitorOptionsInput = z.input<typeof janitorOptionsSchema>;
export type JanitorOptions = z.output<typeof janitorOptionsSchema>;

export type ImageCleanOptionsInput = z.input<typeof imageCleanOptionsSchema>;
export type ImageCleanOptions = z.output<typeof imageCleanOptionsSchema>;
export type DockerOptions = z.output<typeof dockerOptionsSchema>;
export type PublishOptions = z.output<typeof publishOptionsSchema>;


/**
 * What each parse returned, and with which schema: options parsed once at the edge and handed
 * on (the runner adapters to `openSession()`) are not parsed again.
 */
const parsed = new WeakMap<object, z.ZodType>();

/**
 * Parse with `schema`; throw an {@link OptionsError} whose message names each culprit. Options
 * this function already returned for the same schema come back as they are (parsed once).
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what = 'docker-janitor'): z.output<S> {
  if (typeof input === 'object' && input !== null && parsed.get(input) === schema) return input as z.output<S>;
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input ?? {}) as z.ZodSafeParseResult<z.output<S>>;
  } catch (error) {
    // A getter that throws (or a proxy): name the option, never let its error through raw.
    const path = throwingPath(input) ?? '(options)';
    const reason = error instanceof Error ? error.message : String(error);
    throw new OptionsError(`Invalid ${what} options: ${path}: reading it threw: ${reason}`, [{ path, message: `reading it threw: ${reason}`, received: undefined }]);
  }
  if (result.success) {
    if (typeof result.data === 'object' && result.data !== null) parsed.set(result.data, schema);
    return result.data;
  }
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(options)',
    message: issue.code === 'unrecognized_keys' ? `unknown option(s): ${issue.keys.join(', ')}` : issue.message,
    received: valueAt(input, issue.path),
  }));
  const lines = issues.map(
    (issue) => `${issue.path}: ${issue.message}${issue.received === undefined ? '' : ` (got ${describeValue(issue.received)})`}`,
  );
  throw new OptionsError(`Invalid ${what} options: ${lines.join('; ')}`, issues);
}

/**
 * A given value as JSON for a message, short, for anything a user can pass: a bigint (`10n`), a
 * function, a symbol or a circular object never make the message itself fail.
 */
export function describeValue(value: unknown, max = 120): string {
  if (typeof value === 'bigint') return `${value}n`;
  // NaN and ±Infinity, which JSON would show as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'function') return '[function]';
  if (typeof value === 'symbol') return value.toString();
  let text: string | undefined;
  try {
    const seen = new WeakSet<object>();
    text = JSON.stringify(value, (_key, inner: unknown) => {
      if (typeof inner === 'bigint') return `${inner}n`;
      if (typeof inner === 'number' && !Number.isFinite(inner)) return String(inner);
      if (typeof inner === 'function') return '[function]';
      if (typeof inner === 'symbol') return inner.toString();
      if (inner !== null && typeof inner === 'object') {
        if (seen.has(inner)) return '[circular]';
        seen.add(inner);
      }
      return inner;
    });
  } catch {
    text = undefined;
  }
  text ??= String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The dotted path of the first property whose read throws (a getter, a proxy), or undefined. */
function throwingPath(input: unknown, prefix = '', depth = 0, seen = new WeakSet<object>()): string | undefined {
  if (input === null || typeof input !== 'object' || depth > 8 || seen.has(input)) return undefined;
  seen.add(input);
  let keys: string[];
  try {
    keys = Object.keys(input);
  } catch {
    return prefix || '(options)';
  }
  for (const key of keys) {
    const path = prefix ? `${prefix}.${key}` : key;
    let value: unknown;
    try {
      value = (input as Record<string, unknown>)[key];
    } catch {
      return path;
    }
    const inner = throwingPath(value, path, depth + 1, seen);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * Options parsed without zod when the input is plainly valid. Loading zod costs 60-100 ms, on
 * every runner setup and every CLI command; most inputs are a few booleans, known words and
 * numbers in range. Each function returns exactly what the schema in `schema.ts` gives for the
 * input (test/unit/options/simple.test.ts compares them over many inputs), or `undefined` for
 * anything it cannot vouch for (a wrong type, an unknown key, a getter, a value out of range):
 * the schema then parses it and names what is wrong (`parseJanitorOptions` below, and the CLI
 * commands, load it only then).
 */
import { DOCKER_DEFAULTS, IMAGE_DEFAULTS, IMAGES, JANITOR_DEFAULTS, PUBLISH_DEFAULTS, TRANSPORTS } from './defaults.js';
import { parseDuration } from './duration.js';
import { hostProblem, LABEL_FILTER } from './host.js';
import { MAX_OLDER_THAN_S, MAX_STOP_TIMEOUT_S, MAX_TIMEOUT_MS } from './limits.js';
import type { DockerOptions, ImageCleanOptions, JanitorOptions, JanitorOptionsInput, PublishOptions } from './schema.js';

/** A field that is not plainly valid: the schema decides. */
const NO = Symbol('not simple');
type Field<T> = T | typeof NO;

const DOCKER_KEYS = ['path', 'host', 'context', 'timeoutMs', 'transport'] as const;
const IMAGE_KEYS = ['dryRun', 'olderThan', 'labels', 'excludeLabels', 'removeDigested'] as const;
const PUBLISH_KEYS = ['jobSummary', 'reportFile'] as const;
const JANITOR_BOOLEANS = ['keepOnFailure', 'failOnCleanupError', 'watchdog', 'socket', 'signals', 'sweepDeadSessions', 'cleanBeforeRerun', 'summary'] as const;
const JANITOR_KEYS = ['images', 'stopTimeout', 'adopt', 'docker', ...IMAGE_KEYS, ...PUBLISH_KEYS, ...JANITOR_BOOLEANS] as const;

/*
 * Each takes what `parseOptions(schema, input)` takes: `undefined` and `null` are no options.
 */

/** `docker` options (`dockerOptionsSchema`). */
export function simpleDockerOptions(input: unknown): DockerOptions | undefined {
  return attempt(() => docker(input ?? undefined));
}

/** The CLI's `clean` options (`imageCleanOptionsSchema`). */
export function simpleImageCleanOptions(input: unknown): ImageCleanOptions | undefined {
  return attempt(() => {
    const fields = record(input ?? {}, [...IMAGE_KEYS, 'docker']);
    if (!fields) return NO;
    const image = imageFields(fields);
    const dockerOptions = docker(fields.docker);
    if (image === NO || dockerOptions === NO) return NO;
    return { ...image, docker: dockerOptions };
  });
}

/** Where a result goes (`publishOptionsSchema`). */
export function simplePublishOptions(input: unknown): PublishOptions | undefined {
  return attempt(() => {
    const fields = record(input ?? {}, PUBLISH_KEYS);
    return fields ? publishFields(fields) : NO;
  });
}

/** The runner plugins' and `openSession()`'s options (`janitorOptionsSchema`). */
export function simpleJanitorOptions(input: unknown): JanitorOptions | undefined {
  return attempt((): Field<JanitorOptions> => {
    const fields = record(input ?? {}, JANITOR_KEYS);
    if (!fields) return NO;
    const options = defaultJanitorOptions();
    const image = imageFields(fields);
    const publish = publishFields(fields);
    const dockerOptions = docker(fields.docker);
    const images = oneOf(fields.images, IMAGES, options.images);
    const stopTimeout = fields.stopTimeout === undefined ? options.stopTimeout : duration(fields.stopTimeout, MAX_STOP_TIMEOUT_S);
    const adopt = adoptOptions(fields.adopt);
    if (image === NO || publish === NO || dockerOptions === NO || images === NO || stopTimeout === NO || adopt === NO) return NO;
    const flags: Partial<Record<(typeof JANITOR_BOOLEANS)[number], boolean>> = {};
    for (const key of JANITOR_BOOLEANS) {
      const value = bool(fields[key], options[key]);
      if (value === NO) return NO;
      flags[key] = value;
    }
    return { ...options, ...image, ...publish, ...flags, images, stopTimeout, adopt, docker: dockerOptions };
  });
}

/**
 * What `janitorOptionsSchema` gives for `{}`: a fresh object each call
 * (test/unit/options/defaults.test.ts compares them).
 */
export function defaultJanitorOptions(): JanitorOptions {
  const { adopt, ...janitor } = JANITOR_DEFAULTS;
  return {
    ...janitor,
    ...IMAGE_DEFAULTS,
    labels: [],
    excludeLabels: [],
    adopt: { labels: [], ...adopt },
    ...PUBLISH_DEFAULTS,
    docker: { ...DOCKER_DEFAULTS },
  };
}

/** `undefined`, `null` or a plain object with no own keys. */
export function isEmptyOptions(input: unknown): boolean {
  if (input === undefined || input === null) return true;
  if (typeof input !== 'object' || Array.isArray(input)) return false;
  const proto = Object.getPrototypeOf(input) as unknown;
  return (proto === Object.prototype || proto === null) && Reflect.ownKeys(input).length === 0;
}

function attempt<T>(parse: () => Field<T>): T | undefined {
  try {
    const value = parse();
    return value === NO ? undefined : value;
  } catch {
    return undefined; // a proxy or anything else unusual: the schema says what it makes of it
  }
}

/** The own fields of a plain object, when every key is one of `keys` and holds a plain value. */
function record(input: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const proto = Object.getPrototypeOf(input) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const fields: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(input)) {
    if (typeof key !== 'string' || !keys.includes(key)) return undefined;
    const descriptor = Object.getOwnPropertyDescriptor(input, key);
    // A getter or a hidden key: not plain data. An explicit undefined is kept: the schema takes
    // it as absent for a field with a default, and keeps the key for an optional one.
    if (!descriptor || !('value' in descriptor) || !descriptor.enumerable) return undefined;
    fields[key] = descriptor.value;
  }
  return fields;
}

function docker(input: unknown): Field<DockerOptions> {
  const fields = input === undefined ? {} : record(input, DOCKER_KEYS);
  if (!fields) return NO;
  const transport = oneOf(fields.transport, TRANSPORTS, DOCKER_DEFAULTS.transport);
  const timeoutMs = fields.timeoutMs === undefined ? DOCKER_DEFAULTS.timeoutMs : fields.timeoutMs;
  if (transport === NO || typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) return NO;
  const options: { -readonly [K in keyof DockerOptions]: DockerOptions[K] } = { timeoutMs, transport };
  for (const key of ['path', 'context', 'host'] as const) {
    const value = optional(fields, key, (text) => (typeof text === 'string' && text !== '' && (key !== 'host' || hostProblem(text) === undefined) ? text : NO));
    if (value === NO) return NO;
    Object.assign(options, value);
  }
  return options;
}

function imageFields(fields: Record<string, unknown>): Field<Omit<ImageCleanOptions, 'docker'>> {
  const dryRun = bool(fields.dryRun, IMAGE_DEFAULTS.dryRun);
  const removeDigested = bool(fields.removeDigested, IMAGE_DEFAULTS.removeDigested);
  const labels = labelList(fields.labels);
  const excludeLabels = labelList(fields.excludeLabels);
  const olderThan = optional(fields, 'olderThan', (value) => duration(value, MAX_OLDER_THAN_S));
  if (dryRun === NO || removeDigested === NO || labels === NO || excludeLabels === NO || olderThan === NO) return NO;
  return { dryRun, labels, excludeLabels, removeDigested, ...olderThan };
}

function publishFields(fields: Record<string, unknown>): Field<PublishOptions> {
  const jobSummary = fields.jobSummary === undefined ? PUBLISH_DEFAULTS.jobSummary : fields.jobSummary === 'auto' || fields.jobSummary === false ? fields.jobSummary : NO;
  const reportFile = optional(fields, 'reportFile', (value) => (typeof value === 'string' && value !== '' ? value : NO));
  if (jobSummary === NO || reportFile === NO) return NO;
  return { jobSummary, ...reportFile };
}

function adoptOptions(input: unknown): Field<JanitorOptions['adopt']> {
  const fields = input === undefined ? {} : record(input, ['labels', 'all']);
  if (!fields) return NO;
  const labels = labelList(fields.labels);
  const all = bool(fields.all, JANITOR_DEFAULTS.adopt.all);
  return labels === NO || all === NO ? NO : { labels, all };
}

/**
 * An optional field as the schema gives it: absent stays absent, an explicit undefined stays an
 * undefined key, anything else is parsed.
 */
function optional<K extends string, T>(fields: Record<string, unknown>, key: K, parse: (value: unknown) => Field<T>): Field<{ [P in K]?: T | undefined }> {
  if (!Object.hasOwn(fields, key)) return {};
  const value = fields[key];
  if (value === undefined) return { [key]: undefined } as { [P in K]?: T | undefined };
  const parsed = parse(value);
  return parsed === NO ? NO : ({ [key]: parsed } as { [P in K]?: T | undefined });
}

function bool(value: unknown, fallback: boolean): Field<boolean> {
  if (value === undefined) return fallback;
  return typeof value === 'boolean' ? value : NO;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): Field<T> {
  if (value === undefined) return fallback;
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : NO;
}

/** `KEY` or `KEY=VALUE` filters: a fresh array of strings. */
function labelList(value: unknown): Field<string[]> {
  if (value === undefined) return [];
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return NO;
  const list: string[] = [];
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (typeof item !== 'string' || !LABEL_FILTER.test(item)) return NO;
    list.push(item);
  }
  return list;
}

/** Whole seconds from `90s`, `1h30m` or a number, at most `max`. */
function duration(value: unknown, max: number): Field<number> {
  if (typeof value !== 'string' && typeof value !== 'number') return NO;
  const seconds = parseDuration(value);
  return seconds === undefined || seconds > max ? NO : seconds;
}

/** Options this module returned: handed on (a runner adapter to `openSession()`), not parsed again. */
const parsed = new WeakSet<object>();

/**
 * Parse the janitor options once: options this function already returned as they are; no options
 * or plainly valid ones without zod; else the schema (loaded now).
 */
export async function parseJanitorOptions(input: JanitorOptionsInput | JanitorOptions | undefined, what?: string): Promise<JanitorOptions> {
  if (typeof input === 'object' && input !== null && parsed.has(input)) return input as JanitorOptions;
  let options = isEmptyOptions(input) ? defaultJanitorOptions() : simpleJanitorOptions(input);
  if (!options) {
    const { janitorOptionsSchema, parseOptions } = await import('./schema.js');
    options = what === undefined ? parseOptions(janitorOptionsSchema, input) : parseOptions(janitorOptionsSchema, input, what);
  }
  parsed.add(options);
  return options;
}

/**
 * The zod-free parsing of plainly valid options gives exactly what the schema gives, and leaves
 * everything else to the schema. Inputs are drawn at random (seeded) from valid and invalid values
 * of every field.
 */
import { describe, expect, it } from 'vitest';
import {
  dockerOptionsSchema,
  imageCleanOptionsSchema,
  janitorOptionsSchema,
  parseOptions,
  publishOptionsSchema,
} from '../../../src/options/schema.js';
import { simpleDockerOptions, simpleImageCleanOptions, simpleJanitorOptions, simplePublishOptions } from '../../../src/options/simple.js';
import { rng } from '../../support/rng.js';

const ABSENT = Symbol('absent');
type Pool = readonly unknown[];

const booleans: Pool = [ABSENT, true, false, 'true', 1, null, undefined];
const labels: Pool = [ABSENT, [], ['a'], ['a=b', 'team=ci'], ['=x'], ['a b'], [1], 'a', [undefined], new Array(2), ['k=v\nw'], ['k=']];
const durations: Pool = [ABSENT, 0, 90, '90s', '1h30m', ' 2m ', '7d', '1w', -1, 1.5, '1x', '', Number.NaN, Number.POSITIVE_INFINITY, 3600, 3601, 4_000_000_000, '3000000000', null];
const strings: Pool = [ABSENT, 'x', '', 1, undefined];
const hosts: Pool = [ABSENT, 'unix:///run/docker.sock', 'tcp://h:2375', 'ssh://me@h', 'unix://', 'fd://', 'npipe:////./pipe/x', 'ssh://', 'tcp://h:99999', 'tcp://[::1]:0', '', 5];
const timeouts: Pool = [ABSENT, 1, 60_000, 86_400_000, 86_400_001, 0, -5, 1.5, '5000', Number.NaN];
const transports: Pool = [ABSENT, 'auto', 'api', 'cli', 'API', '', null];
const jobSummaries: Pool = [ABSENT, 'auto', false, true, 'no'];

/** One value of the pool (undefined included, which `rng().pick` refuses). */
const any = (random: ReturnType<typeof rng>, pool: Pool): unknown => pool[random.int(0, pool.length - 1)];

function draw(random: ReturnType<typeof rng>, pools: Record<string, Pool>, extra = 0.03): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, pool] of Object.entries(pools)) {
    const value = any(random, pool);
    if (value !== ABSENT) input[key] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
  if (random.next() < extra) input.bogus = 1;
  return input;
}

const dockerPools = { path: strings, host: hosts, context: strings, timeoutMs: timeouts, transport: transports };
const imagePools = { dryRun: booleans, olderThan: durations, labels, excludeLabels: labels, removeDigested: booleans };
const publishPools = { jobSummary: jobSummaries, reportFile: strings };

function dockerInput(random: ReturnType<typeof rng>): unknown {
  const roll = random.next();
  if (roll < 0.15) return undefined;
  if (roll < 0.2) return any(random, [null, 'x', [], {}]);
  return draw(random, dockerPools);
}

/** What the schema makes of `input`: its output, or undefined when it refuses. */
function zodParse(schema: Parameters<typeof parseOptions>[0], input: unknown): unknown {
  try {
    return parseOptions(schema, input);
  } catch {
    return undefined;
  }
}

/** The zod-free result equals the schema's whenever there is one; counts how often each path was taken. */
function compare(simple: (input: unknown) => unknown, schema: Parameters<typeof parseOptions>[0], inputs: Iterable<unknown>) {
  let simpleTaken = 0;
  let validToo = 0;
  for (const input of inputs) {
    const viaZod = zodParse(schema, input);
    const fast = simple(input);
    if (viaZod !== undefined) validToo++;
    if (fast === undefined) continue;
    simpleTaken++;
    expect({ input, output: fast }).toEqual({ input, output: viaZod });
    // The same keys, present or absent (toEqual ignores undefined-valued keys).
    expect(Object.keys(fast as object).sort()).toEqual(Object.keys(viaZod as object).sort());
  }
  return { simpleTaken, validToo };
}

function* generate<T>(count: number, seed: number, make: (random: ReturnType<typeof rng>) => T): Generator<T> {
  const random = rng(seed);
  for (let index = 0; index < count; index++) yield make(random);
}

describe('options without zod, compared with the schema', () => {
  it('docker options', () => {
    const { simpleTaken, validToo } = compare(simpleDockerOptions, dockerOptionsSchema, generate(1500, 1, dockerInput));
    expect(simpleTaken).toBeGreaterThan(100);
    expect(simpleTaken).toBe(validToo); // every valid docker input here is plain data: none needs zod
  });

  it('clean options', () => {
    const { simpleTaken, validToo } = compare(
      simpleImageCleanOptions,
      imageCleanOptionsSchema,
      generate(3000, 2, (random) => {
        const input = Object.fromEntries(Object.entries(draw(random, imagePools)).filter(() => random.next() < 0.5));
        const docker = dockerInput(random);
        if (docker !== undefined) input.docker = docker;
        return input;
      }),
    );
    expect(simpleTaken).toBeGreaterThan(50);
    expect(simpleTaken).toBe(validToo);
  });

  it('publish options', () => {
    const { simpleTaken, validToo } = compare(simplePublishOptions, publishOptionsSchema, generate(500, 3, (random) => draw(random, publishPools)));
    expect(simpleTaken).toBeGreaterThan(50);
    expect(simpleTaken).toBe(validToo);
  });

  it('janitor options (the runner plugins, openSession)', () => {
    const janitorPools = {
      images: [ABSENT, 'before-and-own', 'all', 'session', 'off', 'some', 1],
      ...imagePools,
      ...publishPools,
      stopTimeout: durations,
      keepOnFailure: booleans,
      failOnCleanupError: booleans,
      watchdog: booleans,
      socket: booleans,
      signals: booleans,
      sweepDeadSessions: booleans,
      cleanBeforeRerun: booleans,
      summary: booleans,
    };
    const { simpleTaken, validToo } = compare(
      simpleJanitorOptions,
      janitorOptionsSchema,
      generate(6000, 4, (random) => {
        // Few fields at a time: a field drawn invalid from each of 20 pools would leave nothing valid.
        const input = Object.fromEntries(Object.entries(draw(random, janitorPools, 0.01)).filter(() => random.next() < 0.25));
        const roll = random.next();
        if (roll < 0.3) {
          const docker = dockerInput(random);
          if (docker !== undefined) input.docker = docker;
        } else if (roll < 0.45) {
          input.adopt = any(random, [{}, { labels: ['a=b'] }, { all: true }, { labels: ['a'], all: false }, { all: 'yes' }, { labels: ['=x'] }, { extra: 1 }, null, []]);
        }
        return input;
      }),
    );
    expect(simpleTaken).toBeGreaterThan(250);
    expect(simpleTaken).toBe(validToo);
  });

  it('no options, null and undefined: the defaults', () => {
    for (const input of [undefined, null, {}, Object.create(null) as object]) {
      expect(simpleJanitorOptions(input)).toEqual(parseOptions(janitorOptionsSchema, input ?? {}));
    }
    expect(simpleDockerOptions(undefined)).toEqual({ timeoutMs: 60_000, transport: 'auto' });
  });

  it('leaves to the schema what is not plain data: getters, symbols, hidden keys, class instances, proxies', () => {
    const getter = Object.defineProperty({}, 'dryRun', { get: () => true, enumerable: true });
    const hidden = Object.defineProperty({}, 'dryRun', { value: true, enumerable: false });
    const throwing = new Proxy({}, { ownKeys: () => { throw new Error('no'); } });
    for (const input of [getter, hidden, { [Symbol('x')]: 1 }, new (class Options {})(), throwing]) {
      expect(simpleJanitorOptions(input)).toBeUndefined();
    }
    expect(simpleImageCleanOptions({ labels: Object.assign(['a'], { extra: 1 }) })).toEqual(expect.objectContaining({ labels: ['a'] }));
    class Labels extends Array<string> {}
    expect(simpleImageCleanOptions({ labels: Labels.from(['a']) })).toBeUndefined();
  });

  it('an explicit undefined is what the schema makes of it: the default, or an optional key kept', () => {
    const input = { dryRun: undefined, reportFile: undefined, docker: { path: undefined, timeoutMs: undefined } };
    const options = simpleJanitorOptions(input);
    expect(options).toEqual(parseOptions(janitorOptionsSchema, input));
    expect(options && Object.hasOwn(options, 'reportFile')).toBe(true);
    expect(options && Object.hasOwn(options.docker, 'path')).toBe(true);
    expect(options?.docker.timeoutMs).toBe(60_000);
  });

  it('gives fresh arrays and objects: the input stays the caller’s', () => {
    const input = { labels: ['a'], adopt: { labels: ['b'] }, docker: { transport: 'api' as const } };
    const options = simpleJanitorOptions(input);
    expect(options?.labels).not.toBe(input.labels);
    expect(options?.adopt.labels).not.toBe(input.adopt.labels);
    expect(options?.docker).not.toBe(input.docker);
  });
});

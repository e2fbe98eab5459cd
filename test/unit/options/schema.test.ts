import { describe, expect, it } from 'vitest';
import { hostProblem, imageCleanOptionsSchema, janitorOptionsSchema, OptionsError, parseOptions } from '../../../src/options/schema.js';

/** The OptionsError `fn` throws (fails the test when it does not throw one). */
function optionsError(fn: () => unknown): OptionsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    return error as OptionsError;
  }
  throw new Error('expected an OptionsError');
}

describe('imageCleanOptionsSchema defaults', () => {
  it('fills every field from nothing, undefined or null', () => {
    const expected = { dryRun: false, labels: [], excludeLabels: [], removeDigested: false, docker: { timeoutMs: 60_000, transport: 'auto' } };
    expect(parseOptions(imageCleanOptionsSchema, {})).toEqual(expected);
    expect(parseOptions(imageCleanOptionsSchema, undefined)).toEqual(expected);
    expect(parseOptions(imageCleanOptionsSchema, null)).toEqual(expected);
    expect(parseOptions(imageCleanOptionsSchema, {}).olderThan).toBeUndefined();
  });

  it('keeps what is given, the age in seconds', () => {
    expect(
      parseOptions(imageCleanOptionsSchema, {
        dryRun: true,
        olderThan: '1h30m',
        labels: ['team=ci', 'flag'],
        excludeLabels: ['keep'],
        removeDigested: true,
        docker: { path: '/usr/bin/docker', host: 'unix:///tmp/x.sock', context: 'ctx', timeoutMs: 5000 },
      }),
    ).toEqual({
      dryRun: true,
      olderThan: 5400,
      labels: ['team=ci', 'flag'],
      excludeLabels: ['keep'],
      removeDigested: true,
      docker: { path: '/usr/bin/docker', host: 'unix:///tmp/x.sock', context: 'ctx', timeoutMs: 5000, transport: 'auto' },
    });
  });

  it('takes a number of seconds as an age', () => {
    expect(parseOptions(imageCleanOptionsSchema, { olderThan: 90 }).olderThan).toBe(90);
    expect(parseOptions(imageCleanOptionsSchema, { olderThan: '0' }).olderThan).toBe(0);
  });

  it('takes any value after KEY=, including = and spaces', () => {
    expect(parseOptions(imageCleanOptionsSchema, { labels: ['url=a=b', 'note=two words', 'empty='] }).labels).toEqual([
      'url=a=b',
      'note=two words',
      'empty=',
    ]);
  });
});

describe('janitorOptionsSchema defaults', () => {
  it('fills every field', () => {
    expect(parseOptions(janitorOptionsSchema, undefined)).toEqual({
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
      socket: true,
      signals: true,
      sweepDeadSessions: true,
      cleanBeforeRerun: true,
      summary: true,
      jobSummary: 'auto',
      docker: { timeoutMs: 60_000, transport: 'auto' },
    });
  });

  it('parses durations and nested objects', () => {
    const options = parseOptions(janitorOptionsSchema, { images: 'session', stopTimeout: '10s', olderThan: '2d', adopt: { labels: ['app'] } });
    expect(options).toMatchObject({ images: 'session', stopTimeout: 10, olderThan: 172_800, adopt: { labels: ['app'], all: false } });
  });
});

describe('OptionsError: names the option, the value given and what is allowed', () => {
  it('a bad duration', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { olderThan: '1 hour' }));
    expect(error.name).toBe('OptionsError');
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('Invalid docker-janitor options: olderThan: expected a duration such as 90s, 30m, 1h, 7d or 1h30m (got "1 hour")');
    expect(error.issues).toEqual([
      { path: 'olderThan', message: 'expected a duration such as 90s, 30m, 1h, 7d or 1h30m', received: '1 hour' },
    ]);
  });

  it.each([-5, 1.5, '1.5h', '', '1h 30m', '-1h', 'soon'])('rejects the duration %j', (value) => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { olderThan: value }));
    expect(error.issues[0]).toMatchObject({ path: 'olderThan', received: value });
    expect(error.message).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('a bad label filter, with its index', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { labels: ['ok', '=bad'] }));
    expect(error.message).toBe('Invalid docker-janitor options: labels.1: expected KEY or KEY=VALUE (got "=bad")');
  });

  it.each(['', '=v', 'two words', ' lead'])('rejects the label filter %j', (value) => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { excludeLabels: [value] }));
    expect(error.issues[0]).toMatchObject({ path: 'excludeLabels.0', message: 'expected KEY or KEY=VALUE', received: value });
  });

  it('a wrong type', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { dryRun: 'yes', labels: 'a=b' }));
    expect(error.issues.map((issue) => issue.path)).toEqual(['dryRun', 'labels']);
    expect(error.message).toContain('dryRun: ');
    expect(error.message).toContain('boolean');
    expect(error.message).toContain('(got "yes")');
    expect(error.message).toContain('labels: ');
    expect(error.message).toContain('array');
    expect(error.message).toContain('(got "a=b")');
    expect(error.message).toContain('; ');
  });

  it('an enum value, listing the allowed ones', () => {
    const error = optionsError(() => parseOptions(janitorOptionsSchema, { images: 'some' }));
    expect(error.issues[0]?.path).toBe('images');
    expect(error.message).toContain('(got "some")');
    for (const allowed of ['"all"', '"session"', '"off"']) expect(error.message).toContain(allowed);
  });

  it('a nested number out of range', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { docker: { timeoutMs: -1 } }));
    expect(error.issues[0]).toMatchObject({ path: 'docker.timeoutMs', received: -1 });
    expect(error.message).toContain('docker.timeoutMs: ');
    expect(error.message).toContain('(got -1)');
  });

  it.each([
    [{ docker: { timeoutMs: 2 ** 31 } }, 'docker.timeoutMs', 'expected at most 86400000 ms (24 hours)'],
    [{ stopTimeout: '2h' }, 'stopTimeout', 'expected at most 1 hour (3600 seconds)'],
    [{ olderThan: '99999999999999999999' }, 'olderThan', 'expected at most 100 years'],
  ])('durations are bounded: %j', (input, path, message) => {
    const error = optionsError(() => parseOptions(janitorOptionsSchema, input));
    expect(error.issues[0]).toMatchObject({ path, message });
    expect(error.message).toContain(`${path}: ${message}`);
  });

  it('the largest allowed durations pass', () => {
    const options = parseOptions(janitorOptionsSchema, { docker: { timeoutMs: 86_400_000 }, stopTimeout: 3600, olderThan: '5200w' });
    expect(options).toMatchObject({ docker: { timeoutMs: 86_400_000 }, stopTimeout: 3600, olderThan: 5200 * 604_800 });
  });

  it('a bigint or a circular value is named, never a TypeError from the message', () => {
    const bigint = optionsError(() => parseOptions(janitorOptionsSchema, { stopTimeout: 10n }));
    expect(bigint.issues[0]?.path).toBe('stopTimeout');
    expect(bigint.message).toContain('stopTimeout: ');
    expect(bigint.message).toContain('(got 10n)');
    const adopt: Record<string, unknown> = { labels: [] };
    adopt.self = adopt;
    const circular = optionsError(() => parseOptions(janitorOptionsSchema, { adopt }));
    expect(circular.issues[0]).toMatchObject({ path: 'adopt', message: 'unknown option(s): self' });
    expect(circular.message).toContain('[circular]');
  });

  it('a bigint duration says a duration or a number is expected; NaN and Infinity are shown as such', () => {
    const bigint = optionsError(() => parseOptions(janitorOptionsSchema, { stopTimeout: 10n }));
    expect(bigint.message).toContain('stopTimeout: expected a duration such as 90s, 30m, 1h, 7d or 1h30m, or a number of seconds (got 10n)');
    expect(optionsError(() => parseOptions(janitorOptionsSchema, { stopTimeout: Number.NaN })).message).toContain('(got NaN)');
    expect(optionsError(() => parseOptions(janitorOptionsSchema, { docker: { timeoutMs: Number.POSITIVE_INFINITY } })).message).toContain('(got Infinity)');
    expect(optionsError(() => parseOptions(janitorOptionsSchema, { adopt: { labels: [Number.NEGATIVE_INFINITY] } })).message).toContain('-Infinity');
  });

  it('a getter that throws is an OptionsError naming the option', () => {
    const docker = Object.defineProperty({}, 'timeoutMs', { enumerable: true, get: () => { throw new Error('boom'); } });
    const error = optionsError(() => parseOptions(janitorOptionsSchema, { docker }));
    expect(error.issues[0]).toMatchObject({ path: 'docker.timeoutMs', message: 'reading it threw: boom' });
    expect(error.message).toBe('Invalid docker-janitor options: docker.timeoutMs: reading it threw: boom');
  });

  it('an engine endpoint that cannot be used is named (fd://, npipe:// off Windows, ssh:// without a host, a TCP port outside 1-65535 or not a number)', () => {
    for (const host of ['fd://', 'npipe:////./pipe/x', 'ssh://', 'ssh://me@', 'tcp://127.0.0.1:99999', 'tcp://[::1]:0', 'tcp://h:0', 'tcp://h:http', 'http://h:-1']) {
      const error = optionsError(() => parseOptions(janitorOptionsSchema, { docker: { host } }));
      expect(error.issues[0]?.path).toBe('docker.host');
    }
    expect(hostProblem('tcp://127.0.0.1:99999')).toBe('its port 99999 is outside 1-65535; expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST');
    expect(hostProblem('tcp://h:x1')).toBe('its port "x1" is not a number; expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST');
    expect(hostProblem('npipe:////./pipe/docker_engine', 'win32')).toBeUndefined();
    expect(hostProblem('ssh://me@build-host')).toBeUndefined();
    expect(hostProblem('unix:///run/docker.sock')).toBeUndefined();
    // As the docker CLI takes it: its default socket (endpoint.ts), from --host as from DOCKER_HOST.
    expect(hostProblem('unix://')).toBeUndefined();
    for (const host of ['tcp://h:1', 'tcp://h:65535', 'tcp://[::1]:2375', 'tcp://h', 'tcp://h:', 'https://h:2376/']) expect(hostProblem(host)).toBeUndefined();
  });

  it('unknown keys at the top, naming each of them', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { olderthan: '1h', dryrun: true }));
    expect(error.issues).toEqual([
      { path: '(options)', message: 'unknown option(s): olderthan, dryrun', received: { olderthan: '1h', dryrun: true } },
    ]);
    expect(error.message).toMatch(/^Invalid docker-janitor options: \(options\): unknown option\(s\): olderthan, dryrun/);
  });

  it('unknown keys in a nested object, naming where', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { docker: { hots: 'x' } }));
    expect(error.issues[0]).toMatchObject({ path: 'docker', message: 'unknown option(s): hots' });
    const plugin = optionsError(() => parseOptions(janitorOptionsSchema, { adopt: { al: true } }));
    expect(plugin.issues[0]).toMatchObject({ path: 'adopt', message: 'unknown option(s): al' });
  });

  it('a plugin-only option given to the image cleaner is unknown there', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, { images: 'all' }));
    expect(error.issues[0]?.message).toBe('unknown option(s): images');
  });

  it('options that are not an object', () => {
    const error = optionsError(() => parseOptions(imageCleanOptionsSchema, 'nope'));
    expect(error.issues[0]).toMatchObject({ path: '(options)', received: 'nope' });
  });

  it('names what was being parsed', () => {
    const error = optionsError(() => parseOptions(janitorOptionsSchema, { watchdog: 1 }, 'docker-janitor/vitest'));
    expect(error.message).toMatch(/^Invalid docker-janitor\/vitest options: watchdog: /);
  });
});

describe('parsed once, declared once', () => {
  it('options already parsed with the same schema come back as they are (no second parse)', () => {
    const once = parseOptions(janitorOptionsSchema, { stopTimeout: '10s', labels: ['a=b'] });
    expect(parseOptions(janitorOptionsSchema, once)).toBe(once);
    // A copy is input again: parsed (and validated) anew.
    expect(parseOptions(janitorOptionsSchema, { ...once })).not.toBe(once);
    // Another schema parses for itself: the plugin's options are not clean's (strict: unknown keys).
    expect(() => parseOptions(imageCleanOptionsSchema, once)).toThrow(OptionsError);
  });

  it('the image options are one declaration, shared by the clean and the plugin schemas', () => {
    for (const key of ['dryRun', 'olderThan', 'labels', 'excludeLabels', 'removeDigested', 'docker'] as const) {
      expect(janitorOptionsSchema.shape[key]).toBe(imageCleanOptionsSchema.shape[key]);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { DOCKER_DEFAULTS } from '../../../src/options/defaults.js';
import { defaultJanitorOptions, isEmptyOptions, parseJanitorOptions } from '../../../src/options/simple.js';
import { janitorOptionsSchema, OptionsError, parseOptions } from '../../../src/options/schema.js';

describe('options without zod', () => {
  it('the defaults are exactly what the schema gives for no options', () => {
    expect(defaultJanitorOptions()).toEqual(parseOptions(janitorOptionsSchema, {}));
    expect(defaultJanitorOptions()).toEqual(parseOptions(janitorOptionsSchema, undefined));
  });

  it('gives a fresh object each call', () => {
    const a = defaultJanitorOptions();
    a.labels.push('x');
    a.docker.timeoutMs = 1;
    expect(defaultJanitorOptions().labels).toEqual([]);
    expect(defaultJanitorOptions().docker.timeoutMs).toBe(DOCKER_DEFAULTS.timeoutMs);
  });

  it('only no options take the short path', () => {
    expect(isEmptyOptions(undefined)).toBe(true);
    expect(isEmptyOptions(null)).toBe(true);
    expect(isEmptyOptions({})).toBe(true);
    expect(isEmptyOptions(Object.create(null))).toBe(true);
    expect(isEmptyOptions({ images: 'off' })).toBe(false);
    expect(isEmptyOptions({ [Symbol('x')]: 1 })).toBe(false);
    expect(isEmptyOptions([])).toBe(false);
    expect(isEmptyOptions('x')).toBe(false);
    expect(isEmptyOptions(new (class Options {})())).toBe(false);
  });

  it('any option given is validated by the schema, naming it', async () => {
    await expect(parseJanitorOptions({ images: 'off' })).resolves.toMatchObject({ images: 'off', watchdog: true });
    await expect(parseJanitorOptions({ bogus: 1 } as never, 'test.provide')).rejects.toThrow(OptionsError);
    await expect(parseJanitorOptions({ bogus: 1 } as never, 'test.provide')).rejects.toThrow(/Invalid test.provide options: .*bogus/);
    await expect(parseJanitorOptions('nope' as never)).rejects.toThrow(OptionsError);
  });
});

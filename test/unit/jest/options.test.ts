import { describe, expect, it } from 'vitest';
import { jestOptions, summaryStream } from '../../../src/jest/options.js';
import { OptionsError } from '../../../src/options/schema.js';

describe('jestOptions', () => {
  it("reads globals['docker-janitor'], defaults without it", () => {
    expect(jestOptions({ globals: { 'docker-janitor': { images: 'off', stopTimeout: '1m' } } })).toMatchObject({
      images: 'off',
      stopTimeout: 60,
      keepOnFailure: false,
      signals: true,
    });
    expect(jestOptions({}).images).toBe('before-and-own');
    expect(jestOptions(undefined).watchdog).toBe(true);
  });

  it('a bad option names where it came from, the option, the value and what is allowed', () => {
    const bad = () => jestOptions({ globals: { 'docker-janitor': { images: 'some', keepOnFailure: 'yes', colour: true } } });
    expect(bad).toThrow(OptionsError);
    expect(bad).toThrow(/^Invalid docker-janitor \(Jest globals\['docker-janitor'\]\) options: /);
    expect(bad).toThrow(/images: .*"all".*"session".*"off".*\(got "some"\)/);
    expect(bad).toThrow(/keepOnFailure: .*boolean.*\(got "yes"\)/);
    expect(bad).toThrow(/unknown option\(s\): colour/);
  });
});

describe('summaryStream', () => {
  it('stdout, unless --json writes the results there', () => {
    expect(summaryStream({})).toBe('stdout');
    expect(summaryStream({ json: true })).toBe('stderr');
    expect(summaryStream({ json: true, outputFile: 'results.json' })).toBe('stdout');
  });
});

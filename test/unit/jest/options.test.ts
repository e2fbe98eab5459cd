import { describe, expect, it } from 'vitest';
import { jestOptions, summaryStream } from '../../../src/jest/options.js';
import { OptionsError } from '../../../src/options/schema.js';

describe('jestOptions', () => {
  it("reads globals['docker-janitor'], defaults without it", async () => {
    await expect(jestOptions({ globals: { 'docker-janitor': { images: 'off', stopTimeout: '1m' } } })).resolves.toMatchObject({
      images: 'off',
      stopTimeout: 60,
      keepOnFailure: false,
      signals: true,
    });
    expect((await jestOptions({})).images).toBe('before-and-own');
    expect((await jestOptions(undefined)).watchdog).toBe(true);
  });

  it('a bad option names where it came from, the option, the value and what is allowed', async () => {
    const bad = () => jestOptions({ globals: { 'docker-janitor': { images: 'some', keepOnFailure: 'yes', colour: true } } });
    await expect(bad()).rejects.toThrow(OptionsError);
    await expect(bad()).rejects.toThrow(/^Invalid docker-janitor \(Jest globals\['docker-janitor'\]\) options: /);
    await expect(bad()).rejects.toThrow(/images: .*"all".*"session".*"off".*\(got "some"\)/);
    await expect(bad()).rejects.toThrow(/keepOnFailure: .*boolean.*\(got "yes"\)/);
    await expect(bad()).rejects.toThrow(/unknown option\(s\): colour/);
  });
});

describe('summaryStream', () => {
  it('stdout, unless --json writes the results there', () => {
    expect(summaryStream({})).toBe('stdout');
    expect(summaryStream({ json: true })).toBe('stderr');
    expect(summaryStream({ json: true, outputFile: 'results.json' })).toBe('stdout');
  });
});

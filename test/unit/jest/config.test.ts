import type { Config } from '@jest/types';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  globalSetupPath,
  globalTeardownPath,
  OPTIONS_KEY,
  reporterPath,
  withDockerJanitor,
  type DockerJanitorJestOptions,
} from '../../../src/jest/config.cjs';
import type { JanitorOptionsInput } from '../../../src/options/schema.js';

describe('withDockerJanitor', () => {
  it('sets global setup and teardown to the package modules and the options in globals', () => {
    const config = withDockerJanitor({ testEnvironment: 'node', globals: { other: 1 } }, { images: 'session' });
    expect(config).toEqual({
      testEnvironment: 'node',
      globalSetup: globalSetupPath,
      globalTeardown: globalTeardownPath,
      globals: { other: 1, [OPTIONS_KEY]: { images: 'session' } },
    });
    expect(globalSetupPath).toMatch(/[/\\]jest[/\\]global-setup\.js$/);
    expect(globalTeardownPath).toMatch(/[/\\]jest[/\\]global-teardown\.js$/);
  });

  it('does not change the config it is given', () => {
    const input = { globals: { a: 1 } };
    withDockerJanitor(input, { keepOnFailure: true });
    expect(input).toEqual({ globals: { a: 1 } });
  });

  it('keepOnFailure adds the reporter after yours, or after `default` when you have none, once', () => {
    expect(withDockerJanitor({}, { keepOnFailure: true }).reporters).toEqual(['default', reporterPath]);
    expect(withDockerJanitor({ reporters: [['jest-junit', { outputDirectory: 'r' }]] }, { keepOnFailure: true }).reporters).toEqual([
      ['jest-junit', { outputDirectory: 'r' }],
      reporterPath,
    ]);
    expect(withDockerJanitor({ reporters: ['default', 'docker-janitor/jest/reporter'] }, { keepOnFailure: true }).reporters).toEqual([
      'default',
      'docker-janitor/jest/reporter',
    ]);
    expect(withDockerJanitor({}, {})).not.toHaveProperty('reporters');
  });

  it('puts the options in every inline project too (setup reads the first project that runs tests)', () => {
    const config = withDockerJanitor({ projects: ['<rootDir>/a', { displayName: 'b', globals: { x: 1 } }] }, { stopTimeout: '5s' });
    expect(config.projects).toEqual(['<rootDir>/a', { displayName: 'b', globals: { x: 1, [OPTIONS_KEY]: { stopTimeout: '5s' } } }]);
  });

  it('refuses to replace a global setup of yours, and says how to combine them', () => {
    expect(() => withDockerJanitor({ globalSetup: './setup.js' })).toThrow(
      /already has globalSetup: "\.\/setup\.js".*import\('docker-janitor\/jest\/global-setup'\).*globals\['docker-janitor'\]/,
    );
    expect(() => withDockerJanitor({ globalTeardown: './teardown.js' })).toThrow(/already has globalTeardown/);
  });

  it('accepts its own modules already in the config (applied twice)', () => {
    const once = withDockerJanitor({}, { images: 'off' });
    expect(withDockerJanitor(once, { images: 'all' }).globals[OPTIONS_KEY]).toEqual({ images: 'all' });
    expect(() => withDockerJanitor({ globalSetup: 'docker-janitor/jest/global-setup' })).not.toThrow();
  });

  it('names a wrong argument', () => {
    // @ts-expect-error: not a config
    expect(() => withDockerJanitor(null)).toThrow('config must be a Jest config object, got null');
    // @ts-expect-error: not options
    expect(() => withDockerJanitor({}, ['x'])).toThrow('options must be an object, got an array');
  });

  it("is typed with the plugin's option type and accepts Jest's own config type", () => {
    expectTypeOf<DockerJanitorJestOptions>().toEqualTypeOf<JanitorOptionsInput>();
    const jestConfig: Config.InitialOptions = { testEnvironment: 'node', reporters: ['default'], projects: [{ displayName: 'x' }] };
    const wrapped = withDockerJanitor(jestConfig, { keepOnFailure: true });
    expectTypeOf(wrapped).toMatchTypeOf<Config.InitialOptions>();
    // @ts-expect-error: not an option
    withDockerJanitor({}, { keepOnFailur: true });
  });
});

/**
 * `docker-janitor/jest`: add docker-janitor to a Jest config, with typed options.
 *
 * CommonJS with no dependencies, so a CommonJS `jest.config.js` can `require()` it on Node 20
 * (an ESM `jest.config.mjs` imports it just as well). The options are not checked here: global
 * setup validates them once and fails the run naming the option, the value and what is allowed.
 *
 * ```js
 * const { withDockerJanitor } = require('docker-janitor/jest');
 * module.exports = withDockerJanitor({ testEnvironment: 'node' }, { keepOnFailure: true });
 * ```
 */
import { join } from 'node:path';
import type { JanitorOptionsInput } from '../options/schema.js';

/** The options, as users write them (the plugin's zod input type). */
export type DockerJanitorJestOptions = JanitorOptionsInput;

/** Where the options travel: `globals['docker-janitor']` of the Jest (project) config. */
export const OPTIONS_KEY = 'docker-janitor';

/** Absolute paths of the modules Jest loads (they are ESM; Jest imports them). */
export const globalSetupPath: string = join(__dirname, 'global-setup.js');
export const globalTeardownPath: string = join(__dirname, 'global-teardown.js');
export const reporterPath: string = join(__dirname, 'reporter.js');

/**
 * The part of a Jest config this helper reads and writes, loose enough that Jest's own
 * `Config.InitialOptions` fits (no dependency on Jest's types).
 */
export interface JestConfigLike {
  globalSetup?: string | null | undefined;
  globalTeardown?: string | null | undefined;
  globals?: object | undefined;
  reporters?: ReadonlyArray<unknown> | undefined;
  projects?: ReadonlyArray<unknown> | undefined;
}

export type WithDockerJanitor<T> = T & {
  globalSetup: string;
  globalTeardown: string;
  globals: Record<string, unknown>;
  /** Set when `keepOnFailure` added the reporter. */
  reporters?: 'reporters' extends keyof T ? T['reporters'] : Array<string | [string, Record<string, unknown>]>;
};

/**
 * Returns a copy of `config` whose global setup opens a docker-janitor session and whose global
 * teardown cleans it. `options` go to `globals['docker-janitor']` (also of inline `projects`).
 * With `keepOnFailure`, the reporter that tells teardown whether the run failed is added too
 * (after your reporters, `default` when you have none).
 *
 * Jest allows one global setup per config: when yours already has one, call docker-janitor's
 * from it instead (see the README) — this helper refuses to replace it.
 */
export function withDockerJanitor<T extends JestConfigLike>(config: T, options: DockerJanitorJestOptions = {}): WithDockerJanitor<T> {
  if (config === null || typeof config !== 'object') {
    throw new TypeError(`withDockerJanitor(config, options): config must be a Jest config object, got ${describe(config)}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`withDockerJanitor(config, options): options must be an object, got ${describe(options)}`);
  }
  for (const [key, ours] of [
    ['globalSetup', globalSetupPath],
    ['globalTeardown', globalTeardownPath],
  ] as const) {
    const theirs = config[key];
    if (theirs && !isOurs(theirs, ours)) {
      throw new Error(
        `withDockerJanitor: the config already has ${key}: ${JSON.stringify(theirs)}. Jest runs one ${key} per config: ` +
          `call docker-janitor's from yours (\`await (await import('docker-janitor/jest/${key === 'globalSetup' ? 'global-setup' : 'global-teardown'}')).default(globalConfig, projectConfig)\`) ` +
          `and put the options in globals['${OPTIONS_KEY}'].`,
      );
    }
  }

  const next: Record<string, unknown> = {
    ...(config as object),
    globalSetup: globalSetupPath,
    globalTeardown: globalTeardownPath,
    globals: withOptions(config.globals, options),
  };
  if (Array.isArray(config.projects)) {
    next.projects = config.projects.map((project: unknown) =>
      project !== null && typeof project === 'object' && !Array.isArray(project)
        ? { ...project, globals: withOptions((project as { globals?: object }).globals, options) }
        : project,
    );
  }
  if (options.keepOnFailure === true) {
    const reporters = config.reporters ?? ['default'];
    const present = reporters.some((entry) => {
      const name: unknown = Array.isArray(entry) ? entry[0] : entry;
      return typeof name === 'string' && isOurs(name, reporterPath);
    });
    next.reporters = present ? reporters : [...reporters, reporterPath];
  }
  return next as unknown as WithDockerJanitor<T>;
}

function withOptions(globals: object | undefined, options: DockerJanitorJestOptions): Record<string, unknown> {
  return { ...globals, [OPTIONS_KEY]: options };
}

function isOurs(value: string, path: string): boolean {
  const name = path.slice(__dirname.length + 1).replace(/\.js$/, '');
  return value === path || value === `docker-janitor/jest/${name}`;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Reading the plugin's options from Jest's config: `globals['docker-janitor']` (where
 * `withDockerJanitor` puts them), validated once: without zod when they are none or plainly
 * valid (options/simple.ts), else with the shared schema.
 */
import type { JanitorOptions } from '../options/schema.js';
import { parseJanitorOptions } from '../options/simple.js';
import { OPTIONS_KEY } from './config.cjs';

/** The parts of Jest's global config docker-janitor reads (no dependency on Jest's types). */
export interface JestGlobalConfigLike {
  /** `--json`: results go to stdout, so the summary must not. */
  readonly json?: boolean;
  readonly outputFile?: string | undefined;
  /** The project's root: where a relative `reportFile` starts. */
  readonly rootDir?: string | undefined;
}

/** The parts of Jest's project config docker-janitor reads. */
export interface JestProjectConfigLike {
  readonly globals?: Readonly<Record<string, unknown>>;
}

/** Parse `globals['docker-janitor']`; rejects with an OptionsError naming option, value and what is allowed. */
export function jestOptions(projectConfig: JestProjectConfigLike | undefined): Promise<JanitorOptions> {
  const input = projectConfig?.globals?.[OPTIONS_KEY];
  return parseJanitorOptions((input ?? {}) as JanitorOptions, `docker-janitor (Jest globals['${OPTIONS_KEY}'])`);
}

/** Where the summary goes: stdout, unless `--json` without `--outputFile` owns it. */
export function summaryStream(globalConfig: JestGlobalConfigLike | undefined): 'stdout' | 'stderr' {
  return globalConfig?.json && !globalConfig.outputFile ? 'stderr' : 'stdout';
}

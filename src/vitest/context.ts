/**
 * Pure decisions of the Vitest adapter: where its options live in the config, whether the run
 * failed, where the summary goes. They read only the parts of Vitest's objects they need
 * (structural types, no import from vitest), so they hold on Vitest 3, 4 and 5.
 */

/** Key under `test.provide` that carries the options (set by the plugin, or by hand). */
export const OPTIONS_KEY = 'docker-janitor';

/** The options given in `test.provide['docker-janitor']` (undefined: none, use the defaults). */
export function providedOptions(provide: Readonly<Record<string, unknown>> | undefined): unknown {
  return provide?.[OPTIONS_KEY];
}

/** The parts of Vitest's state manager read to tell a failed run. */
export interface VitestStateLike {
  getCountOfFailedTests?(): number;
  getUnhandledErrors?(): readonly unknown[];
  getFiles?(): ReadonlyArray<{ readonly result?: { readonly state?: string } | undefined }>;
}

/**
 * Whether the run failed: a failed test, a test file that failed (an import-time throw), an
 * unhandled error, or an exit code Vitest already set (it sets 1 at the end of a failed run,
 * before global teardown).
 */
export function runFailed(state: VitestStateLike | undefined, exitCode: number | string | null | undefined): boolean {
  if (exitCode !== undefined && exitCode !== null && Number(exitCode) !== 0) return true;
  if (!state) return false;
  if ((state.getCountOfFailedTests?.() ?? 0) > 0) return true;
  if ((state.getUnhandledErrors?.().length ?? 0) > 0) return true;
  return (state.getFiles?.() ?? []).some((file) => file.result?.state === 'fail');
}

/** Reporters that write machine-readable output to stdout unless given an output file. */
const STDOUT_REPORTERS = new Set(['json', 'junit', 'tap', 'tap-flat']);

/** The parts of Vitest's resolved config read to choose the summary's stream. */
export interface VitestReportingLike {
  readonly reporters?: ReadonlyArray<unknown>;
  readonly outputFile?: string | Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * stdout, unless a machine-readable reporter (json, junit, tap) writes to stdout: then stderr,
 * so `vitest run --reporter=json > report.json` stays valid JSON.
 */
export function summaryStream(config: VitestReportingLike | undefined): 'stdout' | 'stderr' {
  for (const entry of config?.reporters ?? []) {
    const [name, options] = Array.isArray(entry) ? [entry[0], entry[1]] : [entry, undefined];
    if (typeof name !== 'string' || !STDOUT_REPORTERS.has(name)) continue;
    const ownFile = isRecord(options) && typeof options.outputFile === 'string' && options.outputFile !== '';
    const configFile = typeof config?.outputFile === 'string' ? config.outputFile : config?.outputFile?.[name];
    if (!ownFile && !configFile) return 'stderr';
  }
  return 'stdout';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

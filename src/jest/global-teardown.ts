/**
 * `docker-janitor/jest/global-teardown`: cleans the run's session and prints one summary.
 *
 * Jest runs it after the reporters (so after "Ran all test suites"), before it exits. Cleanup
 * never changes the run's result, unless `failOnCleanupError` asks for it; then the process exit
 * code becomes 1 (also with `--forceExit`), and Jest still writes its results.
 */
import { summaryStream, type JestGlobalConfigLike, type JestProjectConfigLike } from './options.js';
import { teardownOutput } from './output.js';
import { print, useColor } from './print.js';
import { jestState } from './state.js';

export default async function globalTeardown(globalConfig?: JestGlobalConfigLike, projectConfig?: JestProjectConfigLike): Promise<void> {
  void projectConfig;
  const state = jestState();
  state.refs = Math.max(0, state.refs - 1);
  const session = state.session;
  if (!session || state.refs > 0) return;

  let result;
  try {
    result = await session.teardown({ failed: state.failed === true });
  } finally {
    // Handlers stay during teardown: Ctrl+C while cleaning still cleans and exits 130.
    state.uninstallSignals?.();
    state.uninstallSignals = undefined;
    state.session = undefined;
  }

  const stream = summaryStream(globalConfig);
  const output = teardownOutput(result, {
    options: session.options,
    color: useColor(stream),
    warnedUnavailable: state.warnedUnavailable,
    resultKnown: state.reporterSeen && state.failed !== undefined,
  });
  if (output.text) print(stream, output.text);
  if (output.failRun) failRun();
}

/**
 * Exit 1 without throwing (a throw would keep Jest from writing its results). Jest sets the exit
 * code of a failed run in its own `exit` listener; `--forceExit` calls `process.exit(0)` on a
 * passed run, which an `exit` listener can still override.
 */
function failRun(): void {
  process.exitCode = 1;
  process.once('exit', () => {
    if (!process.exitCode) process.exitCode = 1;
  });
}

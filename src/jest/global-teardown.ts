/**
 * `docker-janitor/jest/global-teardown`: cleans the run's session and prints one summary.
 *
 * Jest runs it after the reporters (so after "Ran all test suites"), before it exits. The
 * summary goes to stdout, or to stderr when `--json` owns stdout. Cleanup never changes the
 * run's result unless `failOnCleanupError` asks for it: then the exit code becomes 1 (also with
 * `--forceExit`), and Jest still writes its results.
 */
import { publishTeardown } from '../publish/teardown.js';
import { summaryStream, type JestGlobalConfigLike, type JestProjectConfigLike } from './options.js';
import { openFailedOutput, setupWarnings, teardownOutput, type TeardownOutput } from './output.js';
import { print, useColor } from './print.js';
import { jestState, resetJestState } from './state.js';

export default async function globalTeardown(globalConfig?: JestGlobalConfigLike, projectConfig?: JestProjectConfigLike): Promise<void> {
  void projectConfig;
  const state = jestState();
  if (state.refs === 0) return; // setup did not run (or failed on a bad option)
  state.refs -= 1;
  if (state.refs > 0) return;

  const stream = summaryStream(globalConfig);
  const color = useColor(stream);
  const { session, options } = state;
  let output: TeardownOutput | undefined;
  try {
    if (session) {
      const result = await session.teardown({ failed: state.failed === true });
      output = teardownOutput(result, {
        options: session.options,
        color,
        setupWarnings: setupWarnings(session.warnings),
        resultKnown: state.reporterSeen && state.failed !== undefined,
      });
      output = publishTeardown(result, session.options, output, { color, env: process.env, ...(globalConfig?.rootDir ? { cwd: globalConfig.rootDir } : {}) });
    } else if (state.openError !== undefined && options) {
      output = openFailedOutput(state.openError, options, color);
    }
  } catch (error) {
    // Not a Docker problem (those are outcomes): still never the run's result, unless asked.
    output = openFailedOutput(error instanceof Error ? error.message : String(error), options, color);
  } finally {
    // The handlers stayed during teardown: Ctrl+C while cleaning still cleans and exits 130.
    state.uninstallSignals?.();
    state.restoreEnv?.();
    resetJestState();
  }

  if (output?.text) print(stream, output.text);
  if (output?.failRun) failRun();
}

/**
 * Exit 1 without throwing (a throw would keep Jest from writing its results). Jest sets a failed
 * run's code in its own `exit` listener; `--forceExit` calls `process.exit(0)` after a passing
 * run, which an `exit` listener can still override.
 */
function failRun(): void {
  if (!process.exitCode) process.exitCode = 1;
  process.once('exit', () => {
    if (!process.exitCode) process.exitCode = 1;
  });
}

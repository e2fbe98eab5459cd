/**
 * `docker-janitor/jest/global-teardown`: cleans the run's session and prints one summary.
 *
 * Jest runs it after the reporters (so after "Ran all test suites"), before it exits. The
 * summary goes to stdout, or to stderr when `--json` owns stdout. Cleanup never changes the
 * run's result unless `failOnCleanupError` asks for it: then the exit code becomes 1 (also with
 * `--forceExit`), and Jest still writes its results.
 */
import { failRun, finishRun } from '../runner/lifecycle.js';
import { resetRunState, runState } from '../runner/state.js';
import { summaryStream, type JestGlobalConfigLike, type JestProjectConfigLike } from './options.js';
import { teardownOutput } from './output.js';
import { print, useColor } from './print.js';

export default async function globalTeardown(globalConfig?: JestGlobalConfigLike, projectConfig?: JestProjectConfigLike): Promise<void> {
  void projectConfig;
  const state = runState('jest');
  if (state.refs === 0) return; // setup did not run (or failed on a bad option)
  state.refs -= 1;
  if (state.refs > 0) return;

  const stream = summaryStream(globalConfig);
  const resultKnown = state.reporterSeen && state.failed !== undefined;
  const output = await finishRun(await state.opening, {
    failed: state.failed === true,
    color: useColor(stream),
    cwd: globalConfig?.rootDir,
    render: (result, context) => teardownOutput(result, { ...context, resultKnown }),
  });
  resetRunState('jest');

  if (output?.text) print(stream, output.text);
  if (output?.failRun) failRun({ holdOnExit: true });
}

/**
 * `docker-janitor/vitest/global-setup`: one docker-janitor session for the Vitest run.
 *
 * Added by the `dockerJanitor()` plugin, or by hand as `test.globalSetup:
 * ['docker-janitor/vitest/global-setup']` (options then in `test.provide['docker-janitor']`).
 * It runs in Vitest's main process, once per project: the first setup opens the session, the
 * last teardown cleans it and prints one summary after Vitest's own. The run's lifecycle is
 * runner-neutral (runner/lifecycle.ts); this adapter finds the options, tells whether the run
 * failed, hooks watch-mode reruns and prints.
 */
import type { TestProject } from 'vitest/node';
import { colorEnabled } from '../render/color-enabled.js';
import { failRun, finishRun, openRun, type OpenRun } from '../runner/lifecycle.js';
import { resetRunState, runState, type RunState } from '../runner/state.js';
import { OPTIONS_KEY, providedOptions, runFailed, summaryStream } from './context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const state = runState('vitest');
  state.refs += 1;
  state.opening ??= open(project, state);
  try {
    await state.opening;
  } catch (error) {
    resetRunState('vitest'); // a bad option: the run stops here, with Vitest naming this file
    throw error;
  }
  let tornDown = false;
  return async () => {
    if (tornDown) return;
    tornDown = true;
    state.refs -= 1;
    if (state.refs <= 0) await finish(project, state);
  };
}

async function open(project: TestProject, state: RunState): Promise<OpenRun> {
  const provide = project.config.provide as Readonly<Record<string, unknown>> | undefined;
  const run = await openRun(providedOptions(provide), `test.provide['${OPTIONS_KEY}']`);
  const { session } = run;
  if (session && run.options.cleanBeforeRerun && !state.rerunHooked) {
    state.rerunHooked = true;
    project.onTestsRerun(async () => {
      try {
        await session.cleanObjects();
      } catch {
        // A rerun must not fail because of cleanup; teardown reports what is left.
      }
    });
  }
  return run;
}

async function finish(project: TestProject, state: RunState): Promise<void> {
  const vitest = project.vitest;
  const stream = summaryStream(vitest.config);
  const color = colorEnabled({ env: process.env, isTTY: process[stream].isTTY === true });
  const run = await state.opening?.catch(() => undefined);
  const failed = runFailed(vitest.state, process.exitCode);
  const output = await finishRun(run, { failed, color, cwd: vitest.config.root });
  resetRunState('vitest');

  if (output?.text) {
    if (stream === 'stderr') vitest.logger.error(output.text);
    else vitest.logger.log(output.text);
  }
  if (output?.failRun) failRun();
}

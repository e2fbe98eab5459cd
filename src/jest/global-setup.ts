/**
 * `docker-janitor/jest/global-setup`: opens one docker-janitor session for the Jest run.
 *
 * Jest runs it in its main process before the tests (once per run, or per run in `--watchAll`;
 * the same path in several projects runs once). Options come from `globals['docker-janitor']`
 * (where `withDockerJanitor` puts them) and are validated here: a bad option fails the run
 * naming it. The run's lifecycle (session, environment, signal handlers) is runner-neutral
 * (runner/lifecycle.ts). Nothing is printed here: teardown prints.
 */
import { openRun } from '../runner/lifecycle.js';
import { resetRunState, runState } from '../runner/state.js';
import { jestOptions, type JestGlobalConfigLike, type JestProjectConfigLike } from './options.js';

export default async function globalSetup(globalConfig?: JestGlobalConfigLike, projectConfig?: JestProjectConfigLike): Promise<void> {
  void globalConfig;
  const state = runState('jest');
  if (state.refs > 0) {
    state.refs += 1; // another project's setup opened it: one session per run
    return;
  }

  resetRunState('jest');
  const options = await jestOptions(projectConfig); // throws, naming the option: the run stops here
  const opening = openRun(options, 'docker-janitor'); // parsed already: not again
  await opening;
  state.refs = 1;
  state.opening = opening;
  state.failed = undefined;
}

/**
 * `docker-janitor/jest/global-setup`: opens one docker-janitor session for the Jest run.
 *
 * Jest runs it in its main process before the tests (once per run, or per run in `--watchAll`;
 * the same path in several projects runs once). Options come from `globals['docker-janitor']`
 * (where `withDockerJanitor` puts them) and are validated here: a bad option fails the run
 * naming it. The session id reaches the test workers through `process.env`; SIGINT/SIGTERM/
 * SIGHUP handlers clean synchronously and re-raise the signal (Jest handles no signals and runs
 * no teardown on them); the watchdog covers SIGKILL. Nothing is printed here: teardown prints.
 */
import { OptionsError } from '../options/schema.js';
import { openSession } from '../session/open.js';
import { jestOptions, type JestGlobalConfigLike, type JestProjectConfigLike } from './options.js';
import { jestState, resetJestState } from './state.js';

export default async function globalSetup(globalConfig?: JestGlobalConfigLike, projectConfig?: JestProjectConfigLike): Promise<void> {
  void globalConfig;
  const state = jestState();
  if (state.refs > 0) {
    state.refs += 1; // another project's setup opened it: one session per run
    return;
  }

  resetJestState();
  const options = jestOptions(projectConfig); // throws, naming the option: the run stops here
  state.refs = 1;
  state.options = options;
  state.failed = undefined;

  try {
    const session = await openSession(options);
    state.session = session;
    state.restoreEnv = session.exportEnv();
    if (options.signals) state.uninstallSignals = session.handleSignals();
  } catch (error) {
    if (error instanceof OptionsError) throw error;
    // Cleanup never changes the run's result: the tests run, teardown says why nothing was cleaned.
    state.openError = error instanceof Error ? error.message : String(error);
  }
}

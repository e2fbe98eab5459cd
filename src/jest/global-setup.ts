/**
 * `docker-janitor/jest/global-setup`: opens one docker-janitor session for the Jest run.
 *
 * Jest runs it in its main process before the tests (once per run, or per run in `--watchAll`;
 * the same path in several projects runs once). The session id reaches the test workers through
 * `process.env`; the SIGINT/SIGTERM/SIGHUP handlers clean synchronously and re-raise the signal
 * (Jest handles no signals and runs no teardown on them).
 */
import { openSession } from '../session/open.js';
import { jestOptions, type JestGlobalConfigLike, type JestProjectConfigLike } from './options.js';
import { setupWarnings } from './output.js';
import { print, useColor } from './print.js';
import { jestState } from './state.js';

export default async function globalSetup(globalConfig?: JestGlobalConfigLike, projectConfig?: JestProjectConfigLike): Promise<void> {
  void globalConfig;
  const state = jestState();
  state.refs += 1;
  if (state.session) return; // another project's setup opened it: one session per run

  const options = jestOptions(projectConfig);
  state.failed = undefined;
  state.warnedUnavailable = false;
  const session = await openSession(options);
  state.session = session;
  Object.assign(process.env, session.env);
  if (options.signals) state.uninstallSignals = session.handleSignals();

  const warnings = setupWarnings(session.warnings, useColor('stderr'));
  if (warnings) {
    print('stderr', warnings);
    state.warnedUnavailable = session.warnings.some((warning) => warning.startsWith('Docker is not available'));
  }
}

/**
 * `docker-janitor/vitest/global-setup`: one docker-janitor session for the Vitest run.
 *
 * Added by the `dockerJanitor()` plugin, or by hand as `test.globalSetup:
 * ['docker-janitor/vitest/global-setup']` (options then in `test.provide['docker-janitor']`).
 * It runs in Vitest's main process, once per project: the first setup opens the session, the
 * last teardown cleans it and prints one summary after Vitest's own. The session id reaches
 * the tests through `process.env`; SIGINT/SIGTERM/SIGHUP handlers clean synchronously (Vitest
 * runs no teardown on them); the watchdog covers SIGKILL.
 */
import type { TestProject } from 'vitest/node';
import { janitorOptionsSchema, OptionsError, parseOptions } from '../options/schema.js';
import { colorEnabled } from '../render/colors.js';
import { openSession, type Session } from '../session/open.js';
import { OPTIONS_KEY, providedOptions, runFailed, summaryStream } from './context.js';
import { openFailedOutput, setupWarnings, teardownOutput, type TeardownOutput } from '../render/teardown-output.js';
import { publishTeardown } from '../publish/teardown.js';
import { resetVitestState, vitestState, type VitestJanitorState } from './state.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const state = vitestState();
  state.refs += 1;
  state.opening ??= open(project, state);
  try {
    await state.opening;
  } catch (error) {
    resetVitestState(); // a bad option: the run stops here, with Vitest naming this file
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

async function open(project: TestProject, state: VitestJanitorState): Promise<Session | undefined> {
  const provide = project.config.provide as Readonly<Record<string, unknown>> | undefined;
  const options = parseOptions(janitorOptionsSchema, providedOptions(provide) ?? {}, `test.provide['${OPTIONS_KEY}']`);
  state.options = options;

  let session: Session;
  try {
    session = await openSession(options);
  } catch (error) {
    if (error instanceof OptionsError) throw error;
    // Cleanup never changes the run's result: the tests run, teardown says why nothing was cleaned.
    state.openError = error instanceof Error ? error.message : String(error);
    return undefined;
  }

  state.restoreEnv = session.exportEnv();
  if (options.signals) state.uninstallSignals = session.handleSignals();
  if (options.cleanBeforeRerun && !state.rerunHooked) {
    state.rerunHooked = true;
    project.onTestsRerun(async () => {
      try {
        await session.cleanObjects();
      } catch {
        // A rerun must not fail because of cleanup; teardown reports what is left.
      }
    });
  }
  return session;
}

async function finish(project: TestProject, state: VitestJanitorState): Promise<void> {
  const vitest = project.vitest;
  const stream = summaryStream(vitest.config);
  const color = colorEnabled({ env: process.env, isTTY: process[stream].isTTY === true });
  const options = state.options;
  let output: TeardownOutput | undefined;
  try {
    const session = await state.opening?.catch(() => undefined);
    if (session) {
      const result = await session.teardown({ failed: runFailed(vitest.state, process.exitCode) });
      output = teardownOutput(result, { options: session.options, color, setupWarnings: setupWarnings(session.warnings) });
      output = publishTeardown(result, session.options, output, { color, env: process.env, cwd: vitest.config.root });
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
    resetVitestState();
  }

  if (output?.text) {
    if (stream === 'stderr') vitest.logger.error(output.text);
    else vitest.logger.log(output.text);
  }
  if (output?.failRun) failRun();
}

/**
 * Exit 1 without throwing: Vitest 4 only logs a teardown error ("error during close") and keeps
 * the exit code; Vitest 3 stops the other teardowns and reports a "Startup Error".
 */
function failRun(): void {
  if (!process.exitCode) process.exitCode = 1;
}

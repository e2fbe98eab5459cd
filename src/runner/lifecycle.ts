/**
 * One session's life in a test runner, runner-neutral: the Vitest and Jest adapters only find
 * their options and state, decide whether the run failed, and print.
 *   - `openRun`: the options parsed once (a bad one throws, naming `where`), the session opened,
 *     its variables exported to the test processes, the signal handlers installed. A session
 *     that cannot be opened is kept as an outcome (`openError`): the tests run anyway.
 *   - `finishRun`: teardown, the output to print (render/teardown-output.ts), the job summary and
 *     report file published, then the handlers removed and the environment restored.
 */
import { parseJanitorOptions } from '../options/simple.js';
import { OptionsError } from '../options/errors.js';
import type { JanitorOptions } from '../options/schema.js';
import type { TeardownOutput, TeardownOutputContext } from '../render/teardown-output.js';
import { openSession, type Session } from '../session/open.js';
import type { TeardownResult } from '../session/result.js';

export interface OpenRun {
  readonly options: JanitorOptions;
  /** The session, or undefined when it could not be opened (see `openError`). */
  readonly session: Session | undefined;
  /** Why the session could not be opened (state directory refused…): said once, at the end. */
  readonly openError: string | undefined;
  /** Puts back the environment variables the session set. */
  readonly restoreEnv: (() => void) | undefined;
  /** Removes the SIGINT/SIGTERM/SIGHUP handlers. */
  readonly uninstallSignals: (() => void) | undefined;
}

export interface OpenRunContext {
  /** Opens the session; default `openSession`. */
  readonly open?: (options: JanitorOptions) => Promise<Session>;
}

/** Opens the run's session. Throws only an {@link OptionsError} (a bad option stops the run). */
export async function openRun(input: unknown, where: string, context: OpenRunContext = {}): Promise<OpenRun> {
  // No options given: the defaults without loading zod (the setup path's startup cost).
  const options = await parseJanitorOptions((input ?? {}) as JanitorOptions, where);
  let session: Session;
  try {
    session = await (context.open ?? openSession)(options);
  } catch (error) {
    if (error instanceof OptionsError) throw error;
    // Cleanup never changes the run's result: the tests run, the end says why nothing was cleaned.
    return { options, session: undefined, openError: messageOf(error), restoreEnv: undefined, uninstallSignals: undefined };
  }
  const restoreEnv = session.exportEnv();
  const uninstallSignals = options.signals ? session.handleSignals() : undefined;
  return { options, session, openError: undefined, restoreEnv, uninstallSignals };
}

/** What the rendering of the end gets: the shared context, with the session's parsed options. */
export interface RenderContext extends TeardownOutputContext {
  readonly options: JanitorOptions;
  readonly setupWarnings: readonly string[];
}

export interface FinishContext {
  /** Whether the test run failed (keepOnFailure). */
  readonly failed: boolean;
  readonly color: boolean;
  /** Where a relative `reportFile` starts. */
  readonly cwd?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** The adapter's rendering, when it adds to the shared one (Jest: the missing reporter). */
  readonly render?: (result: TeardownResult, context: RenderContext) => TeardownOutput;
}

/**
 * Cleans the run's session and returns what to print (undefined: nothing). Never throws: an
 * unexpected error becomes one line. The signal handlers stay until teardown finished (Ctrl+C
 * while cleaning still cleans and exits 130).
 */
export async function finishRun(run: OpenRun | undefined, context: FinishContext): Promise<TeardownOutput | undefined> {
  const { color } = context;
  const env = context.env ?? process.env;
  // Rendering and publishing are loaded when the run ends, not at setup (startup cost).
  const [{ openFailedOutput, teardownOutput }, { publishTeardown }] = await Promise.all([
    import('../render/teardown-output.js'),
    import('../publish/teardown.js'),
  ]);
  try {
    if (run?.session) {
      const { session } = run;
      const result = await session.teardown({ failed: context.failed });
      const render = context.render ?? teardownOutput;
      const output = render(result, { options: session.options, color, setupWarnings: session.warnings });
      return publishTeardown(result, session.options, output, { color, env, ...(context.cwd ? { cwd: context.cwd } : {}) });
    }
    if (run?.openError !== undefined) return openFailedOutput(run.openError, run.options, color);
    return undefined;
  } catch (error) {
    // Not a Docker problem (those are outcomes): still never the run's result, unless asked.
    return openFailedOutput(messageOf(error), run?.options, color);
  } finally {
    run?.uninstallSignals?.();
    run?.restoreEnv?.();
  }
}

/**
 * Exit 1 without throwing (Vitest 4 only logs a teardown error, Vitest 3 stops the other
 * teardowns; a throw keeps Jest from writing its results). `holdOnExit`: also on `exit`, for
 * Jest's `--forceExit`, which calls `process.exit(0)` after a passing run.
 */
export function failRun(options: { readonly holdOnExit?: boolean } = {}): void {
  if (!process.exitCode) process.exitCode = 1;
  if (options.holdOnExit) {
    process.once('exit', () => {
      if (!process.exitCode) process.exitCode = 1;
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * What the global setups of one Vitest run share. Vitest runs a root `globalSetup` once per
 * project (and the module may be instantiated more than once), so the state lives on
 * `globalThis` under a registry symbol, never in a module variable: the first setup opens the
 * session, the last teardown cleans it.
 */
import type { JanitorOptions } from '../options/schema.js';
import type { Session } from '../session/open.js';

export interface VitestJanitorState {
  /** Setups that ran minus teardowns that ran. */
  refs: number;
  /** The first setup's work: the session, or undefined when it could not be opened. */
  opening: Promise<Session | undefined> | undefined;
  /** The options the session was opened with. */
  options: JanitorOptions | undefined;
  /** Why the session could not be opened (reported once, at teardown). */
  openError: string | undefined;
  /** Removes the SIGINT/SIGTERM/SIGHUP handlers. */
  uninstallSignals: (() => void) | undefined;
  /** process.env values replaced by the session's variables, restored at the end. */
  /** Puts back the environment variables the session set. */
  restoreEnv?: (() => void) | undefined;
  /** Whether the watch-mode rerun hook is registered (once per run, not per project). */
  rerunHooked: boolean;
}

const KEY = Symbol.for('docker-janitor.vitest');

type WithState = typeof globalThis & { [KEY]?: VitestJanitorState };

export function vitestState(): VitestJanitorState {
  const holder = globalThis as WithState;
  holder[KEY] ??= {
    refs: 0,
    opening: undefined,
    options: undefined,
    openError: undefined,
    uninstallSignals: undefined,
    rerunHooked: false,
  };
  return holder[KEY];
}

/** Forget the run's state (after its last teardown), so a next run in this process starts anew. */
export function resetVitestState(): void {
  delete (globalThis as WithState)[KEY];
}

/**
 * What Jest's global setup, global teardown and the reporter share. All three run in Jest's
 * main process, but as separately loaded modules (possibly more than once): the state lives on
 * `globalThis` under a registry symbol, never in a module variable.
 */
import type { JanitorOptions } from '../options/schema.js';
import type { Session } from '../session/open.js';

export interface JestJanitorState {
  /** Global setups that ran minus teardowns that ran (Jest de-duplicates paths: usually 0 or 1). */
  refs: number;
  /** The run's options, once setup parsed them. */
  options: JanitorOptions | undefined;
  /** The run's session, once setup opened it. */
  session: Session | undefined;
  /** Why the session could not be opened (state directory not writable…): the tests run anyway. */
  openError: string | undefined;
  /** Removes the SIGINT/SIGTERM/SIGHUP handlers installed at setup. */
  uninstallSignals: (() => void) | undefined;
  /** process.env values the session's variables replaced, restored at teardown (--watchAll). */
  /** Puts back the environment variables the session set. */
  restoreEnv?: (() => void) | undefined;
  /** Set by the reporter's constructor: without it the run's result is unknown. */
  reporterSeen: boolean;
  /** The run's result, from the reporter's `onRunComplete` (which runs before global teardown). */
  failed: boolean | undefined;
}

const KEY = Symbol.for('docker-janitor.jest');

type WithState = typeof globalThis & { [KEY]?: JestJanitorState };

export function jestState(): JestJanitorState {
  const holder = globalThis as WithState;
  holder[KEY] ??= freshState();
  return holder[KEY];
}

/** Forget the finished run's session (the reporter's presence is kept: it is built once). */
export function resetJestState(): void {
  const state = jestState();
  Object.assign(state, { ...freshState(), reporterSeen: state.reporterSeen });
}

function freshState(): JestJanitorState {
  return {
    refs: 0,
    options: undefined,
    session: undefined,
    openError: undefined,
    uninstallSignals: undefined,
    reporterSeen: false,
    failed: undefined,
  };
}

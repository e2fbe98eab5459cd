/**
 * What Jest's global setup, global teardown and the reporter share. All three run in Jest's
 * main process, but as separately loaded modules (possibly more than once): the state lives on
 * `globalThis` under a registry symbol, never in a module variable.
 */
import type { Session } from '../session/open.js';

export interface JestJanitorState {
  /** Global setups that ran minus teardowns that ran (Jest de-duplicates paths: usually 0 or 1). */
  refs: number;
  /** The run's session, once setup opened it. */
  session: Session | undefined;
  /** Removes the SIGINT/SIGTERM/SIGHUP handlers installed at setup. */
  uninstallSignals: (() => void) | undefined;
  /** Whether setup already warned that Docker is not available (so teardown does not repeat it). */
  warnedUnavailable: boolean;
  /** Set by the reporter's constructor: without it the run's result is unknown. */
  reporterSeen: boolean;
  /** The run's result, from the reporter's `onRunComplete` (which runs before global teardown). */
  failed: boolean | undefined;
}

const KEY = Symbol.for('docker-janitor.jest');

type WithState = typeof globalThis & { [KEY]?: JestJanitorState };

export function jestState(): JestJanitorState {
  const holder = globalThis as WithState;
  holder[KEY] ??= {
    refs: 0,
    session: undefined,
    uninstallSignals: undefined,
    warnedUnavailable: false,
    reporterSeen: false,
    failed: undefined,
  };
  return holder[KEY];
}

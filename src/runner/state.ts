/**
 * What one runner's global setup, teardown (and Jest's reporter) share. They run in the
 * runner's main process but as separately loaded modules (Vitest runs a root `globalSetup` once
 * per project and may instantiate it more than once): the state lives on `globalThis` under a
 * registry symbol, never in a module variable. The first setup opens the run, the last teardown
 * finishes it.
 */
import type { OpenRun } from './lifecycle.js';

export type RunnerName = 'vitest' | 'jest';

export interface RunState {
  /** Setups that ran minus teardowns that ran. */
  refs: number;
  /** The first setup's work. Rejects only on a bad option. */
  opening: Promise<OpenRun> | undefined;
  /** Vitest: whether the watch-mode rerun hook is registered (once per run, not per project). */
  rerunHooked: boolean;
  /** Jest: set by the reporter's constructor (kept across runs: it is built once). */
  reporterSeen: boolean;
  /** Jest: the run's result, from the reporter's `onRunComplete` (before global teardown). */
  failed: boolean | undefined;
}

type WithState = typeof globalThis & { [key: symbol]: RunState | undefined };

function key(runner: RunnerName): symbol {
  return Symbol.for(`docker-janitor.${runner}`);
}

export function runState(runner: RunnerName): RunState {
  const holder = globalThis as WithState;
  holder[key(runner)] ??= { refs: 0, opening: undefined, rerunHooked: false, reporterSeen: false, failed: undefined };
  return holder[key(runner)] as RunState;
}

/** Forget the finished run, so a next run in this process starts anew (the reporter's presence is kept). */
export function resetRunState(runner: RunnerName): void {
  const state = runState(runner);
  Object.assign(state, { refs: 0, opening: undefined, rerunHooked: false, failed: undefined });
}

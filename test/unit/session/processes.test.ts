/**
 * What a signal's wait for the detached cleaner came to, from the waiter's exit status: the
 * cleaner's own code when it said it, else 'background' (another signal, the bound, or a waiter
 * killed by the signal before it could handle one): the cleaner goes on, as `pid`.
 */
import { expect, it } from 'vitest';
import { CLEAN_NOW_EXIT, CLEAN_WAIT_EXIT, signalCleanupOf } from '../../../src/session/processes.js';

it.each([
  [CLEAN_NOW_EXIT.complete, { outcome: 'complete' }],
  [CLEAN_NOW_EXIT.incomplete, { outcome: 'incomplete' }],
  [CLEAN_NOW_EXIT.refused, { outcome: 'incomplete' }],
  [CLEAN_WAIT_EXIT.signal, { outcome: 'background', pid: 42 }],
  [CLEAN_WAIT_EXIT.bound, { outcome: 'background', pid: 42 }],
  [null, { outcome: 'background', pid: 42 }],
])('waiter status %s: %o', (status, expected) => {
  expect(signalCleanupOf(status, 42)).toEqual(expected);
});

/**
 * What a signal's wait for the detached cleaner came to, from the waiter's exit status: the
 * cleaner's own code when it said it, else 'background' (another signal, the bound, or a waiter
 * killed by the signal before it could handle one): the cleaner goes on, as `pid`.
 */
import { describe, expect, it } from 'vitest';
import { CLEAN_NOW_EXIT, CLEAN_WAIT_EXIT, helperEnv, signalCleanupOf } from '../../../src/session/processes.js';

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

describe('helperEnv: the environment of the watchdog and the signal cleaner', () => {
  const env = { PATH: '/usr/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', DOCKER_HOST: 'unix:///run/docker.sock' };
  it('without NODE_EXTRA_CA_CERTS when the engine is not reached over TLS (Node reads that file as it starts); its path kept for the engine module', () => {
    expect(helperEnv(env, false)).toEqual({
      PATH: '/usr/bin',
      DOCKER_HOST: 'unix:///run/docker.sock',
      DOCKER_JANITOR_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
    });
    expect(env.NODE_EXTRA_CA_CERTS).toBe('/etc/ssl/certs/ca-certificates.crt');
  });
  it('with it for a TLS engine, whose certificate it may be needed for', () => {
    expect(helperEnv(env, true)).toEqual(env);
  });
  it('an environment without it is passed as it is', () => {
    const bare = { PATH: '/usr/bin' };
    expect(helperEnv(bare, false)).toBe(bare);
  });
});

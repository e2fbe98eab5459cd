/**
 * The runner-neutral lifecycle over a hand-made session: options parsed once, open errors kept
 * as an outcome, teardown rendered, environment and signal handlers put back, never a throw.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OptionsError, type JanitorOptions } from '../../../src/options/schema.js';
import { parseJanitorOptions } from '../../../src/options/simple.js';
import { failRun, finishRun, openRun } from '../../../src/runner/lifecycle.js';
import { resetRunState, runState } from '../../../src/runner/state.js';
import type { Session } from '../../../src/session/open.js';
import type { TeardownResult } from '../../../src/session/result.js';

const none = { removed: [], kept: [], failed: [] };
const result = (over: Partial<TeardownResult> = {}): TeardownResult => ({
  sessionId: 's1',
  containers: none,
  networks: none,
  volumes: none,
  images: undefined,
  warnings: [],
  hasProblems: false,
  durationMs: 1,
  ...over,
});

function fakeSession(options: JanitorOptions, teardown: () => Promise<TeardownResult>, log: string[]): Session {
  return {
    id: 's1',
    dir: '/nonexistent',
    labels: {},
    env: {},
    unsetEnv: [],
    socket: undefined,
    options,
    engine: {} as Session['engine'],
    warnings: ['Could not sweep dead session x: no engine'],
    dockerUnavailable: undefined,
    teardown: async (context) => {
      log.push(`teardown failed=${context?.failed === true}`);
      return teardown();
    },
    cleanObjects: async () => result(),
    cleanupSync: () => ({ outcome: 'complete' }),
    handleSignals: () => {
      log.push('signals on');
      return () => log.push('signals off');
    },
    exportEnv: () => {
      log.push('env on');
      return () => log.push('env off');
    },
  };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('openRun', () => {
  it('parses once and hands the parsed options to the session (not parsed again)', async () => {
    let given: JanitorOptions | undefined;
    const log: string[] = [];
    const run = await openRun({ stopTimeout: '5s' }, 'test', {
      open: async (options) => {
        given = options;
        return fakeSession(options, async () => result(), log);
      },
    });
    expect(given?.stopTimeout).toBe(5);
    expect(await parseJanitorOptions(given)).toBe(given);
    expect(log).toEqual(['env on', 'signals on']);
    expect(run.openError).toBeUndefined();
  });

  it('a bad option throws, naming where it came from; no session is opened', async () => {
    const open = vi.fn();
    await expect(openRun({ images: 'some' }, "test.provide['docker-janitor']", { open })).rejects.toThrow(OptionsError);
    await expect(openRun({ images: 'some' }, "test.provide['docker-janitor']", { open })).rejects.toThrow(/^Invalid test\.provide\['docker-janitor'\] options: images/);
    expect(open).not.toHaveBeenCalled();
  });

  it('a session that cannot be opened is an outcome, said once at the end', async () => {
    const run = await openRun({ failOnCleanupError: true }, 'test', {
      open: async () => {
        throw new Error('refusing to use the state directory: owned by someone else');
      },
    });
    expect(run.session).toBeUndefined();
    const output = await finishRun(run, { failed: false, color: false });
    expect(output?.text).toContain('could not start a session, nothing was cleaned: refusing to use the state directory');
    expect(output?.failRun).toBe(true);
  });

  it('signals: false installs no handlers', async () => {
    const log: string[] = [];
    await openRun({ signals: false }, 'test', { open: async (options) => fakeSession(options, async () => result(), log) });
    expect(log).toEqual(['env on']);
  });
});

describe('finishRun', () => {
  it('tears down with the run result, renders the summary with the setup warnings, then puts back handlers and environment', async () => {
    const log: string[] = [];
    const run = await openRun({ jobSummary: false }, 'test', { open: async (options) => fakeSession(options, async () => result(), log) });
    const output = await finishRun(run, { failed: true, color: false, env: {} });
    expect(log).toEqual(['env on', 'signals on', 'teardown failed=true', 'signals off', 'env off']);
    expect(output?.text).toContain('docker-janitor: Could not sweep dead session x: no engine');
    expect(output?.failRun).toBe(false);
  });

  it('Docker unavailable at teardown: one line, whatever setup said', async () => {
    const log: string[] = [];
    const run = await openRun({ jobSummary: false }, 'test', {
      open: async (options) => ({ ...fakeSession(options, async () => result({ dockerUnavailable: 'connection refused', hasProblems: true }), log), warnings: [], dockerUnavailable: 'connection refused' }),
    });
    const output = await finishRun(run, { failed: false, color: false, env: {} });
    expect(output?.text?.split('\n')).toEqual(['⚠ docker-janitor: nothing was cleaned: connection refused']);
  });

  it('a throw in teardown becomes one line, and the handlers and environment are still put back', async () => {
    const log: string[] = [];
    const run = await openRun({ jobSummary: false }, 'test', {
      open: async (options) =>
        fakeSession(options, async () => {
          throw new TypeError('boom');
        }, log),
    });
    const output = await finishRun(run, { failed: false, color: false, env: {} });
    expect(output?.text).toContain('boom');
    expect(log.slice(-2)).toEqual(['signals off', 'env off']);
  });

  it('an adapter may render its own way (Jest adds its reporter line)', async () => {
    const run = await openRun({ jobSummary: false }, 'test', { open: async (options) => fakeSession(options, async () => result(), []) });
    const output = await finishRun(run, { failed: false, color: false, env: {}, render: (_result, context) => ({ text: `custom ${context.options.images}`, failRun: false }) });
    expect(output).toEqual({ text: 'custom before-and-own', failRun: false });
  });

  it('nothing opened, nothing to say', async () => {
    expect(await finishRun(undefined, { failed: false, color: false })).toBeUndefined();
  });
});

describe('failRun and the shared state', () => {
  it('sets exit code 1 without throwing, keeping a code already set', () => {
    failRun();
    expect(process.exitCode).toBe(1);
    process.exitCode = 2;
    failRun();
    expect(process.exitCode).toBe(2);
  });

  it('one state per runner on globalThis; a reset keeps only whether the reporter was seen', () => {
    const jest = runState('jest');
    jest.refs = 2;
    jest.reporterSeen = true;
    jest.failed = true;
    expect(runState('vitest')).not.toBe(jest);
    resetRunState('jest');
    expect(runState('jest')).toMatchObject({ refs: 0, opening: undefined, reporterSeen: true, failed: undefined });
    resetRunState('jest');
    runState('jest').reporterSeen = false;
  });
});

/**
 * Keeping the session's watchdog (session/supervise.ts), over fake watchdog processes: a
 * watchdog killed or crashed during the run is restarted at most twice; one that exited 0 (on
 * purpose) is not; nothing is restarted once stopped or frozen; a restart under way is waited for.
 */
import { describe, expect, it } from 'vitest';
import type { WatchdogExit, WatchdogProcess } from '../../../src/session/processes.js';
import { MAX_RESTARTS, shouldRestart, superviseWatchdog } from '../../../src/session/supervise.js';

interface Fake extends WatchdogProcess {
  die(exit: Omit<WatchdogExit, 'at'>): void;
}

let nextPid = 100;
function fake(): Fake {
  const listeners: Array<(exit: WatchdogExit) => void> = [];
  let exit: WatchdogExit | undefined;
  return {
    pid: nextPid++,
    channel: undefined,
    channelFd: undefined,
    exited: () => exit,
    onExit: (listener) => void listeners.push(listener),
    die(ended) {
      exit = { at: 1_000, ...ended };
      for (const listener of listeners) listener(exit);
    },
  };
}

/** A restart that starts a fake at once (or never, when `fails`). */
function restarter(fails = false) {
  const started: Fake[] = [];
  return {
    started,
    restart: async (adopt: (next: WatchdogProcess) => void, pause: () => Promise<boolean>) => {
      await Promise.resolve();
      if (fails) throw new Error('cannot bind');
      if (!(await pause())) return;
      const next = fake();
      started.push(next);
      adopt(next);
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('shouldRestart', () => {
  it('killed or failed: yes, while fewer than MAX_RESTARTS; exit 0: no', () => {
    expect(shouldRestart({ at: 0, code: null, signal: 'SIGKILL' }, 0)).toBe(true);
    expect(shouldRestart({ at: 0, code: 1, signal: null }, MAX_RESTARTS - 1)).toBe(true);
    expect(shouldRestart({ at: 0, code: 1, signal: null }, MAX_RESTARTS)).toBe(false);
    expect(shouldRestart({ at: 0, code: 0, signal: null }, 0)).toBe(false);
    expect(shouldRestart({ at: 0, code: null, signal: null }, 0)).toBe(false);
  });
});

describe('superviseWatchdog', () => {
  it('the second restart comes after its pause (a cause that lasts a moment does not use up every restart at once)', async () => {
    const first = fake();
    const { started, restart } = restarter();
    const watchdogs = superviseWatchdog(first, restart, [0, 60]);
    first.die({ code: 1, signal: null });
    await settle();
    expect(started).toHaveLength(1);
    started[0]!.die({ code: 1, signal: null });
    await settle();
    expect(started).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(started).toHaveLength(2);
    expect(watchdogs.current()).toBe(started[1]);
  });

  it.each(['freeze', 'stop'] as const)('%s during the pause cuts it short, and no watchdog is started', async (how) => {
    const first = fake();
    const { started, restart } = restarter();
    const watchdogs = superviseWatchdog(first, restart, [5_000]);
    first.die({ code: null, signal: 'SIGKILL' });
    await settle();
    const began = Date.now();
    if (how === 'freeze') watchdogs.freeze();
    else await watchdogs.stop();
    await settle();
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(started).toEqual([]);
    expect(watchdogs.current()).toBe(first);
  });

  it('restarts a killed watchdog, then its successor, then gives up; every end is kept', async () => {
    const first = fake();
    const { started, restart } = restarter();
    const watchdogs = superviseWatchdog(first, restart, [0, 0]);
    first.die({ code: null, signal: 'SIGKILL' });
    await settle();
    expect(watchdogs.current()).toBe(started[0]);
    started[0]!.die({ code: 1, signal: null });
    await settle();
    expect(watchdogs.current()).toBe(started[1]);
    started[1]!.die({ code: null, signal: 'SIGKILL' });
    await settle();
    expect(started).toHaveLength(2);
    expect(watchdogs.ends().map((end) => [end.pid, end.restarted?.pid])).toEqual([
      [first.pid, started[0]!.pid],
      [started[0]!.pid, started[1]!.pid],
      [started[1]!.pid, undefined],
    ]);
  });

  it('exit 0 is on purpose: no restart', async () => {
    const first = fake();
    const { started, restart } = restarter();
    const watchdogs = superviseWatchdog(first, restart);
    first.die({ code: 0, signal: null });
    await settle();
    expect(started).toEqual([]);
    expect(watchdogs.ends()).toHaveLength(1);
  });

  it('stopped (teardown) or frozen (signal cleanup): an exit is neither restarted nor counted as an end during the run', async () => {
    for (const how of ['stop', 'freeze'] as const) {
      const first = fake();
      const { started, restart } = restarter();
      const watchdogs = superviseWatchdog(first, restart);
      if (how === 'stop') await watchdogs.stop();
      else watchdogs.freeze();
      first.die({ code: null, signal: 'SIGKILL' });
      await settle();
      expect([started, watchdogs.ends(), watchdogs.current()]).toEqual([[], [], first]);
    }
  });

  it('stop waits for a restart under way; a restart that fails leaves the dead one current', async () => {
    const first = fake();
    const { started, restart } = restarter();
    const watchdogs = superviseWatchdog(first, restart);
    first.die({ code: null, signal: 'SIGKILL' });
    await watchdogs.stop();
    expect(watchdogs.current()).toBe(started[0]);

    const other = fake();
    const failing = restarter(true);
    const kept = superviseWatchdog(other, failing.restart);
    other.die({ code: null, signal: 'SIGKILL' });
    await kept.stop();
    expect(kept.current()).toBe(other);
    expect(kept.ends()).toEqual([{ pid: other.pid, exit: { at: 1_000, code: null, signal: 'SIGKILL' } }]);
  });
});

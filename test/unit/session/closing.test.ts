/**
 * Closing the session socket at teardown (session/closing.ts): the path goes, the claim decides
 * whether the watchdog is asked; what teardown says about each answer (pure).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WatchdogChannel } from '../../../src/session/channel.js';
import { closeSessionSocket, closingOutcome, watchdogEndedWarnings } from '../../../src/session/closing.js';
import { claimSocket } from '../../../src/socket/claim.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dj-closing-'));
  mkdirSync(join(dir, 'socket'), { mode: 0o700 });
  path = join(dir, 'socket', 'docker.sock');
  writeFileSync(path, '');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const channel = (answer: Awaited<ReturnType<WatchdogChannel['closeSocket']>>) => {
  const asked: number[] = [];
  const value: WatchdogChannel = {
    closeSocket: async (timeoutMs) => {
      asked.push(timeoutMs);
      return answer;
    },
    goneAt: () => undefined,
    end: () => {},
  };
  return { value, asked };
};

describe('closeSessionSocket', () => {
  it('before the watchdog claimed the socket: the path goes, the watchdog is not asked (and will never serve)', async () => {
    const { value, asked } = channel({ kind: 'timeout', ms: 1 });
    expect(await closeSessionSocket(path, value)).toEqual({ kind: 'unserved' });
    expect(existsSync(path)).toBe(false);
    expect(asked).toEqual([]);
    expect(claimSocket(path, 'serve')).toBe('lost');
  });

  it('the watchdog serves it: asked, with the bound, and its answer returned', async () => {
    expect(claimSocket(path, 'serve')).toBe('won');
    const report = { dropped: 3, answered: 1, cutOff: 0, ms: 2 };
    const { value, asked } = channel({ kind: 'closed', report, ms: 2.5 });
    expect(await closeSessionSocket(path, value, 1234)).toEqual({ kind: 'asked', answer: { kind: 'closed', report, ms: 2.5 } });
    expect(asked).toEqual([1234]);
    expect(existsSync(path)).toBe(false);
  });

  it('served, but no channel: as if the watchdog were gone', async () => {
    claimSocket(path, 'serve');
    expect(await closeSessionSocket(path, undefined)).toEqual({ kind: 'asked', answer: { kind: 'gone', ms: 0 } });
  });
});

describe('closingOutcome', () => {
  const report = (cutOff: number) => ({ dropped: 0, answered: 2, cutOff, ms: 40 });
  it('nothing to say when unserved, closed with every create answered, or gone with its end said already', () => {
    expect(closingOutcome({ kind: 'unserved' }, 's')).toEqual({ warnings: [], mayGainObjects: false });
    expect(closingOutcome({ kind: 'asked', answer: { kind: 'closed', report: report(0), ms: 41 } }, 's')).toEqual({ warnings: [], mayGainObjects: false });
    expect(closingOutcome({ kind: 'asked', answer: { kind: 'gone', ms: 0 } }, 's', true)).toEqual({ warnings: [], mayGainObjects: false });
  });

  it('gone, and no line about its end yet (it ended as teardown began): one line', () => {
    expect(closingOutcome({ kind: 'asked', answer: { kind: 'gone', ms: 0 } }, 's')).toEqual({
      warnings: ["The session's watchdog was gone when teardown asked it to close the session socket; teardown cleaned the session by its label."],
      mayGainObjects: false,
    });
  });

  it('creates cut off, or no answer: one line, and the session kept for a later sweep', () => {
    expect(closingOutcome({ kind: 'asked', answer: { kind: 'closed', report: report(1), ms: 2000 } }, 'abc')).toEqual({
      warnings: [
        '1 create request sent through the session socket had no answer from the engine within 2.0 s when it closed; the engine may still complete it; the session is kept so that the next run or `docker-janitor sweep --session abc` removes what it makes (the watchdog tries once more when the runner ends).',
      ],
      mayGainObjects: true,
    });
    expect(closingOutcome({ kind: 'asked', answer: { kind: 'closed', report: report(3), ms: 2000 } }, 'abc').warnings[0]).toMatch(/^3 create requests .* complete them; .* removes what they make \(the watchdog tries once more when the runner ends\)\.$/);
    expect(closingOutcome({ kind: 'asked', answer: { kind: 'timeout', ms: 3000 } }, 'abc')).toEqual({
      warnings: [
        "The session's watchdog did not confirm within 3.0 s that the session socket is closed: a client still connected to it could create objects after they were listed; the session is kept so that the next run or `docker-janitor sweep --session abc` removes them (the watchdog tries once more when the runner ends).",
      ],
      mayGainObjects: true,
    });
  });
});

describe('watchdogEndedWarnings', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  it('one line per watchdog that ended: when it was noticed, how it ended, whether another was started, what it meant', () => {
    expect(watchdogEndedWarnings([], true)).toEqual([]);
    expect(watchdogEndedWarnings([{ pid: 4242, exit: { at, code: null, signal: 'SIGKILL' } }], true)).toEqual([
      "The session's watchdog (pid 4242) ended during the run (noticed at 2026-01-02T03:04:05.678Z, killed by SIGKILL): from then on the session socket refused connections (ECONNREFUSED), and a crash of the runner would have left the session to the next run; teardown cleaned the session by its label.",
    ]);
    expect(watchdogEndedWarnings([{ pid: 7, exit: { at, code: 1, signal: null } }], false)).toEqual([
      "The session's watchdog (pid 7) ended during the run (noticed at 2026-01-02T03:04:05.678Z, exit code 1): a crash of the runner would have left the session to the next run; teardown cleaned the session by its label.",
    ]);
    expect(
      watchdogEndedWarnings(
        [
          { pid: 7, exit: { at, code: null, signal: 'SIGKILL' }, restarted: { pid: 8, at: at + 12 } },
          { pid: 8, exit: { at: at + 1000, code: null, signal: null } },
        ],
        true,
      ),
    ).toEqual([
      "The session's watchdog (pid 7) ended during the run (noticed at 2026-01-02T03:04:05.678Z, killed by SIGKILL) and was restarted (pid 8, at 2026-01-02T03:04:05.690Z): the session socket refused connections (ECONNREFUSED) in between; teardown cleaned the session by its label.",
      "The session's watchdog (pid 8) ended during the run (noticed at 2026-01-02T03:04:06.678Z, its channel closed): from then on the session socket refused connections (ECONNREFUSED), and a crash of the runner would have left the session to the next run; teardown cleaned the session by its label.",
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { formatAge, renderSessions } from '../../../src/render/sessions.js';
import { sessionState, type SessionEntry } from '../../../src/session/inventory.js';

const now = Date.parse('2026-11-30T01:00:00Z');

describe('sessionState', () => {
  it.each([
    [{ kept: true, closed: true, ownerAlive: false }, 'kept'],
    [{ kept: true, closed: true, ownerAlive: true }, 'kept'],
    [{ kept: false, closed: true, ownerAlive: true }, 'closed'],
    [{ kept: false, closed: false, ownerAlive: true }, 'running'],
    [{ kept: false, closed: false, ownerAlive: false }, 'dead'],
  ] as const)('%o → %s', (markers, state) => {
    expect(sessionState(markers)).toBe(state);
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m'],
    [3_600_000, '1h'],
    [3_600_000 + 12 * 60_000, '1h12m'],
    [2 * 86_400_000 + 4 * 3_600_000, '2d4h'],
    [-5, '0s'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('renderSessions', () => {
  it('a table, a warning per engine that did not answer, and how to inspect and remove what is left', () => {
    const sessions: SessionEntry[] = [
      { id: 'mwwv8wx1-4451b600', state: 'kept', pid: 4242, hostname: 'ci', startedAt: now - 3 * 3_600_000, engine: undefined, holds: { containers: ['a', 'b'], networks: ['n'], volumes: [], images: 0 } },
      { id: 'mwwz0000-00000001', state: 'running', pid: 77, hostname: 'ci', startedAt: now - 42_000, engine: undefined, holds: { containers: ['c'], networks: [], volumes: [], images: 2 } },
      { id: 'mwwz0000-00000002', state: 'dead', pid: 78, hostname: 'ci', startedAt: now - 600_000, engine: 'unix:///gone.sock', error: 'Cannot connect to the Docker daemon at unix:///gone.sock' },
    ];
    expect(renderSessions(sessions, { color: false, stateDir: '/tmp/docker-janitor', now })).toMatchInlineSnapshot(`
      "🧹 Test sessions recorded on this machine (/tmp/docker-janitor)
        ID                 STATE    PID   STARTED  CONTAINERS  NETWORKS  VOLUMES  IMAGES
        mwwv8wx1-4451b600  kept     4242  3h ago   2           1         0        0
        mwwz0000-00000001  running  77    42s ago  1           0         0        2
        mwwz0000-00000002  dead     78    10m ago  ?           ?         ?        ?
      ⚠ Session mwwz0000-00000002: could not ask its engine: Cannot connect to the Docker daemon at unix:///gone.sock
      ⚠ 1 session still holds objects on the engine:
        inspect: docker ps -a --filter label=docker-janitor.session=mwwv8wx1-4451b600
        remove:  npx docker-janitor sweep --session mwwv8wx1-4451b600"
    `);
  });

  it('nothing recorded', () => {
    expect(renderSessions([], { color: false, stateDir: '/s', now })).toMatchInlineSnapshot(`
      "🧹 Test sessions recorded on this machine (/s)
      ✓ No sessions recorded"
    `);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSession } from '../../../src/session/open.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('exportEnv sets the session variables and puts back what was there', async () => {
  const state = mkdtempSync(join(tmpdir(), 'dj-open-'));
  dirs.push(state);
  // No docker call happens at open with these options: no sweep, no image snapshot, no watchdog.
  const session = await openSession({ watchdog: false, sweepDeadSessions: false }, { env: { DOCKER_JANITOR_STATE_DIR: state } });
  const target: NodeJS.ProcessEnv = { DOCKER_JANITOR_SESSION: 'an-older-one', OTHER: 'x' };

  const restore = session.exportEnv(target);
  expect(target).toEqual({ DOCKER_JANITOR_SESSION: session.id, DOCKER_JANITOR_SESSION_DIR: session.dir, OTHER: 'x' });

  restore();
  expect(target).toEqual({ DOCKER_JANITOR_SESSION: 'an-older-one', OTHER: 'x' });
});

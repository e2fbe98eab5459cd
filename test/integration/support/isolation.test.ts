/** The engine project works only on the suite's private engine, with session records of its own. */
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, inject, it } from 'vitest';
import { isPrivateEngineDir } from '../../support/engine.js';

it('DOCKER_HOST is the private engine the suite started, and the state directory is the run\'s own', () => {
  // Also when the unit project's setup (DOCKER_HOST pointing nowhere) ran after this project's
  // in the same Vitest process.
  const host = process.env.DOCKER_HOST ?? '';
  expect(host).toBe(inject('dockerHost'));
  expect(host).toMatch(/^unix:\/\//);
  expect(isPrivateEngineDir(dirname(host.slice('unix://'.length)))).toBe(true);
  expect(process.env.DOCKER_JANITOR_TEST_ENGINE_DIR).toBe(inject('engineDir'));
  expect(process.env.DOCKER_CONTEXT).toBeUndefined();
  expect(process.env.DOCKER_JANITOR_STATE_DIR).toBe(inject('stateDir'));
  expect(process.env.DOCKER_JANITOR_STATE_DIR).not.toBe(join(tmpdir(), 'docker-janitor'));
});

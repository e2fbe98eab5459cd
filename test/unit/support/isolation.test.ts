/** The suite never works on the developer's own Docker or session records. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';

it('DOCKER_HOST is the private engine and the state directory is the run\'s own', () => {
  expect(process.env.DOCKER_HOST).toBe(inject('dockerHost'));
  expect(process.env.DOCKER_CONTEXT).toBeUndefined();
  expect(process.env.DOCKER_JANITOR_STATE_DIR).toMatch(/dj-test-state-/);
  expect(process.env.DOCKER_JANITOR_STATE_DIR).not.toBe(join(tmpdir(), 'docker-janitor'));
});

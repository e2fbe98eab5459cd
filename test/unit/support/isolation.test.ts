/** The suite never works on the developer's own Docker or session records. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';

it('DOCKER_HOST is a socket that does not exist, and the state directory is the run\'s own', () => {
  // The unit project's own socket that does not exist, also when both projects run in one
  // Vitest process (`npm test`) and the engine project's setup ran after this one's.
  expect(process.env.DOCKER_HOST).toBe(inject('dockerHost'));
  expect(process.env.DOCKER_HOST).toMatch(/dj-test-state-.*no-engine\.sock$/);
  expect(process.env.DOCKER_JANITOR_TEST_ENGINE_DIR).toBeUndefined();
  expect(process.env.DOCKER_CONTEXT).toBeUndefined();
  expect(process.env.DOCKER_JANITOR_STATE_DIR).toBe(inject('stateDir'));
  expect(process.env.DOCKER_JANITOR_STATE_DIR).toMatch(/dj-test-state-/);
  expect(process.env.DOCKER_JANITOR_STATE_DIR).not.toBe(join(tmpdir(), 'docker-janitor'));
});

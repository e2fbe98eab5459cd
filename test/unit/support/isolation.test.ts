/** The suite never works on the developer's own Docker or session records. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject, it } from 'vitest';

it('DOCKER_HOST is no engine or the suite\'s private one, and the state directory is the run\'s own', () => {
  // `npm run test:unit` alone: the unit project's socket that does not exist. With both projects
  // in one run (`npm test`), the engine project's setup runs last in the same main process, and
  // its private engine is what the workers see.
  const engineDir = process.env.DOCKER_JANITOR_TEST_ENGINE_DIR;
  const privateEngine = engineDir ? `unix://${join(engineDir, 'docker.sock')}` : undefined;
  expect([inject('dockerHost'), privateEngine]).toContain(process.env.DOCKER_HOST);
  expect(process.env.DOCKER_CONTEXT).toBeUndefined();
  expect(process.env.DOCKER_JANITOR_STATE_DIR).toMatch(/dj-test-state-/);
  expect(process.env.DOCKER_JANITOR_STATE_DIR).not.toBe(join(tmpdir(), 'docker-janitor'));
});

/**
 * Starts the suite's private engine, builds the base image, and points every test (and every
 * process a test spawns) at it, with a state directory of its own. The machine's own Docker is never used: DOCKER_HOST is replaced
 * and DOCKER_CONTEXT removed for the whole run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildBaseImage, startPrivateEngine } from './engine.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dockerHost: string;
    engineDir: string;
  }
}

export default function setup(project: TestProject) {
  const engine = startPrivateEngine();
  buildBaseImage(engine.host);
  process.env.DOCKER_HOST = engine.host;
  process.env.DOCKER_JANITOR_TEST_ENGINE_DIR = engine.dir;
  delete process.env.DOCKER_CONTEXT;
  // Runs in GitHub Actions must not append the fixtures' job summaries to the suite's own.
  delete process.env.GITHUB_STEP_SUMMARY;
  // Session records of this run live in a directory of its own: no test can see, or sweep, the
  // sessions a developer's own test runs recorded in the default $TMPDIR/docker-janitor.
  const stateDir = mkdtempSync(join(tmpdir(), 'dj-test-state-'));
  process.env.DOCKER_JANITOR_STATE_DIR = stateDir;
  project.provide('dockerHost', engine.host);
  project.provide('engineDir', engine.dir);
  return () => {
    engine.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
}

/**
 * Starts the suite's private engine, builds the base image, and points every test (and every
 * process a test spawns) at it. The machine's own Docker is never used: DOCKER_HOST is replaced
 * and DOCKER_CONTEXT removed for the whole run.
 */
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
  project.provide('dockerHost', engine.host);
  project.provide('engineDir', engine.dir);
  return () => engine.stop();
}

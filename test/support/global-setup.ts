/**
 * Starts the suite's private engine, builds the base image, and points every test (and every
 * process a test spawns) at it, with a state directory of its own. The machine's own Docker is never used: DOCKER_HOST is replaced
 * and DOCKER_CONTEXT removed in every worker (test/support/worker-env.ts).
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildBaseImage, REPO_ROOT, startPrivateEngine } from './engine.js';
import { removeStateDir } from './processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine the project's tests use: the private one, or (unit) a socket that does not exist. */
    dockerHost: string;
    /** The private engine's directory; the unit project has none. */
    engineDir?: string;
    /** The run's own directory for session records. */
    stateDir: string;
  }
}

/**
 * The engine tests run the build (dist/), the watchdog as setup spawns it included: a build by
 * tsc alone leaves dist/watchdog/main.cjs missing or older than the rest (attack/129).
 */
function checkBuild(): void {
  const bundle = join(REPO_ROOT, 'dist/watchdog/main.cjs');
  const compiled = join(REPO_ROOT, 'dist/socket/server.js');
  if (!existsSync(bundle) || !existsSync(compiled)) throw new Error('dist/ is not built: run npm run build first');
  if (statSync(bundle).mtimeMs < statSync(compiled).mtimeMs) throw new Error('dist/watchdog/main.cjs is older than dist/ (tsc alone rebuilt it): run npm run build');
}

export default function setup(project: TestProject) {
  checkBuild();
  const engine = startPrivateEngine();
  buildBaseImage(engine.host);
  // Workers take DOCKER_HOST, the state directory and the engine's directory from what is
  // provided here (test/support/worker-env.ts), not from this process's environment, which the
  // unit project's setup shares.
  // Session records of this run live in a directory of its own: no test can see, or sweep, the
  // sessions a developer's own test runs recorded in the default $TMPDIR/docker-janitor.
  const stateDir = mkdtempSync(join(tmpdir(), 'dj-test-state-'));
  project.provide('dockerHost', engine.host);
  project.provide('stateDir', stateDir);
  project.provide('engineDir', engine.dir);
  return () => {
    engine.stop();
    removeStateDir(stateDir);
  };
}

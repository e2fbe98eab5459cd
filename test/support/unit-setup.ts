/**
 * Global setup of the `unit` project: no engine, no root. The unit tests never reach a daemon:
 * DOCKER_HOST points at a socket that does not exist (a test that needs a daemon fails at once
 * and belongs in the `engine` project), DOCKER_CONTEXT is removed, and session records live in
 * a directory of the run's own (set in each worker by test/support/worker-env.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { removeStateDir } from './processes.js';

export default function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), 'dj-test-state-'));
  const host = `unix://${join(stateDir, 'no-engine.sock')}`;
  // Set in each worker by test/support/worker-env.ts: this process is shared with the engine
  // project's setup when both projects run.
  project.provide('dockerHost', host);
  project.provide('stateDir', stateDir);
  return () => {
    removeStateDir(stateDir);
  };
}

/**
 * Global setup of the `unit` project: no engine, no root. The unit tests never reach a daemon:
 * DOCKER_HOST points at a socket that does not exist (a test that needs a daemon fails at once
 * and belongs in the `engine` project), DOCKER_CONTEXT is removed, and session records live in
 * a directory of the run's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject) {
  const stateDir = mkdtempSync(join(tmpdir(), 'dj-test-state-'));
  const host = `unix://${join(stateDir, 'no-engine.sock')}`;
  process.env.DOCKER_HOST = host;
  delete process.env.DOCKER_CONTEXT;
  delete process.env.GITHUB_STEP_SUMMARY;
  process.env.DOCKER_JANITOR_STATE_DIR = stateDir;
  project.provide('dockerHost', host);
  return () => {
    rmSync(stateDir, { recursive: true, force: true });
  };
}

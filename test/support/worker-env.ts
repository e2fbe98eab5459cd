/**
 * Setup file of both projects, run in each worker before its test file: the worker's
 * environment comes from its own project's global setup (`inject`), never from process.env of
 * Vitest's main process. With both projects in one run (`npm test`), both global setups run in
 * that one main process; whichever set process.env last won for every worker, so the engine
 * project's tests could get the unit project's DOCKER_HOST that points nowhere, and its state
 * directory (CI of stop 13: three e2e tests failed that way), or the unit tests the engine.
 */
import { inject } from 'vitest';

process.env.DOCKER_HOST = inject('dockerHost');
process.env.DOCKER_JANITOR_STATE_DIR = inject('stateDir');
const engineDir = inject('engineDir');
if (engineDir) process.env.DOCKER_JANITOR_TEST_ENGINE_DIR = engineDir;
else delete process.env.DOCKER_JANITOR_TEST_ENGINE_DIR;
delete process.env.DOCKER_CONTEXT;
// Runs in GitHub Actions must not append the fixtures' job summaries to the suite's own.
delete process.env.GITHUB_STEP_SUMMARY;

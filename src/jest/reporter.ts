/**
 * `docker-janitor/jest/reporter`: tells global teardown whether the run failed, for
 * `keepOnFailure`. Jest calls reporters' `onRunComplete` before global teardown, in the same
 * process. It prints nothing. `withDockerJanitor(config, { keepOnFailure: true })` adds it.
 */
import { runState } from '../runner/state.js';

/** The parts of Jest's aggregated result the reporter reads. */
export interface JestRunResultsLike {
  readonly numFailedTests?: number;
  readonly numFailedTestSuites?: number;
  readonly numRuntimeErrorTestSuites?: number;
  readonly snapshot?: { readonly failure?: boolean };
  readonly runExecError?: unknown;
}

/**
 * Whether a Jest run failed, from its aggregated results. Not from `success`: Jest 30 computes
 * it only after the reporters ran (it reads `false` in `onRunComplete` of a passing run).
 */
export function runFailed(results: JestRunResultsLike | undefined): boolean {
  if (!results) return false;
  return (
    (results.numFailedTests ?? 0) > 0 ||
    (results.numFailedTestSuites ?? 0) > 0 ||
    (results.numRuntimeErrorTestSuites ?? 0) > 0 ||
    results.snapshot?.failure === true ||
    Boolean(results.runExecError)
  );
}

export default class DockerJanitorReporter {
  constructor() {
    runState('jest').reporterSeen = true;
  }

  onRunStart(): void {
    runState('jest').failed = undefined;
  }

  onRunComplete(_contexts: unknown, results: JestRunResultsLike): void {
    runState('jest').failed = runFailed(results);
  }

  getLastError(): Error | undefined {
    return undefined;
  }
}

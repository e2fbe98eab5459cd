import { afterEach, describe, expect, it } from 'vitest';
import DockerJanitorReporter, { runFailed } from '../../../src/jest/reporter.js';
import { resetRunState, runState } from '../../../src/runner/state.js';

// The aggregated result of a passing Jest 30.5 run as `onRunComplete` receives it (testResults
// left out): `success` is still false there, Jest computes it after the reporters.
const passing = {
  numFailedTestSuites: 0,
  numFailedTests: 0,
  numPassedTestSuites: 2,
  numPassedTests: 2,
  numPendingTestSuites: 0,
  numPendingTests: 3,
  numRuntimeErrorTestSuites: 0,
  numTodoTests: 0,
  numTotalTestSuites: 2,
  numTotalTests: 5,
  openHandles: [],
  snapshot: { failure: false },
  startTime: 1795656875631,
  success: false,
  wasInterrupted: false,
};

afterEach(() => {
  resetRunState('jest');
  runState('jest').reporterSeen = false;
});

describe('runFailed', () => {
  it('a passing run is not failed, whatever `success` says before Jest computed it', () => {
    expect(runFailed(passing)).toBe(false);
  });

  it.each([
    ['a failed test', { numFailedTests: 1 }],
    ['a failed suite', { numFailedTestSuites: 1 }],
    ['a suite that crashed', { numRuntimeErrorTestSuites: 1 }],
    ['an obsolete or failed snapshot', { snapshot: { failure: true } }],
    ['a run that threw', { runExecError: { message: 'boom' } }],
  ])('%s is a failed run', (_what, change) => {
    expect(runFailed({ ...passing, ...change })).toBe(true);
  });
});

describe('DockerJanitorReporter', () => {
  it('records on globalThis that it exists and how the run ended', () => {
    const reporter = new DockerJanitorReporter();
    expect(runState('jest').reporterSeen).toBe(true);
    reporter.onRunStart();
    expect(runState('jest').failed).toBeUndefined();
    reporter.onRunComplete(new Set(), { ...passing, numFailedTests: 2 });
    expect(runState('jest').failed).toBe(true);
    reporter.onRunComplete(new Set(), passing);
    expect(runState('jest').failed).toBe(false);
    expect(reporter.getLastError()).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { REPORTER_MISSING, teardownOutput } from '../../../src/jest/output.js';
import type { ResourceOutcomes, TeardownResult } from '../../../src/session/result.js';

const none: ResourceOutcomes = { removed: [], kept: [], failed: [] };
const base: TeardownResult = {
  sessionId: 'k3x9f2',
  containers: { removed: [{ kind: 'container', id: 'a'.repeat(64) }], kept: [], failed: [] },
  networks: none,
  volumes: none,
  images: undefined,
  warnings: [],
  hasProblems: false,
  durationMs: 5,
};
const options = { summary: true, failOnCleanupError: false, keepOnFailure: false };
const context = { options, color: false, setupWarnings: [], resultKnown: true };

describe('teardownOutput (Jest)', () => {
  it('the summary, as the Vitest adapter prints it', () => {
    expect(teardownOutput(base, context)).toEqual({
      text: '🧹 Cleaning up Docker resources of test session k3x9f2...\n✓ Removed 1 container: aaaaaaaaaaaa\n✓ Cleanup complete',
      failRun: false,
    });
  });

  it('keepOnFailure without the reporter: says so first, the containers were removed', () => {
    const output = teardownOutput(base, { ...context, options: { ...options, keepOnFailure: true }, resultKnown: false });
    expect(output.text?.split('\n')[0]).toBe(`⚠ docker-janitor: ${REPORTER_MISSING}`);
    expect(output.text).toContain('Removed 1 container');
  });

  it('keepOnFailure with the reporter: nothing extra', () => {
    const output = teardownOutput(base, { ...context, options: { ...options, keepOnFailure: true } });
    expect(output.text).not.toContain(REPORTER_MISSING);
  });

  it('Docker unreachable: one line', () => {
    const unreachable: TeardownResult = {
      ...base,
      containers: none,
      dockerUnavailable: 'The Docker engine is not reachable at unix:///x.sock. Is it running? (…)',
      warnings: ["Could not clean the session's containers: The Docker engine is not reachable at unix:///x.sock. Is it running? (…)"],
      hasProblems: true,
    };
    expect(teardownOutput(unreachable, context).text?.split('\n')).toHaveLength(1);
  });
});

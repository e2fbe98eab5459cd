import { describe, expect, it } from 'vitest';
import type { ResourceOutcomes, TeardownResult } from '../../../src/session/result.js';
import { openFailedOutput, teardownOutput } from '../../../src/render/teardown-output.js';

const none: ResourceOutcomes = { removed: [], kept: [], failed: [] };
const base: TeardownResult = {
  sessionId: 'k3x9f2',
  containers: none,
  networks: none,
  volumes: none,
  images: undefined,
  warnings: [],
  hasProblems: false,
  durationMs: 5,
};
const unreachable: TeardownResult = {
  ...base,
  dockerUnavailable: 'The Docker engine is not reachable at unix:///x.sock. Is it running? (…)',
  warnings: ["Could not clean the session's containers: The Docker engine is not reachable at unix:///x.sock. Is it running? (…)"],
  hasProblems: true,
};
const options = { summary: true, failOnCleanupError: false };

describe('teardownOutput', () => {
  it('an incomplete teardown names the session and the exact command that finishes it', () => {
    const down = teardownOutput({ ...unreachable, incomplete: true }, { options, color: false });
    expect(down.text).toBe(
      '⚠ docker-janitor: nothing was cleaned: The Docker engine is not reachable at unix:///x.sock. Is it running? (…) (session kept; later: npx docker-janitor sweep --session k3x9f2)',
    );
    const failed: TeardownResult = {
      ...base,
      containers: { removed: [], kept: [], failed: [{ kind: 'container', id: 'c1', message: 'Command timed out after 2000 ms: docker container rm --force --volumes c1' }] },
      hasProblems: true,
      incomplete: true,
    };
    const text = teardownOutput(failed, { options, color: false }).text ?? '';
    expect(text).toContain('Session k3x9f2 was not fully cleaned');
    expect(text).toContain('remove now: npx docker-janitor sweep --session k3x9f2');
  });

  it('a dry run says what it would remove', () => {
    const dry: TeardownResult = { ...base, dryRun: true, containers: { removed: [{ kind: 'container', id: 'a'.repeat(64) }], kept: [], failed: [] } };
    expect(teardownOutput(dry, { options, color: false }).text).toContain('✓ Would remove 1 container: aaaaaaaaaaaa');
  });

  it('a clean run: the summary, the run keeps its result', () => {
    const output = teardownOutput(base, { options, color: false });
    expect(output.failRun).toBe(false);
    expect(output.text).toMatchInlineSnapshot(`
      "🧹 Cleaning up Docker resources of test session k3x9f2...
      ✓ No containers, networks or volumes to remove
      ✓ Cleanup complete"
    `);
  });

  it('Docker unavailable: one line, no summary', () => {
    const output = teardownOutput(unreachable, { options, color: false });
    expect(output).toEqual({
      text: '⚠ docker-janitor: nothing was cleaned: The Docker engine is not reachable at unix:///x.sock. Is it running? (…)',
      failRun: false,
    });
  });

  it('failOnCleanupError with a problem fails the run and says why', () => {
    const output = teardownOutput(unreachable, { options: { ...options, failOnCleanupError: true }, color: false });
    expect(output.failRun).toBe(true);
    expect(output.text?.split('\n')).toHaveLength(2);
    expect(output.text).toContain('✗ docker-janitor: cleanup problems fail the run (failOnCleanupError)');
  });

  it('failOnCleanupError without a problem leaves the run alone', () => {
    expect(teardownOutput(base, { options: { ...options, failOnCleanupError: true }, color: false }).failRun).toBe(false);
  });

  it('summary: false prints nothing on a clean run, the summary when something went wrong or was kept', () => {
    const quiet = { ...options, summary: false };
    expect(teardownOutput(base, { options: quiet, color: false }).text).toBeUndefined();
    const failed: TeardownResult = {
      ...base,
      networks: { removed: [], kept: [], failed: [{ kind: 'network', id: 'n1', name: 'net', message: 'has active endpoints' }] },
      hasProblems: true,
    };
    expect(teardownOutput(failed, { options: quiet, color: false }).text).toContain('Failed to remove 1 network');
    const kept: TeardownResult = { ...base, containers: { removed: [], kept: [{ kind: 'container', id: 'c'.repeat(64) }], failed: [] } };
    expect(teardownOutput(kept, { options: quiet, color: false }).text).toContain('npx docker-janitor sweep --session k3x9f2');
  });

  it('setup warnings come before the summary', () => {
    const output = teardownOutput(base, { options, color: false, setupWarnings: ['Could not sweep dead session abc: no engine'] });
    expect(output.text?.split('\n')[0]).toBe('⚠ docker-janitor: Could not sweep dead session abc: no engine');
  });

  it('colour only when asked', () => {
    expect(teardownOutput(base, { options, color: false }).text).not.toMatch(/\u001b\[/);
    expect(teardownOutput(base, { options, color: true }).text).toMatch(/\u001b\[/);
  });
});

describe('other warnings', () => {
  it('a warning while Docker answered still prints the summary with the warning', () => {
    const output = teardownOutput({ ...base, warnings: ['Could not list dangling images: boom'], hasProblems: true }, { options, color: false });
    expect(output.text).toContain('Could not list dangling images: boom');
    expect(output.text).toContain('Cleaning up Docker resources of test session k3x9f2');
  });
});

describe('openFailedOutput', () => {
  it('one line, and fails the run only with failOnCleanupError', () => {
    expect(openFailedOutput('EACCES: /state', { failOnCleanupError: false }, false)).toEqual({
      text: '⚠ docker-janitor: could not start a session, nothing was cleaned: EACCES: /state',
      failRun: false,
    });
    expect(openFailedOutput('EACCES', { failOnCleanupError: true }, false).failRun).toBe(true);
  });
});

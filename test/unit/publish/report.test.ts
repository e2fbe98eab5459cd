import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CleanResult } from '../../../src/cleaner/result.js';
import { janitorOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import { jobSummaryPath, publishRun } from '../../../src/publish/publish.js';
import { buildReport, REPORT_SCHEMA_VERSION, renderReport } from '../../../src/publish/report.js';
import { toolVersion } from '../../../src/publish/tool.js';

const clean: CleanResult = {
  dryRun: false,
  removed: [{ id: `sha256:${'a'.repeat(64)}`, size: 10, step: 'prune' }],
  skipped: [],
  failed: [],
  filtered: 0,
  bytesReclaimed: 10,
  prune: { ran: true, reclaimed: 10 },
  durationMs: 5,
};

describe('report file schema (version 1)', () => {
  it('is the --json result with version, tool, kind and finishedAt in front', () => {
    const report = buildReport({ kind: 'clean', result: clean }, { toolVersion: '9.9.9', now: new Date('2026-11-30T00:00:00Z') });
    expect(Object.keys(report).slice(0, 4)).toEqual(['version', 'tool', 'finishedAt', 'kind']);
    expect(report).toEqual({ version: 1, tool: { name: 'docker-janitor', version: '9.9.9' }, kind: 'clean', finishedAt: '2026-11-30T00:00:00.000Z', ...clean });
    expect(JSON.parse(renderReport(report))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(REPORT_SCHEMA_VERSION).toBe(1);
  });

  it('sweep: { dryRun, sessions } as --json prints it', () => {
    const report = buildReport({ kind: 'sweep', result: { dryRun: true, sessions: [] } }, { toolVersion: '1.0.0', now: new Date(0) });
    expect(report).toMatchObject({ version: 1, kind: 'sweep', dryRun: true, sessions: [] });
  });

  it('the tool version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(toolVersion()).toBe(pkg.version);
  });
});

describe('options', () => {
  it('jobSummary defaults to auto and takes false; reportFile is a non-empty path', () => {
    expect(parseOptions(janitorOptionsSchema, {})).toMatchObject({ jobSummary: 'auto' });
    expect(parseOptions(janitorOptionsSchema, { jobSummary: false, reportFile: 'r.json' })).toMatchObject({ jobSummary: false, reportFile: 'r.json' });
    expect(() => parseOptions(janitorOptionsSchema, { jobSummary: true })).toThrow(/jobSummary/);
    expect(() => parseOptions(janitorOptionsSchema, { reportFile: '' })).toThrow(/reportFile/);
  });

  it("the summary goes to $GITHUB_STEP_SUMMARY with 'auto' only when it is set", () => {
    expect(jobSummaryPath('auto', { GITHUB_STEP_SUMMARY: '/x/summary.md' })).toBe('/x/summary.md');
    expect(jobSummaryPath('auto', { GITHUB_STEP_SUMMARY: '' })).toBeUndefined();
    expect(jobSummaryPath('auto', {})).toBeUndefined();
    expect(jobSummaryPath(false, { GITHUB_STEP_SUMMARY: '/x/summary.md' })).toBeUndefined();
  });
});

describe('publishRun (real files)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dj-publish-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends to the step summary, never overwrites, and writes the report (creating its directory)', () => {
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '## Vitest\n');
    const first = publishRun({ kind: 'clean', result: clean }, { jobSummary: 'auto', reportFile: 'out/report.json' }, { env: { GITHUB_STEP_SUMMARY: summary }, cwd: dir });
    appendFileSync(summary, '## another step\n');
    publishRun({ kind: 'clean', result: clean }, { jobSummary: 'auto' }, { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(first).toEqual({ written: [summary, join(dir, 'out/report.json')], warnings: [] });
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('## Vitest\n')).toBe(true);
    expect(text.match(/### 🧹 docker-janitor: dangling images/g)).toHaveLength(2);
    expect(text.indexOf('## another step')).toBeGreaterThan(text.indexOf('### 🧹'));
    expect(JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8'))).toMatchObject({ version: 1, kind: 'clean', removed: clean.removed });
  });

  it('a path that cannot be written is one warning each, nothing thrown', () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, '');
    const outcome = publishRun(
      { kind: 'clean', result: clean },
      { jobSummary: 'auto', reportFile: join(blocker, 'report.json') },
      { env: { GITHUB_STEP_SUMMARY: join(blocker, 'summary.md') } },
    );
    expect(outcome.written).toEqual([]);
    expect(outcome.warnings).toHaveLength(2);
    expect(outcome.warnings[0]).toMatch(/^could not append the job summary to .*file\/summary\.md \(GITHUB_STEP_SUMMARY\): ENOTDIR/);
    expect(outcome.warnings[1]).toMatch(/^could not write the report file .*file\/report\.json: (ENOTDIR|EEXIST)/);
  });

  it('jobSummary false writes no summary even when GITHUB_STEP_SUMMARY is set', () => {
    const summary = join(dir, 'step-summary.md');
    expect(publishRun({ kind: 'clean', result: clean }, { jobSummary: false }, { env: { GITHUB_STEP_SUMMARY: summary } })).toEqual({ written: [], warnings: [] });
    expect(() => readFileSync(summary)).toThrow(/ENOENT/);
  });
});

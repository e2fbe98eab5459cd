/**
 * The built CLI's job summary and report file against the private engine: the files are read
 * back, and the engine is checked too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortId } from '../../../src/render/format.js';
import { buildImage, danglingIds, dockerEnv, dockerSync, imageExists, resetEngine, runContainer } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';

const BIN = join(REPO_ROOT, 'dist/cli/bin.js');
let dir: string;

beforeEach(() => {
  if (!existsSync(BIN)) throw new Error('dist/ is not built: run npm run build first');
  resetEngine();
  dir = mkdtempSync(join(tmpdir(), 'dj-publish-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base: NodeJS.ProcessEnv = { ...dockerEnv(), NO_COLOR: '1', DOCKER_JANITOR_STATE_DIR: join(dir, 'state') };
  delete base.GITHUB_STEP_SUMMARY;
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...base, ...env }, encoding: 'utf8', cwd: dir });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('clean with GITHUB_STEP_SUMMARY set', () => {
  it('appends one section per run after what was there; skipped images name their container', () => {
    const free = [buildImage(), buildImage()];
    const used = buildImage();
    const container = runContainer(used, ['--name', 'dj-summary-user']);
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '## Test results (written by another tool)\n');

    const first = cli(['clean'], { GITHUB_STEP_SUMMARY: summary });
    const second = cli(['clean', '--dry-run'], { GITHUB_STEP_SUMMARY: summary });

    expect([first.code, first.stderr, second.code, second.stderr]).toEqual([0, '', 0, '']);
    for (const id of free) expect(imageExists(id)).toBe(false);
    expect(imageExists(used)).toBe(true);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('## Test results (written by another tool)\n')).toBe(true);
    const firstAt = text.indexOf('### 🧹 docker-janitor: dangling images\n');
    const secondAt = text.indexOf('### 🧹 docker-janitor: dangling images (dry run)\n');
    expect(firstAt).toBeGreaterThan(0);
    expect(secondAt).toBeGreaterThan(firstAt);
    const firstSection = text.slice(firstAt, secondAt);
    expect(firstSection).toMatch(/\| 2 \| 1 \| 0 \| 0 \| \d[\d.]*[kMG]?B \|/); // removed, skipped, filtered, failed, reclaimed
    expect(firstSection).toContain(`| \`${shortId(used)}\` | in use (running) | running \`${shortId(container)}\` (dj-summary-user) |`);
    expect(text.slice(secondAt)).toContain('| would remove |');
    expect(text.slice(secondAt)).toContain('✅ Dry run complete (nothing was removed).');
  });

  it('--no-job-summary leaves the file alone', () => {
    buildImage();
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, 'before\n');
    expect(cli(['clean', '--no-job-summary'], { GITHUB_STEP_SUMMARY: summary }).code).toBe(0);
    expect(readFileSync(summary, 'utf8')).toBe('before\n');
    expect(danglingIds()).toEqual([]);
  });
});

describe('--report-file', () => {
  it('clean: the --json result with version 1 and the tool version, relative to the working directory', () => {
    const free = buildImage();
    const used = buildImage();
    runContainer(used);

    const { code, stdout, stderr } = cli(['clean', '--json', '--report-file', 'reports/clean.json']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(readFileSync(join(dir, 'reports/clean.json'), 'utf8')) as Record<string, unknown>;
    const json = JSON.parse(stdout) as Record<string, unknown>;
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(report).toMatchObject({ version: 1, tool: { name: 'docker-janitor', version: pkg.version }, kind: 'clean' });
    expect(typeof report.finishedAt).toBe('string');
    const { version, tool, kind, finishedAt, ...rest } = report;
    void [version, tool, kind, finishedAt];
    expect(rest).toEqual(json); // same schema as --json
    expect((rest.removed as Array<{ id: string }>).map((image) => image.id)).toEqual([free]);
    expect((rest.skipped as Array<{ id: string; reason: string }>).map((image) => [image.id, image.reason])).toEqual([[used, 'in-use-running']]);
    expect(imageExists(free)).toBe(false);
  });

  it('an unwritable path: one warning on stderr, the result and exit code unchanged', () => {
    const free = buildImage();
    writeFileSync(join(dir, 'not-a-dir'), '');

    const { code, stdout, stderr } = cli(['clean', '--report-file', join(dir, 'not-a-dir', 'r.json')]);

    expect(code).toBe(0);
    expect(stdout).toContain('✓ Cleanup complete');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^docker-janitor: warning: could not write the report file .*not-a-dir\/r\.json: /);
    expect(imageExists(free)).toBe(false);
  });

  it('sweep: { dryRun, sessions } with the header, and a job summary section', () => {
    const summary = join(dir, 'step-summary.md');
    const { code, stderr } = cli(['sweep', '--report-file', 'sweep.json'], { GITHUB_STEP_SUMMARY: summary });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))).toMatchObject({ version: 1, kind: 'sweep', dryRun: false, sessions: [] });
    expect(readFileSync(summary, 'utf8')).toContain('✅ No dead sessions to sweep.');
    expect(dockerSync(['ps', '-aq'])).toBe('');
  });
});

/**
 * The built CLI (`node dist/cli/bin.js clean …`) against the suite's private engine: dry run,
 * real run, --json, filters, and exit codes, asserted on what the engine shows afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CleanResult } from '../../../src/cleaner/result.js';
import { shortId } from '../../../src/render/format.js';
import {
  buildImage,
  containerState,
  danglingIds,
  dockerEnv,
  dockerSync,
  imageExists,
  resetEngine,
  runContainer,
} from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';

const BIN = join(REPO_ROOT, 'dist/cli/bin.js');

beforeAll(() => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
});

beforeEach(() => {
  resetEngine();
});

/** Run the built CLI on the private engine, no TTY, colours as the environment says. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = dockerEnv();
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...base, ...env }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A small seed situation: three unused dangling images, one used by a running and one by an exited container. */
function situation() {
  const free = [buildImage(), buildImage(), buildImage()];
  const forRunning = buildImage();
  const forExited = buildImage();
  const running = runContainer(forRunning, ['--name', 'dj-cli-running']);
  const exited = dockerSync(['run', '-d', '--name', 'dj-cli-exited', forExited, 'true']);
  dockerSync(['wait', exited]);
  return { free, forRunning, forExited, running, exited };
}

describe('docker-janitor clean (built CLI, private engine)', () => {
  it('--dry-run prints the plan and removes nothing', () => {
    const s = situation();
    const before = danglingIds().sort();

    const { code, stdout, stderr } = cli(['clean', '--dry-run']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('🧹 Cleaning up dangling Docker images (dry run)...');
    expect(stdout).toContain('✓ Would remove 3 <none> images');
    for (const id of s.free) expect(stdout).toContain(`- ${shortId(id)}  `);
    expect(stdout).toContain(`- ${shortId(s.forRunning)}  used by running container ${shortId(s.running)} (dj-cli-running)`);
    expect(stdout).toContain(`- ${shortId(s.forExited)}  used by stopped container ${shortId(s.exited)} (dj-cli-exited)`);
    expect(stdout).toContain('✓ Dry run complete (nothing was removed)');
    expect(danglingIds().sort()).toEqual(before);
  });

  it('removes the unused dangling images and skips the in-use ones with their containers', () => {
    const s = situation();

    const { code, stdout, stderr } = cli(['clean']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.split('\n')[0]).toBe('🧹 Cleaning up dangling Docker images...');
    expect(stdout).toMatch(/✓ Removed 3 <none> images, reclaimed \d/);
    expect(stdout).toContain('✓ Skipped 2 in-use images (safe)');
    expect(stdout).toContain(`- ${shortId(s.forRunning)}  used by running container ${shortId(s.running)} (dj-cli-running)`);
    expect(stdout).toContain(`- ${shortId(s.forExited)}  used by stopped container ${shortId(s.exited)} (dj-cli-exited)`);
    expect(stdout.trimEnd().split('\n').pop()).toBe('✓ Cleanup complete');
    expect(stdout).not.toMatch(/\u001b\[/);

    for (const id of s.free) expect(imageExists(id)).toBe(false);
    expect(danglingIds().sort()).toEqual([s.forRunning, s.forExited].sort());
    expect(containerState(s.running)).toBe('running');
    expect(containerState(s.exited)).toBe('exited');
  });

  it('--json prints the result object on stdout and nothing else', () => {
    const s = situation();

    const { code, stdout, stderr } = cli(['clean', '--json']);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(stdout) as CleanResult;
    expect(stdout).toBe(`${JSON.stringify(result, null, 2)}\n`);
    expect(result.dryRun).toBe(false);
    expect(result.removed.map((image) => image.id).sort()).toEqual([...s.free].sort());
    for (const image of result.removed) expect(image.size).toBeGreaterThan(0);
    expect(result.failed).toEqual([]);
    expect(result.bytesReclaimed).toBeGreaterThan(0);
    const skipped = Object.fromEntries(result.skipped.map((image) => [image.id, image]));
    expect(skipped[s.forRunning]).toMatchObject({ reason: 'in-use-running', containers: [{ id: s.running, name: 'dj-cli-running', state: 'running' }] });
    expect(skipped[s.forExited]).toMatchObject({ reason: 'in-use-stopped', containers: [{ id: s.exited, name: 'dj-cli-exited', state: 'exited' }] });
    expect(result.skipped).toHaveLength(2);
    for (const id of s.free) expect(imageExists(id)).toBe(false);
  });

  it('--json --dry-run lists what would go and removes nothing', () => {
    const s = situation();
    const result = JSON.parse(cli(['clean', '--json', '--dry-run']).stdout) as CleanResult;
    expect(result.dryRun).toBe(true);
    expect(result.removed.map((image) => image.id).sort()).toEqual([...s.free].sort());
    for (const id of s.free) expect(imageExists(id)).toBe(true);
  });

  it('--label, --exclude-label and --older-than reach Docker and limit what goes', () => {
    const teamA = buildImage({ labels: { team: 'a' } });
    const teamAKeep = buildImage({ labels: { team: 'a', keep: 'yes' } });
    const teamB = buildImage({ labels: { team: 'b' } });

    const young = cli(['clean', '--older-than', '1h']);
    expect(young.code).toBe(0);
    expect(young.stdout).toContain('✓ No <none> images to remove');
    expect(young.stdout).toContain('✓ Left 3 other <none> images alone (outside the filters)');
    expect(danglingIds().sort()).toEqual([teamA, teamAKeep, teamB].sort());

    const labelled = cli(['clean', '--label', 'team=a', '--exclude-label', 'keep']);
    expect(labelled.code).toBe(0);
    expect(labelled.stdout).toContain('✓ Left 2 other <none> images alone (outside the filters)');
    expect(imageExists(teamA)).toBe(false);
    expect(danglingIds().sort()).toEqual([teamAKeep, teamB].sort());
  });

  it('colours only when asked to (FORCE_COLOR without a TTY), never with NO_COLOR', () => {
    buildImage();
    expect(cli(['clean', '--dry-run'], { FORCE_COLOR: '1' }).stdout).toContain('\u001b[32m✓\u001b[39m');
    expect(cli(['clean', '--dry-run'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toMatch(/\u001b\[/);
  });
});

describe('exit codes of the built CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dj-cli-exit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('2 for a bad value: one line naming the option, the value and what is allowed; nothing touched', () => {
    const image = buildImage();
    const { code, stdout, stderr } = cli(['clean', '--older-than', 'a while']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'docker-janitor: invalid value "a while" for --older-than: expected a duration such as 90s, 30m, 1h, 7d or 1h30m (see docker-janitor --help)\n',
    );
    expect(imageExists(image)).toBe(true);
  });

  it('3 when the docker CLI is missing, and when the engine is unreachable: one line, no stack trace', () => {
    const missing = cli(['clean', '--docker-path', join(dir, 'docker')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(
      `docker-janitor: The Docker CLI was not found (tried "${join(dir, 'docker')}"). Install Docker, or point docker-janitor at the docker binary (--docker-path, the docker.path option, or DOCKER_JANITOR_DOCKER_PATH).\n`,
    );

    const host = `unix://${join(dir, 'no-engine.sock')}`;
    const unreachable = cli(['clean', '--json'], { DOCKER_HOST: host });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toContain(`docker-janitor: The Docker engine is not reachable at ${host}. Is it running?`);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });

  it('1 when a removal fails unexpectedly: the failure is reported, the images stay', () => {
    // Fault injection at the CLI boundary: a docker wrapper whose prune and image rm fail with
    // an error no rule classifies; every other command goes to the real docker and engine.
    const faulty = join(dir, 'faulty-docker.mjs');
    writeFileSync(
      faulty,
      [
        '#!/usr/bin/env node',
        "import { spawnSync } from 'node:child_process';",
        'const args = process.argv.slice(2);',
        "if (args[0] === 'image' && (args[1] === 'rm' || args[1] === 'prune')) {",
        "  process.stderr.write('Error response from daemon: injected fault: driver failed to remove root filesystem\\n');",
        '  process.exit(1);',
        '}',
        "const result = spawnSync('docker', args, { stdio: 'inherit' });",
        'process.exit(result.status ?? 1);',
        '',
      ].join('\n'),
    );
    chmodSync(faulty, 0o755);
    const images = [buildImage(), buildImage()];

    const human = cli(['clean', '--docker-path', faulty]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('✗ Failed to remove 2 images');
    for (const id of images) expect(human.stdout).toContain(`- ${shortId(id)}  `);
    expect(human.stdout.trimEnd().split('\n').pop()).toBe('⚠ Cleanup incomplete: 2 images could not be removed');

    const json = cli(['clean', '--json', '--docker-path', faulty]);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout) as CleanResult;
    expect(result.failed.map((image) => image.id).sort()).toEqual([...images].sort());
    for (const id of images) expect(imageExists(id)).toBe(true);
  });
});

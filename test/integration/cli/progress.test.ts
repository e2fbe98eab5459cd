/**
 * The progress line of the built CLI on a real terminal (a pseudo-terminal from util-linux
 * `script`), against the private engine: a slow run shows one line redrawn in place on stderr
 * and erases it; CI, NO_COLOR, TERM=dumb and --json show none. The slowness comes from a
 * docker wrapper that waits before each image removal; everything else is the real docker.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildImage, danglingIds, dockerEnv, resetEngine } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';

const BIN = join(REPO_ROOT, 'dist/cli/bin.js');
let dir: string;
let slowDocker: string;

beforeEach(() => {
  if (!existsSync(BIN)) throw new Error('dist/ is not built: run npm run build first');
  resetEngine();
  dir = mkdtempSync(join(tmpdir(), 'dj-progress-'));
  slowDocker = join(dir, 'slow-docker.sh');
  writeFileSync(slowDocker, '#!/bin/sh\nif [ "$1" = image ] && [ "$2" = rm ]; then sleep 1.6; fi\nexec docker "$@"\n');
  chmodSync(slowDocker, 0o755);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Run the CLI with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal got. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv) {
  const base: NodeJS.ProcessEnv = { ...dockerEnv(), TERM: 'xterm-256color' };
  for (const key of ['CI', 'NO_COLOR', 'FORCE_COLOR', 'GITHUB_STEP_SUMMARY']) delete base[key];
  const command = [process.execPath, BIN, ...args].map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(' ');
  const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env: { ...base, ...env }, encoding: 'utf8' });
  return { code: result.status, out: result.stdout };
}

describe('progress on a terminal', () => {
  it('a run over a second: one line on the terminal, redrawn in place and erased before the summary', () => {
    buildImage();
    buildImage();
    buildImage();

    const { code, out } = onTerminal(['clean', '--docker-path', slowDocker], {});

    expect(code).toBe(0);
    // Redrawn in place (carriage return, erase line) only when it changes, then erased, then the summary.
    expect(out).toMatch(/^\r\u001b\[KRemoving images: 0\/3 \(1s\)(\r\u001b\[KRemoving images: [^\r\n]+)*\r\u001b\[K🧹 /);
    expect(out).toMatch(/Removing images: 3\/3, [\d.]+[kMG]?B reclaimed/);
    expect(out).toContain('Cleanup complete');
    expect(out.split('\n').filter((line) => line.includes('Removing images:'))).toHaveLength(1); // one line, never a new one
    expect(danglingIds()).toEqual([]);
  });

  it.each([
    ['CI=true', ['clean', '--docker-path'], { CI: 'true' }],
    ['NO_COLOR=1', ['clean', '--docker-path'], { NO_COLOR: '1' }],
    ['TERM=dumb', ['clean', '--docker-path'], { TERM: 'dumb' }],
    ['--json', ['clean', '--json', '--docker-path'], {}],
  ] as const)('none with %s', (_, args, env) => {
    buildImage();
    const { code, out } = onTerminal([...args, slowDocker], env);
    expect(code).toBe(0);
    expect(out).not.toContain('Removing images:');
    expect(danglingIds()).toEqual([]);
  });
});

/**
 * The tests' own state-directory removal against the race that failed a CI run: a helper the run
 * left keeps writing its log into a session directory while rm walks the tree (ENOTEMPTY).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { helpersUnder, isRunning, removeStateDir } from '../../support/processes.js';
import { waitFor } from '../../e2e/support/fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A stand-in watchdog: a script named like the bundle that re-creates its log under `sessionDir` every millisecond. */
function fakeHelper(sessionDir: string) {
  const bin = mkdtempSync(join(tmpdir(), 'dj-fake-helper-'));
  dirs.push(bin);
  mkdirSync(join(bin, 'watchdog'));
  const script = join(bin, 'watchdog', 'main.cjs');
  writeFileSync(
    script,
    `const fs = require('node:fs');
const dir = process.argv[process.argv.indexOf('--session-dir') + 1];
setInterval(() => { try { fs.mkdirSync(dir, { recursive: true }); fs.appendFileSync(dir + '/watchdog.log', 'x\\n'); } catch {} }, 1);
`,
  );
  return spawn(process.execPath, [script, '--session-dir', sessionDir], { stdio: 'ignore' });
}

it('kills the helpers working under the directory, then removes it whole; a helper elsewhere is left alone', async () => {
  const state = mkdtempSync(join(tmpdir(), 'dj-state-'));
  const other = mkdtempSync(join(tmpdir(), 'dj-state-other-'));
  dirs.push(state, other);
  const inside = fakeHelper(join(state, 'sessions', 'abc'));
  const elsewhere = fakeHelper(join(other, 'sessions', 'def'));
  try {
    expect(await waitFor(() => existsSync(join(state, 'sessions', 'abc', 'watchdog.log')), 10_000, 10)).toBe(true);
    expect(helpersUnder(state)).toEqual([inside.pid]);

    removeStateDir(state);

    expect(existsSync(state)).toBe(false);
    expect(await waitFor(() => !isRunning(inside.pid ?? 0), 5_000, 10)).toBe(true);
    expect(isRunning(elsewhere.pid ?? 0)).toBe(true);
  } finally {
    inside.kill('SIGKILL');
    elsewhere.kill('SIGKILL');
  }
});

it('a directory that is not there: nothing to do', () => {
  expect(() => removeStateDir(join(tmpdir(), 'dj-state-never-made'))).not.toThrow();
});

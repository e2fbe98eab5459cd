/** Removing a session directory while the watchdog writes its log into it. */
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const state = vi.hoisted(() => ({ failures: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    // The watchdog's log appearing between the removal of the children and the last rmdir.
    rmSync: (path: string, options?: import('node:fs').RmOptions) => {
      if (state.failures > 0) {
        state.failures--;
        fs.rmSync(path, options);
        fs.mkdirSync(path);
        fs.writeFileSync(join(path, 'watchdog.log'), 'late\n');
        throw Object.assign(new Error(`ENOTEMPTY: directory not empty, rmdir '${path}'`), { code: 'ENOTEMPTY' });
      }
      fs.rmSync(path, options);
    },
  };
});

const { removeSessionDir } = await import('../../../src/session/store.js');

const dirs: string[] = [];
afterEach(() => {
  state.failures = 0;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('removeSessionDir', () => {
  it('a file written into the directory while it goes: removed again, from the top', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dj-store-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'record.json'), '{}');
    state.failures = 2;
    removeSessionDir(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it('gives up after a few attempts (something keeps writing): the error goes up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dj-store-'));
    dirs.push(dir);
    state.failures = 10;
    expect(() => removeSessionDir(dir)).toThrow(/ENOTEMPTY/);
  });
});

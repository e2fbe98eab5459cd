/**
 * The state directories and the session files in them: refused under a directory another user
 * could replace, and never written through a symlink, a FIFO or a hard link planted at a name.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir } from '../../../src/private/dir.js';
import {
  appendTracked,
  listSessionDirs,
  markClosed,
  markIncomplete,
  markKept,
  markUnreachable,
  prepareStateRoot,
  STATE_DIR_ADVICE,
  writeImagesBefore,
} from '../../../src/session/store.js';
import { track } from '../../../src/session/tracking.cjs';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'dj-private-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('prepareStateRoot under a directory others can write', () => {
  it('refuses in one line naming the directory and what to do, and creates nothing there', () => {
    const open = join(work, 'shared-cache');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const root = join(open, 'dj');
    const check = prepareStateRoot(root);
    expect(check).toEqual({
      ok: false,
      reason: `above it, ${open} is writable by group and others without the sticky bit (mode 777), so another user could put a directory of theirs in its place; ${STATE_DIR_ADVICE}`,
    });
    expect(STATE_DIR_ADVICE).toMatch(/DOCKER_JANITOR_STATE_DIR.*XDG_STATE_HOME/);
    expect(existsSync(root)).toBe(false);
    mkdirSync(join(root, 'sessions'), { recursive: true, mode: 0o700 });
    expect(listSessionDirs(root)).toEqual({ dirs: [], refused: expect.stringContaining(`above it, ${open} is writable`) });
  });

  it('a missing ancestor made by someone else between the check and the mkdir is judged after it (the race is refused)', () => {
    // The window: checkAncestors found `racy` missing; before the mkdir, another user makes it
    // (allowed in a sticky shared directory), writable by all; mkdir -p then uses it as it is.
    const racy = join(work, 'racy');
    const root = join(racy, 'dj');
    const check = prepareStateRoot(root, (dir) => {
      if (!existsSync(racy)) {
        mkdirSync(racy);
        chmodSync(racy, 0o777);
      }
      return ensurePrivateDir(dir);
    });
    expect(check).toEqual({
      ok: false,
      reason: `above it, ${racy} is writable by group and others without the sticky bit (mode 777), so another user could put a directory of theirs in its place; ${STATE_DIR_ADVICE}`,
    });
  });

  it('a root another user could not replace is made 0700 and read', () => {
    const root = join(work, 'ok', 'dj');
    expect(prepareStateRoot(root)).toEqual({ ok: true });
    expect(statSync(join(root, 'sessions')).mode & 0o777).toBe(0o700);
    expect(listSessionDirs(root)).toEqual({ dirs: [] });
  });
});

describe('the session files, each with a symlink planted at its name', () => {
  it('markers, tracked IDs and the image list are never written through it', () => {
    const dir = join(work, 'session');
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(work, 'precious');
    writeFileSync(victim, 'precious\n');
    for (const name of ['closed', 'kept', 'incomplete', 'last-unreachable', 'images-before.txt', 'tracked.jsonl']) symlinkSync(victim, join(dir, name));
    markClosed(dir);
    markKept(dir);
    markIncomplete(dir);
    markUnreachable(dir, Date.now());
    expect(() => writeImagesBefore(dir, ['sha256:aa'])).toThrow(/ELOOP/);
    expect(() => appendTracked(dir, [{ id: 'abc' }])).toThrow(/ELOOP/);
    const saved = { ...process.env };
    try {
      process.env.DOCKER_JANITOR_SESSION = 'mwwv0000-deadbeef';
      process.env.DOCKER_JANITOR_SESSION_DIR = dir;
      expect(() => track('abc')).toThrow(/ELOOP/);
    } finally {
      process.env = saved;
    }
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});

describe('tracked.jsonl with a FIFO or a hard link planted at its name', () => {
  /** `track()` (CommonJS, in the test files) and `appendTracked` (the watchdog): the same guard. */
  const writers = {
    track: (dir: string) => {
      const saved = { ...process.env };
      try {
        process.env.DOCKER_JANITOR_SESSION = 'mwwv0000-deadbeef';
        process.env.DOCKER_JANITOR_SESSION_DIR = dir;
        track('abc');
      } finally {
        process.env = saved;
      }
    },
    appendTracked: (dir: string) => appendTracked(dir, [{ id: 'abc' }]),
  };
  const plants = {
    'a FIFO: fails at once instead of waiting for a reader': [(file: string) => execFileSync('mkfifo', [file]), /ENXIO/],
    'a hard link to a file of yours: refused, the file untouched': [(file: string) => linkSync(join(work, 'precious'), file), /not a regular file of yours with one link/],
  } as const;

  for (const [writer, write] of Object.entries(writers)) {
    for (const [plant, [place, error]] of Object.entries(plants)) {
      it(`${writer}: ${plant}`, () => {
        const dir = join(work, 'session');
        mkdirSync(dir, { mode: 0o700 });
        writeFileSync(join(work, 'precious'), 'precious\n');
        place(join(dir, 'tracked.jsonl'));
        expect(() => write(dir)).toThrow(error);
        expect(readFileSync(join(work, 'precious'), 'utf8')).toBe('precious\n');
      });
    }
  }
});

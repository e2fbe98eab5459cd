/** Writes into a private directory: never through a symlink, a FIFO or a hard link planted at the name. */
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePrivateFile } from '../../../src/private/file.cjs';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'dj-private-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('writePrivateFile', () => {
  let victim: string;
  beforeEach(() => {
    victim = join(work, 'precious');
    writeFileSync(victim, 'precious\n', { mode: 0o600 });
  });

  it.each(['new', 'replace', 'append'] as const)('%s: never through a symlink at the name; the file it points to is untouched', (how) => {
    const name = join(work, 'closed');
    symlinkSync(victim, name);
    expect(() => writePrivateFile(name, 'x\n', how)).toThrow(how === 'new' ? /EEXIST/ : /ELOOP/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(name).isSymbolicLink()).toBe(true);
  });

  it('never into a second link of a file (a hard link), and never truncated before that check', () => {
    const name = join(work, 'incomplete');
    linkSync(victim, name);
    expect(() => writePrivateFile(name, 'x\n', 'replace')).toThrow(/not a regular file of yours with one link/);
    expect(() => writePrivateFile(name, 'x\n', 'append')).toThrow(/one link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('a FIFO at the name fails at once instead of waiting for a reader', () => {
    const name = join(work, 'kept');
    execFileSync('mkfifo', [name]);
    expect(() => writePrivateFile(name, 'x\n', 'replace')).toThrow(/ENXIO/);
  });

  it('new creates 0600 and refuses anything there; replace overwrites; append appends', () => {
    const name = join(work, 'file');
    writePrivateFile(name, 'one\n', 'new');
    expect(statSync(name).mode & 0o777).toBe(0o600);
    expect(() => writePrivateFile(name, 'two\n', 'new')).toThrow(/EEXIST/);
    writePrivateFile(name, 'three\n', 'append');
    expect(readFileSync(name, 'utf8')).toBe('one\nthree\n');
    writePrivateFile(name, 'four\n', 'replace');
    expect(readFileSync(name, 'utf8')).toBe('four\n');
  });
});

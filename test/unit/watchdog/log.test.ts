/** The watchdog's logs: appended to, and started again past their size cap (a refused record adds a line per run for ever). */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { appendLog } from '../../../src/watchdog/log.js';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'dj-log-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const at = new Date('2026-11-30T08:00:00.000Z');

it('appends timestamped lines', () => {
  const file = join(work, 'background-sweep.log');
  appendLog(file, 'one', at);
  appendLog(file, 'two', at);
  expect(readFileSync(file, 'utf8')).toBe('2026-11-30T08:00:00.000Z one\n2026-11-30T08:00:00.000Z two\n');
});

it('starts again, saying so, once a line would take it over the cap', () => {
  const file = join(work, 'background-sweep.log');
  for (let run = 0; run < 100; run++) appendLog(file, `run ${run}: ignored 1 session record`, at, 1000);
  const text = readFileSync(file, 'utf8');
  expect(text.length).toBeLessThanOrEqual(1000 + 100);
  expect(text).toContain('(log started again: it was over 1000 bytes)');
  expect(text).toContain('run 99: ignored 1 session record');
});

it('never writes through a symlink planted at its name, and never throws', () => {
  const victim = join(work, 'precious');
  writeFileSync(victim, 'precious\n');
  const file = join(work, 'watchdog.log');
  symlinkSync(victim, file);
  expect(() => appendLog(file, 'x', at, 10)).not.toThrow();
  expect(() => appendLog(file, 'x', at)).not.toThrow();
  expect(readFileSync(victim, 'utf8')).toBe('precious\n');
});

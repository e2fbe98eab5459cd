import { describe, expect, it } from 'vitest';
import { progressEnabled, renderProgressLine } from '../../../src/render/progress.js';

describe('progressEnabled', () => {
  const tty = { isTTY: true, env: { TERM: 'xterm-256color' }, json: false };
  it.each([
    ['a terminal', tty, true],
    ['no TTY', { ...tty, isTTY: false }, false],
    ['--json', { ...tty, json: true }, false],
    ['CI=true', { ...tty, env: { CI: 'true' } }, false],
    ['CI=1', { ...tty, env: { CI: '1' } }, false],
    ['CI=false', { ...tty, env: { CI: 'false' } }, true],
    ['CI empty', { ...tty, env: { CI: '' } }, true],
    ['NO_COLOR=1', { ...tty, env: { NO_COLOR: '1' } }, false],
    ['NO_COLOR empty', { ...tty, env: { NO_COLOR: '' } }, true],
    ['TERM=dumb', { ...tty, env: { TERM: 'dumb' } }, false],
  ])('%s → %s', (_, input, expected) => {
    expect(progressEnabled(input)).toBe(expected);
  });
});

describe('renderProgressLine', () => {
  it('count of total and bytes, or a count alone', () => {
    expect(renderProgressLine('Removing images', { done: 120, total: 300, bytes: 1_234_000_000 }, 3400)).toBe('Removing images: 120/300, 1.234GB reclaimed (3s)');
    expect(renderProgressLine('Removing', { done: 1 }, 999)).toBe('Removing: 1 object (0s)');
    expect(renderProgressLine('Removing', { done: 7, bytes: 0 }, 12_000)).toBe('Removing: 7 objects (12s)');
  });
});

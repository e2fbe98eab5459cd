import { describe, expect, it } from 'vitest';
import { colorEnabled, createColors } from '../../../src/render/colors.js';

describe('colorEnabled', () => {
  it('is on for a terminal', () => {
    expect(colorEnabled({ env: {}, isTTY: true })).toBe(true);
  });

  it('is off without a terminal', () => {
    expect(colorEnabled({ env: {}, isTTY: false })).toBe(false);
  });

  it('is off with NO_COLOR, even on a terminal and with FORCE_COLOR', () => {
    expect(colorEnabled({ env: { NO_COLOR: '1' }, isTTY: true })).toBe(false);
    expect(colorEnabled({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: true })).toBe(false);
  });

  it('ignores an empty NO_COLOR', () => {
    expect(colorEnabled({ env: { NO_COLOR: '' }, isTTY: true })).toBe(true);
  });

  it('is on with FORCE_COLOR without a terminal, off with FORCE_COLOR=0 even on one', () => {
    expect(colorEnabled({ env: { FORCE_COLOR: '1' }, isTTY: false })).toBe(true);
    expect(colorEnabled({ env: { FORCE_COLOR: '' }, isTTY: false })).toBe(true);
    expect(colorEnabled({ env: { FORCE_COLOR: '0' }, isTTY: true })).toBe(false);
  });

  it('is off on a dumb terminal', () => {
    expect(colorEnabled({ env: { TERM: 'dumb' }, isTTY: true })).toBe(false);
  });
});

describe('createColors', () => {
  it('colours only when asked to', () => {
    expect(createColors({ color: false }).green('x')).toBe('x');
    expect(createColors({ color: true }).green('x')).toBe('\u001b[32mx\u001b[39m');
    const plain = createColors({ color: false });
    expect([plain.bold(1), plain.dim(null), plain.red('r'), plain.yellow(undefined)]).toEqual(['1', 'null', 'r', 'undefined']);
  });
});

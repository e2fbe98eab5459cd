import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/options/duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['1h', 3600],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['1h30m', 5400],
    ['1d2h3m4s', 93_784],
    ['0s', 0],
    ['0', 0],
    ['120', 120],
    ['007', 7],
    [' 1h ', 3600],
    [0, 0],
    [42, 42],
  ] as const)('%j is %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each([
    '',
    ' ',
    'h',
    '1.5h',
    '1H',
    '1h 30m',
    '-1h',
    '1y',
    '1ms',
    '1e3',
    '1h30',
    'soon',
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])('%j is not a duration', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it('adds up repeated and unordered units', () => {
    expect(parseDuration('30m1h')).toBe(5400);
    expect(parseDuration('1h1h')).toBe(7200);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1s'],
    [90, '1m30s'],
    [3600, '1h'],
    [5400, '1h30m'],
    [86_401, '1d1s'],
    [604_800, '7d'],
  ])('%d seconds is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const seconds of [0, 1, 59, 61, 3599, 3601, 86_399, 90_061, 1_000_000]) {
      expect(parseDuration(formatDuration(seconds))).toBe(seconds);
    }
  });
});

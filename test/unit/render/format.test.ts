import { describe, expect, it } from 'vitest';
import { formatBytes, noun, shortId } from '../../../src/render/format.js';

describe('noun', () => {
  it('uses the singular only for exactly one', () => {
    expect(noun(0, 'image', 'images')).toBe('0 images');
    expect(noun(1, 'image', 'images')).toBe('1 image');
    expect(noun(2, '<none> image', '<none> images')).toBe('2 <none> images');
  });
});

describe('formatBytes', () => {
  it('prints decimal units with up to 4 significant digits, like Docker', () => {
    expect(formatBytes(0)).toBe('0B');
    expect(formatBytes(6)).toBe('6B');
    expect(formatBytes(999)).toBe('999B');
    expect(formatBytes(1000)).toBe('1kB');
    expect(formatBytes(1234)).toBe('1.234kB');
    expect(formatBytes(40_500_000)).toBe('40.5MB');
    expect(formatBytes(35_210_000)).toBe('35.21MB');
    expect(formatBytes(1_500_000_000)).toBe('1.5GB');
    expect(formatBytes(2e15)).toBe('2PB');
  });

  it('carries a value that rounds up to 1000 into the next unit', () => {
    expect(formatBytes(999_990)).toBe('1MB');
  });

  it('treats negative and non-finite sizes as zero', () => {
    expect(formatBytes(-5)).toBe('0B');
    expect(formatBytes(Number.NaN)).toBe('0B');
  });
});

describe('shortId', () => {
  it('drops sha256: and keeps 12 hex digits', () => {
    expect(shortId('sha256:2aba318ec17d9f3c6cbe2c0ae0ad1a8b5fa2d68e1cc2fd2b4ed5e9b8c3e3a7f1')).toBe('2aba318ec17d');
    expect(shortId('9a38c082494b77d8e1c1d2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3')).toBe('9a38c082494b');
    expect(shortId('9a38c082494b')).toBe('9a38c082494b');
  });
});

/** The claim between the watchdog (serve) and teardown (close): exactly one wins, each knows. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { claimPath, claimSocket } from '../../../src/socket/claim.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dj-claim-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('the first claimant wins; the other loses; asking again gives the same answer', () => {
  const socket = join(dir, 'docker.sock');
  expect(claimSocket(socket, 'serve')).toBe('won');
  expect(claimSocket(socket, 'close')).toBe('lost');
  expect(claimSocket(socket, 'serve')).toBe('won');
  expect(readFileSync(claimPath(socket), 'utf8')).toBe('serve');
  expect(statSync(claimPath(socket)).mode & 0o777).toBe(0o600);
});

it('teardown first: the watchdog loses and never serves', () => {
  const socket = join(dir, 'docker.sock');
  expect(claimSocket(socket, 'close')).toBe('won');
  expect(claimSocket(socket, 'serve')).toBe('lost');
  expect(claimSocket(socket, 'close')).toBe('won');
});

it('a directory that is gone: failed (each side takes it as lost)', () => {
  expect(claimSocket(join(dir, 'gone', 'docker.sock'), 'serve')).toBe('failed');
});

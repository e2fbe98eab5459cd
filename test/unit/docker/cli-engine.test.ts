/**
 * The CLI engine's mapping of one batched `docker image rm` back to its operands, over the
 * texts docker prints (shapes from a real Engine 20.10 / CLI 28, see docker-facts).
 */
import { describe, expect, it } from 'vitest';
import { imageRmOutcomes } from '../../../src/docker/cli-engine.js';

const id = (digit: string) => `sha256:${digit.repeat(64)}`;
const short = (digit: string) => digit.repeat(12);

describe('imageRmOutcomes: a batch of IDs', () => {
  it('successes by their Deleted: line, failures by the 12-hex prefix or the echoed argument', () => {
    const operands = [id('a'), id('b'), id('c'), id('d'), id('e'), id('f')];
    const stdout = [`Untagged: one:1`, `Deleted: ${id('a')}`, `Deleted: ${id('9')}`, `Deleted: ${id('d')}`].join('\n');
    const stderr = [
      `Error response from daemon: conflict: unable to delete ${short('b')} (cannot be forced) - image is being used by running container ${short('7')}`,
      `Error response from daemon: conflict: unable to delete ${short('c')} (must be forced) - image is being used by stopped container ${short('8')}`,
      `Error response from daemon: conflict: unable to delete ${short('e')} (must be forced) - image is referenced in multiple repositories`,
      `Error response from daemon: No such image: ${id('f')}`,
    ].join('\n');
    expect(imageRmOutcomes(operands, { stdout, stderr, exitCode: 1 })).toEqual([
      { kind: 'removed', deleted: [id('a'), id('9')], untagged: ['one:1'] },
      { kind: 'conflict', reason: 'in-use-running', containers: [short('7')], message: expect.stringContaining('running container') },
      { kind: 'conflict', reason: 'in-use-stopped', containers: [short('8')], message: expect.stringContaining('stopped container') },
      { kind: 'removed', deleted: [id('d')], untagged: [] },
      { kind: 'conflict', reason: 'multiple-repositories', containers: [], message: expect.any(String) },
      { kind: 'gone', message: `No such image: ${id('f')}` },
    ]);
  });

  it('a parent listed before its child: its conflict, then deleted with the child: removed, segments kept apart', () => {
    const operands = [id('1'), id('2'), id('3')];
    // 1 is the parent of 2: refused first (children), then deleted as 2's untagged parent; 3 is dangling.
    const stdout = [`Deleted: ${id('2')}`, `Deleted: ${id('1')}`, `Deleted: ${id('3')}`].join('\n');
    const stderr = `Error response from daemon: conflict: unable to delete ${short('1')} (cannot be forced) - image has dependent child images\n`;
    expect(imageRmOutcomes(operands, { stdout, stderr, exitCode: 1 })).toEqual([
      { kind: 'removed', deleted: [id('2'), id('1')], untagged: [] },
      { kind: 'removed', deleted: [id('2'), id('1')], untagged: [] },
      { kind: 'removed', deleted: [id('3')], untagged: [] },
    ]);
  });

  it('an operand without a line of its own is failed with the first error line, never removed', () => {
    expect(imageRmOutcomes([id('a')], { stdout: '', stderr: 'Error: something odd\n', exitCode: 1 })).toEqual([
      { kind: 'failed', message: 'Error: something odd' },
    ]);
  });
});

describe('imageRmOutcomes: a batch of references', () => {
  it('untag only, untag and delete, conflict by reference', () => {
    const operands = ['tmp/a:1', 'tmp/b:1', 'tmp/c:1'];
    const stdout = ['Untagged: tmp/a:1', 'Untagged: tmp/b:1', `Deleted: ${id('b')}`, `Deleted: ${id('5')}`].join('\n');
    const stderr = `Error response from daemon: conflict: unable to remove repository reference "tmp/c:1" (must force) - container ${short('7')} is using its referenced image ${short('c')}\n`;
    expect(imageRmOutcomes(operands, { stdout, stderr, exitCode: 1 })).toEqual([
      { kind: 'untagged', untagged: ['tmp/a:1'] },
      { kind: 'removed', deleted: [id('b'), id('5')], untagged: ['tmp/b:1'] },
      { kind: 'conflict', reason: 'in-use', containers: [short('7')], message: expect.stringContaining('tmp/c:1') },
    ]);
  });

  it('docker.io/library/ names are matched as docker prints them', () => {
    expect(imageRmOutcomes(['docker.io/library/x:1'], { stdout: `Untagged: x:1\nDeleted: ${id('a')}\n`, stderr: '', exitCode: 0 })).toEqual([
      { kind: 'removed', deleted: [id('a')], untagged: ['x:1'] },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { mapBatchAnswer, outcomeOf } from '../../../src/cleaner/outcomes.js';
import { classifyRemoveFailure } from '../../../src/docker/classify.js';
import { documented, idOf, recorded, short, type Recording } from '../fixtures/corpus.js';

/** The IDs a recording passed to `docker image rm`, in argument order. */
function argumentIds(rec: Recording): string[] {
  return rec.args.filter((arg) => arg.startsWith('sha256:'));
}

const hex = (char: string) => `sha256:${char.repeat(64)}`;

describe('mapBatchAnswer over the recorded mixed batch', () => {
  const rec = recorded('image-rm-batch-mixed');
  const ids = argumentIds(rec);
  const answer = mapBatchAnswer(ids, rec);

  it('passes exactly the IDs of the case, each resolved', () => {
    expect(ids).toHaveLength(10);
    expect(answer.unresolved).toEqual([]);
    expect([...answer.outcomes.keys()].sort()).toEqual([...ids].sort());
  });

  it('removable: removed', () => {
    expect(answer.outcomes.get(idOf(rec, 'removable'))).toEqual({ kind: 'removed' });
  });

  it('used by a running (or paused) container: skipped, the container named', () => {
    expect(answer.outcomes.get(idOf(rec, 'usedRunning'))).toEqual({
      kind: 'skipped',
      reason: 'in-use-running',
      containers: [{ id: short(idOf(rec, 'running')) }],
      message: expect.stringContaining('image is being used by running container'),
    });
    expect(answer.outcomes.get(idOf(rec, 'usedPaused'))).toMatchObject({
      kind: 'skipped',
      reason: 'in-use-running',
      containers: [{ id: short(idOf(rec, 'paused')) }],
    });
  });

  it('used by a stopped or created container: skipped in-use-stopped', () => {
    expect(answer.outcomes.get(idOf(rec, 'usedStopped'))).toMatchObject({
      kind: 'skipped',
      reason: 'in-use-stopped',
      containers: [{ id: short(idOf(rec, 'exited')) }],
    });
    expect(answer.outcomes.get(idOf(rec, 'usedCreated'))).toMatchObject({
      kind: 'skipped',
      reason: 'in-use-stopped',
      containers: [{ id: short(idOf(rec, 'created')) }],
    });
  });

  it('has dependent child images, multi-repository, gone: skipped with that reason and no container', () => {
    expect(answer.outcomes.get(idOf(rec, 'hasChildren'))).toMatchObject({ kind: 'skipped', reason: 'has-children', containers: [] });
    expect(answer.outcomes.get(idOf(rec, 'multi'))).toMatchObject({ kind: 'skipped', reason: 'multiple-repositories', containers: [] });
    expect(answer.outcomes.get(idOf(rec, 'gone'))).toMatchObject({ kind: 'skipped', reason: 'gone', containers: [] });
  });

  it('a parent listed before its child is removed (with the child), despite its conflict line', () => {
    expect(rec.stderr).toContain(`unable to delete ${short(idOf(rec, 'parentBeforeChild'))} (cannot be forced) - image has dependent child images`);
    expect(answer.outcomes.get(idOf(rec, 'parentBeforeChild'))).toEqual({ kind: 'removed' });
    expect(answer.outcomes.get(idOf(rec, 'childAfterParent'))).toEqual({ kind: 'removed' });
  });

  it('nothing is failed: every answer was an expected state', () => {
    expect([...answer.outcomes.values()].filter((outcome) => outcome.kind === 'failed')).toEqual([]);
  });

  it('gives the same outcomes whatever order the IDs are passed in', () => {
    const reversed = mapBatchAnswer([...ids].reverse(), rec);
    expect(new Map([...reversed.outcomes].sort())).toEqual(new Map([...answer.outcomes].sort()));
  });
});

describe('mapBatchAnswer over the other recorded answers', () => {
  it('children first: both removed, the parent "No such image" line notwithstanding', () => {
    const rec = recorded('image-rm-batch-children-first');
    expect(rec.stderr).toContain(`No such image: ${idOf(rec, 'parent')}`);
    const answer = mapBatchAnswer(argumentIds(rec), rec);
    expect(answer.unresolved).toEqual([]);
    expect(answer.outcomes.get(idOf(rec, 'child'))).toEqual({ kind: 'removed' });
    expect(answer.outcomes.get(idOf(rec, 'parent'))).toEqual({ kind: 'removed' });
  });

  it('one removable image, exit 0: removed', () => {
    const rec = recorded('image-rm-one-removable');
    expect(rec.exitCode).toBe(0);
    const answer = mapBatchAnswer([idOf(rec, 'removable2')], rec);
    expect(answer).toEqual({ outcomes: new Map([[idOf(rec, 'removable2'), { kind: 'removed' }]]), unresolved: [] });
  });

  it('only the asked IDs get outcomes: auto-removed layers in `Deleted:` lines are not reported', () => {
    const rec = recorded('image-rm-one-removable');
    expect(rec.stdout.split('\n').filter((line) => line.startsWith('Deleted:')).length).toBeGreaterThan(1);
    expect(mapBatchAnswer([idOf(rec, 'removable2')], rec).outcomes.size).toBe(1);
  });
});

describe('mapBatchAnswer on answers it cannot map', () => {
  it('an unknown line leaves its ID unresolved (to be asked again alone)', () => {
    const answer = mapBatchAnswer([hex('a'), hex('b')], {
      stdout: `Deleted: ${hex('a')}\n`,
      stderr: 'Error response from daemon: the disk caught fire\n',
      exitCode: 1,
    });
    expect(answer.outcomes).toEqual(new Map([[hex('a'), { kind: 'removed' }]]));
    expect(answer.unresolved).toEqual([hex('b')]);
  });

  it('an ID the answer does not mention at all stays unresolved, even with exit 0', () => {
    expect(mapBatchAnswer([hex('c')], { stdout: '', stderr: '', exitCode: 0 }).unresolved).toEqual([hex('c')]);
  });

  it('an unknown conflict that names the image prefix is failed, with the daemon message', () => {
    const line = `conflict: unable to delete ${'d'.repeat(12)} (cannot be forced) - a reason from the future`;
    const answer = mapBatchAnswer([hex('d')], { stdout: '', stderr: `Error response from daemon: ${line}\n`, exitCode: 1 });
    expect(answer.outcomes.get(hex('d'))).toEqual({ kind: 'failed', message: line });
  });

  it('a prefix shared by two of the IDs is ambiguous: both unresolved', () => {
    const first = `sha256:${'e'.repeat(12)}${'1'.repeat(52)}`;
    const second = `sha256:${'e'.repeat(12)}${'2'.repeat(52)}`;
    const stderr = `Error response from daemon: conflict: unable to delete ${'e'.repeat(12)} (must be forced) - image is being used by stopped container ${'f'.repeat(12)}\n`;
    const answer = mapBatchAnswer([first, second], { stdout: '', stderr, exitCode: 1 });
    expect(answer.outcomes.size).toBe(0);
    expect(answer.unresolved).toEqual([first, second]);
  });

  it("a not-found line echoing a prefix of an ID maps to it", () => {
    const answer = mapBatchAnswer([hex('a'), hex('b')], {
      stdout: '',
      stderr: `Error response from daemon: No such image: sha256:${'b'.repeat(20)}\nError response from daemon: No such image: ${hex('a')}\n`,
      exitCode: 1,
    });
    expect(answer.outcomes.get(hex('b'))).toMatchObject({ kind: 'skipped', reason: 'gone' });
    expect(answer.outcomes.get(hex('a'))).toMatchObject({ kind: 'skipped', reason: 'gone' });
  });

  it("Podman's lines name no image: their IDs stay unresolved", () => {
    const podman = documented().filter((message) => message.engine === 'podman');
    for (const message of podman) {
      const answer = mapBatchAnswer([hex('a')], { stdout: '', stderr: message.stderr, exitCode: message.exitCode });
      expect(answer.unresolved, message.case).toEqual([hex('a')]);
    }
  });

  it('containerd-store lines by ID map back like Engine 20.10 ones', () => {
    const running = documented().find((message) => message.engine === 'docker-containerd-store' && message.case === 'in-use-running');
    const id = `sha256:2aba318ec17d${'0'.repeat(52)}`;
    const answer = mapBatchAnswer([id, hex('b')], { stdout: '', stderr: running?.stderr ?? '', exitCode: 1 });
    expect(answer.outcomes.get(id)).toMatchObject({ kind: 'skipped', reason: 'in-use-running', containers: [{ id: '9a38c082494b' }] });
    expect(answer.unresolved).toEqual([hex('b')]);
  });
});

describe('outcomeOf', () => {
  it('turns every known reason into a skip and "other" into a failure', () => {
    expect(outcomeOf(classifyRemoveFailure('No such image: sha256:abc'))).toEqual({
      kind: 'skipped',
      reason: 'gone',
      containers: [],
      message: 'No such image: sha256:abc',
    });
    expect(outcomeOf(classifyRemoveFailure('image is in use by a container'))).toMatchObject({ kind: 'skipped', reason: 'in-use', containers: [] });
    expect(outcomeOf({ reason: 'other', message: 'boom' })).toEqual({ kind: 'failed', message: 'boom' });
  });
});

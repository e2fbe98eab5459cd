import { describe, expect, it } from 'vitest';
import { classifyRemoveFailure, isPruneAlreadyRunning, type ClassifiedFailure } from '../../../src/docker/classify.js';
import { parseErrorLines } from '../../../src/docker/parse.js';
import { documented, idOf, recorded, short } from '../fixtures/corpus.js';

/** The classification of the one error line of a recording. */
function single(name: string): ClassifiedFailure {
  const lines = parseErrorLines(recorded(name).stderr);
  expect(lines).toHaveLength(1);
  return classifyRemoveFailure(lines[0] ?? '');
}

describe('classifyRemoveFailure over the recorded batch (Engine 20.10)', () => {
  const rec = recorded('image-rm-batch-mixed');
  const failures = parseErrorLines(rec.stderr).map(classifyRemoveFailure);
  const byImage = (name: string) => failures.find((failure) => failure.imagePrefix === short(idOf(rec, name)));

  it('answers one line per failed argument, all recognised', () => {
    expect(rec.exitCode).toBe(1);
    expect(failures).toHaveLength(8);
    expect(failures.filter((failure) => failure.reason === 'other')).toEqual([]);
  });

  it('in use by a running container: the container and image prefixes', () => {
    expect(byImage('usedRunning')).toEqual({
      reason: 'in-use-running',
      container: short(idOf(rec, 'running')),
      imagePrefix: short(idOf(rec, 'usedRunning')),
      message: expect.stringContaining('(cannot be forced) - image is being used by running container'),
    });
  });

  it('a paused container counts as running', () => {
    expect(byImage('usedPaused')).toMatchObject({ reason: 'in-use-running', container: short(idOf(rec, 'paused')) });
  });

  it('in use by an exited container and by a created-never-started one: both "stopped"', () => {
    expect(byImage('usedStopped')).toMatchObject({ reason: 'in-use-stopped', container: short(idOf(rec, 'exited')) });
    expect(byImage('usedCreated')).toMatchObject({ reason: 'in-use-stopped', container: short(idOf(rec, 'created')) });
    expect(byImage('usedStopped')?.message).toContain('(must be forced)');
  });

  it('has dependent child images: no container', () => {
    const failure = byImage('hasChildren');
    expect(failure).toMatchObject({ reason: 'has-children', imagePrefix: short(idOf(rec, 'hasChildren')) });
    expect(failure?.container).toBeUndefined();
    expect(failure?.reference).toBeUndefined();
  });

  it('a parent listed before its child is answered "dependent child images" too', () => {
    expect(byImage('parentBeforeChild')).toMatchObject({ reason: 'has-children' });
  });

  it('referenced in multiple repositories (removed by ID)', () => {
    expect(byImage('multi')).toMatchObject({ reason: 'multiple-repositories', imagePrefix: short(idOf(rec, 'multi')) });
  });

  it('gone: the reference is the argument echoed, in full', () => {
    const gone = failures.find((failure) => failure.reason === 'gone');
    expect(gone).toEqual({ reason: 'gone', reference: idOf(rec, 'gone'), message: `No such image: ${idOf(rec, 'gone')}` });
  });
});

describe('classifyRemoveFailure over the other recorded answers', () => {
  it('children first: the parent already removed with its child is "gone"', () => {
    const rec = recorded('image-rm-batch-children-first');
    expect(single('image-rm-batch-children-first')).toMatchObject({ reason: 'gone', reference: idOf(rec, 'parent') });
  });

  it('by tag while a running container uses it: in use, the container named', () => {
    const rec = recorded('image-rm-by-tag-in-use');
    const failure = single('image-rm-by-tag-in-use');
    expect(failure).toMatchObject({ reason: 'in-use', container: short(idOf(rec, 'container')) });
    expect(failure.message).toMatch(/^conflict: unable to remove repository reference "dj-rec\/used:v1" \(must force\)/);
    expect(failure.message).toContain(short(idOf(rec, 'usedTagged')));
  });

  it('by tag while a created container uses it: the same wording', () => {
    const rec = recorded('image-rm-by-tag-stopped');
    expect(single('image-rm-by-tag-stopped')).toMatchObject({ reason: 'in-use', container: short(idOf(rec, 'container')) });
  });

  it('an unknown short name: gone, with `:latest` appended by the daemon', () => {
    expect(single('image-rm-unknown-name')).toMatchObject({ reason: 'gone', reference: 'dj-rec/nosuch:latest' });
  });

  it("the CLI's doubled not-found line (image inspect): gone, the reference without the trailing colon", () => {
    const rec = recorded('image-inspect-partly-missing');
    expect(single('image-inspect-partly-missing')).toMatchObject({ reason: 'gone', reference: idOf(rec, 'gone') });
  });
});

describe('classifyRemoveFailure over the documented containerd-store and Podman wordings', () => {
  const messages = documented();
  const expected: Record<string, Partial<ClassifiedFailure>> = {
    'docker-containerd-store/in-use-running': { reason: 'in-use-running', container: '9a38c082494b', imagePrefix: '2aba318ec17d' },
    'docker-containerd-store/in-use-stopped': { reason: 'in-use-stopped', container: '9412fd669243', imagePrefix: '64ddfec8b9eb' },
    'docker-containerd-store/multiple-repositories': { reason: 'multiple-repositories', imagePrefix: '153be14e22d5' },
    'docker-containerd-store/gone': { reason: 'gone', reference: 'sha256:153be14e22d5a5c6dd3b0b6a4b3e1e6b0e2f9f0f4f1a8d3c2b1a09f8e7d6c5b4' },
    'docker-containerd-store/by-tag-in-use': { reason: 'in-use', container: '9a38c082494b' },
    'podman/in-use': { reason: 'in-use', container: '2061ddb499b6e0d856cfd1d2dee2b0a365f577256ff76d6e29615f1701ddb420' },
    'podman/gone': { reason: 'gone' },
  };

  it('has an expectation for every documented single-line message', () => {
    const singles = messages.filter((message) => !message.stderr.includes('\n')).map((message) => `${message.engine}/${message.case}`);
    expect(singles.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(messages.filter((message) => !message.stderr.includes('\n')).map((message) => [`${message.engine}/${message.case}`, message.stderr]))(
    '%s',
    (key, stderr) => {
      const lines = parseErrorLines(stderr);
      expect(lines).toHaveLength(1);
      const failure = classifyRemoveFailure(lines[0] ?? '');
      expect(failure).toMatchObject(expected[key] ?? {});
      const want = expected[key] ?? {};
      for (const field of ['container', 'imagePrefix', 'reference'] as const) {
        if (!(field in want)) expect(failure[field], field).toBeUndefined();
      }
    },
  );

  it("the containerd store's by-tag line names no image prefix: `a:v1` is not an ID", () => {
    const message = messages.find((item) => item.case === 'by-tag-in-use');
    expect(classifyRemoveFailure(parseErrorLines(message?.stderr ?? '')[0] ?? '').imagePrefix).toBeUndefined();
  });

  it("Podman's multi-error: each `* image used by` line is in use with its container; the header is other", () => {
    const message = messages.find((item) => item.case === 'in-use-several');
    const failures = parseErrorLines(message?.stderr ?? '').map(classifyRemoveFailure);
    expect(failures.map((failure) => failure.reason)).toEqual(['other', 'in-use', 'in-use']);
    expect(failures[0]?.message).toBe('2 errors occurred:');
    expect(failures[1]?.container).toBe('63f1d1ffca15243695bdaf58f9454ee6e3ba2e7dfa38f629cee51ffcf6ff4b41');
    expect(failures[2]?.container).toBe('197f8be513f86338c87237f93a1066ee9a77f39b46c72c1f46fd036a056b2b3c');
  });
});

describe("classifyRemoveFailure on Podman's multi-tag refusal (from Podman's source, not recorded)", () => {
  it('is multiple-repositories', () => {
    const line =
      'Error: unable to delete image "2aba318ec17d" by ID with more than one tag ([localhost/a:1 localhost/b:1]): please force removal';
    expect(classifyRemoveFailure(line).reason).toBe('multiple-repositories');
  });
});

describe('classifyRemoveFailure on what it does not know', () => {
  it('is "other", keeping the message and the image prefix when a conflict names one', () => {
    expect(classifyRemoveFailure('  something new went wrong  ')).toEqual({ reason: 'other', message: 'something new went wrong' });
    expect(classifyRemoveFailure('conflict: unable to delete 0123456789ab (cannot be forced) - a reason from the future')).toEqual({
      reason: 'other',
      imagePrefix: '0123456789ab',
      message: 'conflict: unable to delete 0123456789ab (cannot be forced) - a reason from the future',
    });
  });

  it('does not take a container ID shorter than 12 hex digits', () => {
    expect(classifyRemoveFailure('image is being used by running container abc').reason).toBe('other');
  });
});

describe('isPruneAlreadyRunning', () => {
  it('recognises the recorded refusal of a second concurrent prune', () => {
    const rec = recorded('image-prune-concurrent-refused');
    expect(rec.exitCode).not.toBe(0);
    expect(isPruneAlreadyRunning(rec.stderr)).toBe(true);
  });

  it('is false for other prune output', () => {
    expect(isPruneAlreadyRunning(recorded('image-prune-dangling').stdout)).toBe(false);
    expect(isPruneAlreadyRunning('')).toBe(false);
  });
});

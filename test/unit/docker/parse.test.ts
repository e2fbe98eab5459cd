import { describe, expect, it } from 'vitest';
import {
  CONTAINER_FORMAT,
  mapImage,
  parseContainerLines,
  parseDeletedIds,
  parseErrorLines,
  parseHumanSize,
  parseIdLines,
  parseImageInspect,
  parsePruneOutput,
} from '../../../src/docker/parse.js';
import { idOf, recorded } from '../fixtures/corpus.js';

const FULL_ID = /^sha256:[0-9a-f]{64}$/;

/** The raw inspect entry of `id` in a recording, to compare the mapping with what Docker printed. */
function raw(name: string, id: string): { Created: string; Size: number; Parent: string } {
  const entries = JSON.parse(recorded(name).stdout) as Array<{ Id: string; Created: string; Size: number; Parent: string }>;
  const entry = entries.find((item) => item.Id === id);
  if (!entry) throw new Error(`${name} has no ${id}`);
  return entry;
}

describe('parseIdLines', () => {
  it('de-duplicates the IDs a multi-tag image repeats in `image ls -q --no-trunc`, keeping order', () => {
    const rec = recorded('image-ls-quiet');
    const multi = idOf(recorded('image-inspect-multi-tag'), 'multi');
    const lines = rec.stdout.split('\n').filter(Boolean);
    expect(lines.filter((line) => line === multi)).toHaveLength(3);

    const ids = parseIdLines(rec.stdout);
    expect(ids.filter((id) => id === multi)).toHaveLength(1);
    expect(ids).toEqual([...new Set(lines)]);
    expect(ids.every((id) => FULL_ID.test(id))).toBe(true);
  });

  it('reads the dangling listing and container IDs, and nothing from empty output', () => {
    const dangling = parseIdLines(recorded('image-ls-dangling').stdout);
    expect(dangling).toContain(idOf(recorded('engine-images'), 'dangling'));
    expect(dangling).not.toContain(idOf(recorded('engine-images'), 'tagged'));

    const containers = parseIdLines(recorded('container-ls-ids').stdout);
    expect(containers).toHaveLength(4);
    expect(containers.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);

    expect(parseIdLines('')).toEqual([]);
    expect(parseIdLines('\n  \n')).toEqual([]);
  });
});

describe('parseImageInspect over recorded `docker image inspect`', () => {
  it('maps a dangling image: no tags, no digests, parent, creation time, size, no labels', () => {
    const rec = recorded('image-inspect-dangling');
    const id = idOf(rec, 'dangling');
    const [image, ...rest] = parseImageInspect(rec.stdout);
    expect(rest).toEqual([]);
    expect(image).toEqual({
      id,
      repoTags: [],
      repoDigests: [],
      parent: raw('image-inspect-dangling', id).Parent,
      created: Date.parse(raw('image-inspect-dangling', id).Created),
      size: raw('image-inspect-dangling', id).Size,
      labels: {},
    });
    expect(image?.parent).toBe(idOf(recorded('image-inspect-base'), 'base'));
    expect(image?.size).toBeGreaterThan(1_000_000);
  });

  it('keeps nanosecond creation times to the millisecond', () => {
    const rec = recorded('image-inspect-dangling');
    const created = raw('image-inspect-dangling', idOf(rec, 'dangling')).Created;
    expect(created).toMatch(/\.\d{7,9}Z$/);
    const [image] = parseImageInspect(rec.stdout);
    expect(new Date(image?.created ?? 0).toISOString().slice(0, 23)).toBe(created.slice(0, 23));
  });

  it('maps a tagged image and a multi-tag image with every tag', () => {
    const [tagged] = parseImageInspect(recorded('image-inspect-tagged').stdout);
    expect(tagged?.repoTags).toEqual(['dj-rec/tagged:v1']);
    const [multi] = parseImageInspect(recorded('image-inspect-multi-tag').stdout);
    expect(multi?.repoTags).toEqual(['dj-rec/multi:a', 'dj-rec/multi:b', 'dj-rec/other:latest']);
    expect(multi?.repoDigests).toEqual([]);
  });

  it('maps config labels, a key-only label as the empty string', () => {
    const [image] = parseImageInspect(recorded('image-inspect-labelled').stdout);
    expect(image?.labels).toEqual({ 'dj.test': 'yes', team: 'ci', flag: '' });
  });

  it('maps an untagged parent and its dangling child: the child names the parent', () => {
    const rec = recorded('image-inspect-parent-child');
    const images = parseImageInspect(rec.stdout);
    const parent = images.find((image) => image.id === idOf(rec, 'parent'));
    const child = images.find((image) => image.id === idOf(rec, 'child'));
    expect(parent?.repoTags).toEqual([]);
    expect(child?.parent).toBe(parent?.id);
    expect(parent?.parent).toBe(idOf(recorded('image-inspect-base'), 'base'));
  });

  it('maps a digest-only image (pulled by digest): no tags, its repo digest, no parent', () => {
    const rec = recorded('image-inspect-digest-only');
    const [image] = parseImageInspect(rec.stdout);
    expect(image?.id).toBe(idOf(rec, 'digested'));
    expect(image?.repoTags).toEqual([]);
    expect(image?.repoDigests).toEqual([idOf(rec, 'digest')]);
    expect(image?.repoDigests[0]).toMatch(/^127\.0\.0\.1:\d+\/dj-rec\/digest@sha256:[0-9a-f]{64}$/);
    expect(image?.parent).toBeUndefined();
  });

  it('still reads the images that exist when one of the IDs is gone (exit 1)', () => {
    const rec = recorded('image-inspect-partly-missing');
    expect(rec.exitCode).toBe(1);
    expect(rec.stderr).toMatch(/No such image/);
    expect(parseImageInspect(rec.stdout).map((image) => image.id)).toEqual([idOf(rec, 'dangling')]);
  });

  it('maps every image of the recorded engine, intermediates included', () => {
    const rec = recorded('engine-images');
    const images = parseImageInspect(rec.stdout);
    expect(images.length).toBeGreaterThanOrEqual(Object.keys(rec.ids).length);
    for (const image of images) {
      expect(image.id).toMatch(FULL_ID);
      expect(image.created).toBeGreaterThan(Date.parse('2020-01-01'));
      if (image.parent !== undefined) expect(image.parent).toMatch(FULL_ID);
    }
  });

  it('reads nothing from empty output or `[]`, and refuses what is not an array', () => {
    expect(parseImageInspect('')).toEqual([]);
    expect(parseImageInspect('[]\n')).toEqual([]);
    expect(() => parseImageInspect('{"Id":"sha256:x"}')).toThrow(/JSON array/);
  });
});

describe('mapImage, shapes older engines print (from docker-facts, not recorded)', () => {
  it('drops `<none>:<none>` and `<none>@<none>` and tolerates null config and missing fields', () => {
    const image = mapImage({
      Id: 'sha256:' + 'a'.repeat(64),
      RepoTags: ['<none>:<none>'],
      RepoDigests: ['<none>@<none>'],
      Parent: '',
      Created: 'not a date',
      Config: null,
    });
    expect(image).toEqual({
      id: 'sha256:' + 'a'.repeat(64),
      repoTags: [],
      repoDigests: [],
      parent: undefined,
      created: 0,
      size: 0,
      labels: {},
    });
  });

  it('refuses an entry without an Id', () => {
    expect(() => mapImage({ RepoTags: [] })).toThrow(/without an Id/);
  });
});

describe('parseContainerLines over recorded `container inspect --format CONTAINER_FORMAT`', () => {
  it('was recorded with the format the code uses', () => {
    expect(recorded('container-inspect-lines').args).toContain(CONTAINER_FORMAT);
  });

  it('maps running, exited, created and paused containers with their full image IDs and names', () => {
    const rec = recorded('container-inspect-lines');
    const containers = parseContainerLines(rec.stdout);
    const byId = new Map(containers.map((container) => [container.id, container]));
    expect(containers).toHaveLength(4);
    expect(byId.get(idOf(rec, 'running'))).toEqual({
      id: idOf(rec, 'running'),
      name: 'dj-rec-running',
      imageId: idOf(rec, 'usedRunning'),
      state: 'running',
    });
    expect(byId.get(idOf(rec, 'exited'))).toMatchObject({ name: 'dj-rec-exited', imageId: idOf(rec, 'usedStopped'), state: 'exited' });
    expect(byId.get(idOf(rec, 'created'))).toMatchObject({ name: 'dj-rec-created', imageId: idOf(rec, 'usedCreated'), state: 'created' });
    expect(byId.get(idOf(rec, 'paused'))).toMatchObject({ name: 'dj-rec-paused', imageId: idOf(rec, 'pausedImage'), state: 'paused' });
  });

  it('skips blank lines and entries without an ID or image', () => {
    expect(parseContainerLines('\n\n')).toEqual([]);
    expect(parseContainerLines('["","/x","sha256:abc","running"]\n["abc","/y","","exited"]')).toEqual([]);
    expect(parseContainerLines('["abc",null,"sha256:def",null]')).toEqual([
      { id: 'abc', name: '', imageId: 'sha256:def', state: 'unknown' },
    ]);
  });
});

describe('parseDeletedIds', () => {
  it('reads `Deleted:` lines of a batched rm: removed images, the parent removed with its child, their layers', () => {
    const rec = recorded('image-rm-batch-mixed');
    const deleted = parseDeletedIds(rec.stdout);
    expect(deleted.has(idOf(rec, 'removable'))).toBe(true);
    expect(deleted.has(idOf(rec, 'childAfterParent'))).toBe(true);
    expect(deleted.has(idOf(rec, 'parentBeforeChild'))).toBe(true);
    for (const kept of ['usedRunning', 'usedStopped', 'usedCreated', 'usedPaused', 'hasChildren', 'multi', 'gone']) {
      expect(deleted.has(idOf(rec, kept)), kept).toBe(false);
    }
    expect(deleted.size).toBe(rec.stdout.split('\n').filter((line) => line.startsWith('Deleted: ')).length);
  });

  it('reads the lower-case `deleted:` lines of prune and ignores `untagged:` lines', () => {
    const rec = recorded('image-prune-dangling');
    const deleted = parseDeletedIds(rec.stdout);
    expect(rec.stdout).toMatch(/^untagged: .*@sha256:/m);
    for (const id of [...deleted]) expect(id).toMatch(FULL_ID);
    for (const name of ['pruneA', 'pruneParent', 'pruneChild', 'dangling', 'digested']) expect(deleted.has(idOf(rec, name)), name).toBe(true);
    for (const name of ['usedRunning', 'usedStopped', 'usedCreated', 'pausedImage', 'hasChildren']) {
      expect(deleted.has(idOf(rec, name)), name).toBe(false);
    }
  });

  it('reads CRLF output and nothing from output without such lines', () => {
    expect(parseDeletedIds(`Deleted: sha256:${'b'.repeat(64)}\r\n`)).toEqual(new Set([`sha256:${'b'.repeat(64)}`]));
    expect(parseDeletedIds('Untagged: dj-rec/other:latest\n').size).toBe(0);
    expect(parseDeletedIds(recorded('image-rm-by-tag-multi').stdout).size).toBe(0);
  });
});

describe('parseErrorLines', () => {
  it('gives one daemon message per failure of a batch, in argument order, without the prefix', () => {
    const rec = recorded('image-rm-batch-mixed');
    const lines = parseErrorLines(rec.stderr);
    expect(lines).toHaveLength(8);
    expect(lines.some((line) => line.startsWith('Error'))).toBe(false);
    expect(lines[0]).toMatch(/^conflict: unable to delete [0-9a-f]{12} \(cannot be forced\) - image is being used by running container/);
    expect(lines[6]).toBe(`No such image: ${idOf(rec, 'gone')}`);
  });

  it("strips Podman's `Error: ` prefix and ignores blank lines", () => {
    expect(parseErrorLines('Error: nosuch: image not known\n\n')).toEqual(['nosuch: image not known']);
    expect(parseErrorLines('')).toEqual([]);
  });
});

describe('parsePruneOutput', () => {
  it("reads the deleted IDs and Docker's total", () => {
    const dangling = parsePruneOutput(recorded('image-prune-dangling').stdout);
    expect(dangling.reclaimed).toBe(143);
    expect(dangling.deleted.size).toBe(14);
    const label = parsePruneOutput(recorded('image-prune-label').stdout);
    expect(label.reclaimed).toBe(41);
    expect(label.deleted.has(idOf(recorded('image-prune-label'), 'labelled'))).toBe(true);
  });

  it('reads a prune that removed nothing (also `until=3600s` when every image is younger)', () => {
    for (const name of ['image-prune-nothing', 'image-prune-until-none-old']) {
      const rec = recorded(name);
      expect(rec.stdout.trim()).toBe('Total reclaimed space: 0B');
      expect(parsePruneOutput(rec.stdout)).toEqual({ deleted: new Set(), untagged: [], reclaimed: 0 });
    }
  });

  it('reads decimal and binary units', () => {
    expect(parsePruneOutput('Total reclaimed space: 40.5MB\n').reclaimed).toBe(40_500_000);
    expect(parsePruneOutput('Deleted Images:\nTotal reclaimed space: 1.2kB').reclaimed).toBe(1200);
    expect(parsePruneOutput('').reclaimed).toBe(0);
  });
});

describe('parseHumanSize', () => {
  it.each([
    ['6B', 6],
    ['0B', 0],
    ['1.2kB', 1200],
    ['40.5MB', 40_500_000],
    ['2GB', 2e9],
    ['1TB', 1e12],
    ['2KiB', 2048],
    ['1.5MiB', 1_572_864],
    [' 3 MB ', 3e6],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseHumanSize(text)).toBe(bytes);
  });

  it.each(['', 'MB', '12', '1.2 parsecs'])('%j is 0', (text) => {
    expect(parseHumanSize(text)).toBe(0);
  });
});

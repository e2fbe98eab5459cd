import { describe, expect, it } from 'vitest';
import { imageParents } from '../../../src/socket/image-list.js';
import { CacheScan, madeImageId, newAncestors } from '../../../src/socket/made-image.js';

// Answers recorded from dockerd 20.10.24 (API 1.41), cut to their ends.
const ID = 'sha256:33122d11c80b13747828944c37a0511327c5c1df5d8821dcdcd13c203dc83722';
const OTHER = 'sha256:2e2f8b7441d8f79f446be50e449ef65dc86cfb724211412a011b553201ab9378';
const BUILD = [
  '{"stream":"Step 4/5 : CMD [\\"sleep\\",\\"3000\\"]\\n"}',
  '{"stream":" ---\\u003e Running in c63ac2917a08\\n"}',
  '{"stream":"Removing intermediate container c63ac2917a08\\n"}',
  '{"stream":" ---\\u003e 33122d11c80b\\n"}',
  `{"aux":{"ID":"${ID}"}}`,
  '{"stream":"Successfully built 33122d11c80b\\n"}',
  '{"stream":"Successfully tagged app:dev\\n"}',
  '',
].join('\r\n');

describe('madeImageId: the image an answer says was made', () => {
  it('a build: the last aux ID (legacy builder), also in a tail cut mid-line', () => {
    expect(madeImageId('build', 200, BUILD)).toBe(ID);
    expect(madeImageId('build', 200, BUILD.slice(40))).toBe(ID);
    expect(madeImageId('build', 200, `{"id":"moby.buildkit.trace","aux":"AAAA"}\n{"id":"moby.image.id","aux":{"ID":"${ID}"}}\n`)).toBe(ID);
  });

  it('a quiet build (q=1): its one stream message; a RUN step printing an ID among other messages is not taken', () => {
    expect(madeImageId('build', 200, `{"stream":"${OTHER}\\n"}\r\n`)).toBe(OTHER);
    const echoed = `{"stream":"Step 2/2 : RUN echo ${OTHER}\\n"}\r\n{"stream":"${OTHER}\\n"}\r\n{"stream":" ---\\u003e 1234\\n"}\r\n`;
    expect(madeImageId('build', 200, echoed)).toBeUndefined();
    expect(madeImageId('build', 200, `${echoed}{"aux":{"ID":"${ID}"}}\r\n`)).toBe(ID);
  });

  it('a build that failed (200 with an error message at the end), or a 4xx/5xx answer: none', () => {
    const failed = `{"stream":" ---\\u003e Running in 4ae80b83d8f8\\n"}\r\n{"errorDetail":{"code":1,"message":"The command '/bin/sh -c false' returned a non-zero code: 1"},"error":"The command '/bin/sh -c false' returned a non-zero code: 1"}\r\n`;
    expect(madeImageId('build', 200, failed)).toBeUndefined();
    expect(madeImageId('build', 500, BUILD)).toBeUndefined();
    expect(madeImageId('commit', 404, `{"Id":"${ID}"}`)).toBeUndefined();
  });

  it('a commit: its Id (201); an import: the last status that is an image ID', () => {
    expect(madeImageId('commit', 201, `{"Id":"${ID}"}\n`)).toBe(ID);
    expect(madeImageId('import', 200, `{"status":"${OTHER}"}\r\n`)).toBe(OTHER);
    expect(madeImageId('import', 200, '{"status":"Downloading","progressDetail":{}}\r\n')).toBeUndefined();
  });

  it('only full sha256 IDs', () => {
    expect(madeImageId('commit', 201, '{"Id":"sha256:1234"}')).toBeUndefined();
    expect(madeImageId('build', 200, '{"aux":{"ID":"33122d11c80b"}}')).toBeUndefined();
  });
});

describe('newAncestors: the intermediate images a build made on its way', () => {
  const id = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
  // base <- theirs (another process, before the build) <- run <- label <- made
  const parents = new Map([
    [id(1), undefined],
    [id(2), id(1)],
    [id(3), id(2)],
    [id(4), id(3)],
    [id(5), id(4)],
  ]);

  it('its parents, nearest first, up to the first that existed before the build (a cached step, the base)', () => {
    expect(newAncestors(id(5), parents, new Set([id(1), id(2)]))).toEqual([id(4), id(3)]);
    expect(newAncestors(id(5), parents, new Map([[id(1), undefined]]))).toEqual([id(4), id(3), id(2)]);
    // A build wholly from the cache (the image existed): its parents existed too.
    expect(newAncestors(id(5), parents, new Set([id(1), id(2), id(3), id(4), id(5)]))).toEqual([]);
  });

  it('stops at a parent the listing does not know, and at a loop', () => {
    expect(newAncestors(id(5), new Map([[id(5), id(4)]]), new Set())).toEqual([]);
    expect(newAncestors(id(5), new Map([[id(5), id(4)], [id(4), id(5)]]), new Set())).toEqual([id(4)]);
  });

  it('imageParents reads an /images/json answer; anything else is no listing', () => {
    const listing = imageParents(JSON.stringify([{ Id: id(2), ParentId: id(1) }, { Id: id(1), ParentId: '' }]));
    expect(listing && [...listing]).toEqual([[id(2), id(1)], [id(1), undefined]]);
    expect(imageParents('{"message":"no"}')).toBeUndefined();
    expect(imageParents('[{"ParentId":""}]')).toBeUndefined();
    expect(imageParents('not json')).toBeUndefined();
  });
});

describe('CacheScan: the steps a legacy build took from the cache, from its whole answer', () => {
  const USED = 'ae6f3df085fb';
  const NEW = '0c40b5dde74d';
  const answer = [
    '{"stream":"Step 1/3 : FROM base\\n"}',
    '{"stream":" ---\\u003e 3c6de50acd6f\\n"}',
    '{"stream":"Step 2/3 : RUN echo x\\n"}',
    '{"stream":" ---\\u003e Using cache\\n"}',
    `{"stream":" ---\\u003e ${USED}\\n"}`,
    '{"stream":"Step 3/3 : LABEL a=b\\n"}',
    '{"stream":" ---\\u003e Running in 1ad27361b37e\\n"}',
    `{"stream":"${'x'.repeat(70_000)}\\n"}`,
    `{"stream":" ---\\u003e ${NEW}\\n"}`,
    '',
  ].join('\r\n');

  it('after "Using cache", the next step ID; not the base, not a new step; split anywhere, past a line longer than the tail', () => {
    for (const size of [1, 7, 100, 1 << 20]) {
      const scan = new CacheScan();
      const bytes = Buffer.from(answer);
      for (let at = 0; at < bytes.length; at += size) scan.feed(bytes.subarray(at, at + size));
      expect([...scan.reused]).toEqual([USED]);
      expect(scan.has(`sha256:${USED}${'0'.repeat(52)}`)).toBe(true);
      expect(scan.has(`sha256:${NEW}${'0'.repeat(52)}`)).toBe(false);
    }
  });

  it("a step's own output cannot name a reused image: it is escaped inside a stream message", () => {
    const scan = new CacheScan();
    scan.feed(Buffer.from(`{"stream":" ---\\u003e Using cache\\n"}\r\n{"stream":"{\\"stream\\":\\" ---> ${NEW}\\"}\\n"}\r\n`));
    expect([...scan.reused]).toEqual([]);
  });
});

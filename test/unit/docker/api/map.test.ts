/** The Engine API mappers over answers recorded from a real engine (fixtures/record-api.mjs). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventTime, encodePath } from '../../../../src/docker/api/engine.js';
import { clampTimer, compareVersions, negotiate, queryString } from '../../../../src/docker/api/http.js';
import {
  filtersJson,
  mapContainerSummary,
  mapCreateEvent,
  mapImageDelete,
  mapImageInspect,
  mapImageSummary,
  mapPrune,
  splitFilter,
} from '../../../../src/docker/api/map.js';

interface ApiRecording {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly ids: Record<string, string>;
}

function api(name: string): ApiRecording {
  return JSON.parse(readFileSync(new URL(`../../fixtures/recorded/api-${name}.json`, import.meta.url), 'utf8')) as ApiRecording;
}
const json = (rec: ApiRecording) => JSON.parse(rec.body) as unknown;
const deleteAnswer = (rec: ApiRecording) => mapImageDelete(rec.status, (() => { try { return json(rec); } catch { return undefined; } })(), rec.body);

describe('GET /images/json', () => {
  it('maps dangling images: <none> dropped, Created seconds → ms, parent, size, null labels', () => {
    const rec = api('images-dangling');
    const images = (json(rec) as unknown[]).map(mapImageSummary);
    const running = images.find((image) => image?.id === rec.ids.running);
    expect(running).toEqual({
      id: rec.ids.running,
      repoTags: [],
      repoDigests: [],
      parent: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      created: expect.any(Number),
      size: expect.any(Number),
      labels: {},
    });
    const raw = (json(rec) as Array<{ Id: string; Created: number }>).find((item) => item.Id === rec.ids.running);
    expect(running?.created).toBe((raw?.Created ?? 0) * 1000);
    expect(images.map((image) => image?.id)).not.toContain(rec.ids.tagged);
    expect(images.find((image) => image?.id === rec.ids.dangling)?.labels).toEqual({ 'dj.rec': 'dangling' });
  });

  it('all=1 lists the untagged parent of a tagged child, and the child names it', () => {
    const rec = api('images-all');
    const images = (json(rec) as unknown[]).map(mapImageSummary);
    expect(images.map((image) => image?.id)).toContain(rec.ids.parent);
    expect(images.find((image) => image?.id === rec.ids.child)?.parent).toBe(rec.ids.parent);
    expect([...(images.find((image) => image?.id === rec.ids.tagged)?.repoTags ?? [])].sort()).toEqual(['rec/tagged:1', 'rec/tagged:2']);
  });

  it('tolerates null tag lists, an empty ParentId and entries without an Id', () => {
    expect(mapImageSummary({ Id: 'sha256:a', RepoTags: null, RepoDigests: null, ParentId: '', Created: 2, Size: 3, Labels: null })).toEqual({
      id: 'sha256:a',
      repoTags: [],
      repoDigests: [],
      parent: undefined,
      created: 2000,
      size: 3,
      labels: {},
    });
    expect(mapImageSummary({ RepoTags: [] })).toBeUndefined();
    expect(mapImageSummary('junk')).toBeUndefined();
    expect(mapImageSummary({ Id: 'sha256:b', RepoDigests: ['r@sha256:1', '<none>@<none>'] })?.repoDigests).toEqual(['r@sha256:1']);
  });
});

describe('GET /images/{id}/json', () => {
  it('maps the inspect answer: tags, ISO Created, Parent, Config.Labels', () => {
    const rec = api('image-inspect');
    const image = mapImageInspect(json(rec));
    expect(image).toMatchObject({ id: rec.ids.tagged, repoTags: ['rec/tagged:1', 'rec/tagged:2'], repoDigests: [], labels: { 'dj.rec': 'tagged' } });
    expect(image?.parent).toMatch(/^sha256:/);
    expect(image?.created).toBe(Date.parse((json(rec) as { Created: string }).Created));
  });

  it('the 404 of a gone image is a message, which the engine turns into undefined', () => {
    const rec = api('image-inspect-404');
    expect(rec.status).toBe(404);
    expect(mapImageInspect(json(rec))).toBeUndefined();
  });
});

describe('GET /containers/json', () => {
  it('maps ID, name without slash, full image ID and state', () => {
    const rec = api('containers');
    const containers = (json(rec) as unknown[]).map(mapContainerSummary);
    expect(containers).toContainEqual({ id: rec.ids.runningContainer, name: 'rec-running', imageId: rec.ids.running, state: 'running' });
    expect(containers).toContainEqual({ id: rec.ids.stoppedContainer, name: 'rec-stopped', imageId: rec.ids.stopped, state: 'created' });
  });
});

describe('DELETE /images/{ref} (no force)', () => {
  const prefix = (id: string | undefined) => (id ?? '').replace(/^sha256:/, '').slice(0, 12);

  it('409 in use by a running / stopped container: conflict naming the container', () => {
    const running = api('delete-running');
    expect(deleteAnswer(running)).toEqual({
      kind: 'conflict',
      reason: 'in-use-running',
      containers: [prefix(running.ids.runningContainer)],
      message: expect.stringContaining('being used by running container'),
    });
    const stopped = api('delete-stopped');
    expect(deleteAnswer(stopped)).toMatchObject({ kind: 'conflict', reason: 'in-use-stopped', containers: [prefix(stopped.ids.stoppedContainer)] });
  });

  it('409 children / multiple repositories; 404 gone', () => {
    expect(deleteAnswer(api('delete-children'))).toMatchObject({ kind: 'conflict', reason: 'has-children', containers: [] });
    expect(deleteAnswer(api('delete-multiple'))).toMatchObject({ kind: 'conflict', reason: 'multiple-repositories' });
    expect(deleteAnswer(api('delete-gone'))).toEqual({ kind: 'gone', message: expect.stringMatching(/^No such image: sha256:0+$/) });
  });

  it('200 with only Untagged: untagged; with Deleted: removed, untagged parents included', () => {
    expect(deleteAnswer(api('delete-untag'))).toEqual({ kind: 'untagged', untagged: ['rec/tagged:1'] });
    const removed = api('delete-removed');
    const answer = deleteAnswer(removed);
    expect(answer).toMatchObject({ kind: 'removed', untagged: ['rec/child:1'] });
    expect(answer.kind === 'removed' ? answer.deleted : []).toEqual(expect.arrayContaining([removed.ids.child, removed.ids.parent]));
  });

  it('anything else is failed, with the status; an unknown 409 too', () => {
    expect(mapImageDelete(500, { message: 'driver failed' }, '')).toEqual({ kind: 'failed', message: '500: driver failed' });
    expect(mapImageDelete(409, { message: 'something new' }, '')).toEqual({ kind: 'failed', message: 'something new' });
    expect(mapImageDelete(502, undefined, '<html>bad gateway</html>')).toEqual({ kind: 'failed', message: '502: <html>bad gateway</html>' });
  });
});

describe('POST /images/prune', () => {
  it('deleted IDs, untagged references, reclaimed bytes', () => {
    const rec = api('prune');
    const answer = mapPrune(json(rec));
    expect(answer.deleted.has(rec.ids.dangling ?? '')).toBe(true);
    expect(answer.reclaimed).toBe((json(rec) as { SpaceReclaimed: number }).SpaceReclaimed);
    expect(mapPrune({ ImagesDeleted: null, SpaceReclaimed: 0 })).toEqual({ deleted: new Set(), untagged: [], reclaimed: 0 });
  });
});

describe('GET /events', () => {
  it('create events: actor ID, attributes as labels, exact timeNano', () => {
    const rec = api('events');
    const lines = rec.body.split('\n').filter(Boolean);
    const events = lines.map(mapCreateEvent);
    expect(events.every((event) => event !== undefined)).toBe(true);
    const running = events.find((event) => event?.id === rec.ids.runningContainer);
    expect(running?.labels).toMatchObject({ 'dj.rec': 'c', name: 'rec-running' });
    const nano = /"timeNano":(\d+)/.exec(lines.find((line) => line.includes(rec.ids.runningContainer ?? '-')) ?? '')?.[1];
    expect(running?.timeNano).toBe(BigInt(nano ?? '0'));
  });

  it('anything but a container create is not an event of ours', () => {
    expect(mapCreateEvent('{"Type":"container","Action":"start","Actor":{"ID":"x"}}')).toBeUndefined();
    expect(mapCreateEvent('{"Type":"image","Action":"create","Actor":{"ID":"x"}}')).toBeUndefined();
    expect(mapCreateEvent('not json')).toBeUndefined();
  });
});

describe('request building', () => {
  it('filters as JSON map[string][]string; label!= kept as its own key', () => {
    expect(filtersJson([['dangling', 'true'], splitFilter('label=a=b'), splitFilter('label=c'), splitFilter('label!=d'), splitFilter('until=3600s')])).toBe(
      '{"dangling":["true"],"label":["a=b","c"],"label!":["d"],"until":["3600s"]}',
    );
    expect(() => splitFilter('novalue')).toThrow(TypeError);
  });

  it('query strings skip undefined; paths keep / : @', () => {
    expect(queryString({ all: 1, filters: undefined, repo: 'a/b' })).toBe('?all=1&repo=a%2Fb');
    expect(queryString({})).toBe('');
    expect(encodePath('127.0.0.1:5000/x/y:1')).toBe('127.0.0.1:5000/x/y:1');
    expect(encodePath('a b?c')).toBe('a%20b%3Fc');
  });

  it('event times are seconds.nanoseconds', () => {
    expect(eventTime(1_700_000_000_123)).toBe('1700000000.123000000');
    expect(eventTime(5)).toBe('0.005000000');
  });
});

describe('version negotiation and timers', () => {
  it('min(daemon max, ours), never below the oldest we speak', () => {
    expect(negotiate('1.41')).toBe('1.41'); // Engine 20.10
    expect(negotiate('1.40')).toBe('1.40'); // Podman's service
    expect(negotiate('1.47')).toBe('1.45'); // Docker 27+: ours
    expect(negotiate('1.52')).toBe('1.45'); // Docker 29 (minimum 1.44)
    expect(negotiate('1.12')).toBe('1.24');
    expect(compareVersions('1.9', '1.10')).toBeLessThan(0);
  });

  it('the recorded ping names the daemon max', () => {
    expect(api('ping').headers['api-version']).toMatch(/^1\.\d+$/);
  });

  it('timers clamp to 1 … 2^31-1 ms', () => {
    expect(clampTimer(2 ** 40)).toBe(2 ** 31 - 1);
    expect(clampTimer(0)).toBe(1);
    expect(clampTimer(1500.7)).toBe(1500);
  });
});

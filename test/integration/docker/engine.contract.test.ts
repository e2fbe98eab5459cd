/**
 * The `Engine` contract, run over both implementations against the suite's private engine:
 * the same calls must give the same typed answers through the Engine API and through the CLI.
 * Everything asserted afterwards is read from the engine itself (support/docker.ts), not from
 * what the implementation says it did.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../../src/docker/api/http.js';
import { engineFromOptions } from '../../../src/docker/create.js';
import type { Engine, FullImageId, ImageRef, Transport } from '../../../src/docker/engine.js';
import {
  BASE_IMAGE,
  buildImage,
  containerState,
  createContainer,
  dockerSync,
  engineContainers,
  imageExists,
  imageId,
  makeDigestOnlyImage,
  privateHost,
  resetEngine,
  runContainer,
  startRegistry,
  type LocalRegistry,
} from '../../support/docker.js';

const requests: RequestRecord[] = [];
const commands: string[][] = [];

let registry: LocalRegistry | undefined;

beforeAll(async () => {
  resetEngine();
  registry = await startRegistry();
});

afterAll(() => {
  registry?.stop();
  resetEngine();
  // The API-level record of every request both suites sent: no image removal carries force,
  // nor any query but noprune=1 (keepParents).
  const imageDeletes = requests.filter((request) => request.method === 'DELETE' && /^\/v1\.\d+\/images\//.test(request.path));
  expect(imageDeletes.length).toBeGreaterThan(5);
  for (const request of imageDeletes) {
    expect(request.path).not.toMatch(/force/i);
    expect(request.path).toMatch(/^[^?]*(?:\?noprune=1)?$/);
  }
  // And the CLI never ran `image rm` with -f/--force.
  const imageRms = commands.filter((args) => (args[0] === 'image' && args[1] === 'rm') || args[0] === 'rmi');
  expect(imageRms.length).toBeGreaterThan(1);
  for (const args of imageRms) for (const arg of args) expect(arg).not.toMatch(/^(-f|--force(=.*)?|-[a-z]*f[a-z]*)$/);
});

function makeEngine(transport: Transport): Engine {
  return engineFromOptions({
    transport,
    host: privateHost(),
    timeoutMs: 30_000,
    onRequest: (request) => requests.push(request),
    onCommand: (args) => commands.push([...args]),
  }).engine;
}

const full = (id: string) => id as FullImageId;
let unique = 0;
const name = (prefix: string) => `dj-contract/${prefix}-${process.pid}-${unique++}`;

describe.each(['api', 'cli'] as const)('Engine over %s', (transport) => {
  let engine: Engine;

  beforeAll(() => {
    engine = makeEngine(transport);
  });

  afterAll(() => engine.close());

  afterEach(() => {
    // Containers of one test never block the next one's images.
    const ids = dockerSync(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
    if (ids.length) dockerSync(['rm', '-f', '-v', ...ids], { allowFailure: true });
  });

  it('ping answers, with the transport and the endpoint named', async () => {
    await engine.ping();
    expect(engine.transport).toBe(transport);
    expect(engine.endpoint).toContain(privateHost().replace('unix://', ''));
  });

  describe('listing images', () => {
    it('dangling: untagged images only, full IDs, created in ms, size and labels', async () => {
      const dangling = buildImage({ labels: { 'dj.contract': transport } });
      const tagged = buildImage({ tag: `${name('tagged')}:1` });

      const images = await engine.listImages({ dangling: true });
      const ids = images.map((image) => image.id);
      expect(ids).toContain(dangling);
      expect(ids).not.toContain(tagged);
      const image = images.find((item) => item.id === dangling);
      expect(image).toMatchObject({ repoTags: [], repoDigests: [], labels: { 'dj.contract': transport } });
      expect(image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(image?.size).toBeGreaterThan(0);
      expect(Math.abs((image?.created ?? 0) - Date.now())).toBeLessThan(120_000);
      // `--label` adds a step to the legacy build: the parent is the RUN step's image.
      expect(image?.parent).toMatch(/^sha256:[0-9a-f]{64}$/);
    });

    it('by label: only images whose config labels match all filters', async () => {
      const value = `v${unique++}`;
      const match = buildImage({ labels: { 'dj.pick': value, 'dj.other': 'x' } });
      const partial = buildImage({ labels: { 'dj.pick': value } });
      buildImage({ labels: { 'dj.pick': 'nope' } });

      const one = await engine.listImages({ labels: [`dj.pick=${value}`, 'dj.other'] });
      expect(one.map((image) => image.id)).toEqual([match]);
      const two = await engine.listImages({ labels: [`dj.pick=${value}`] });
      expect(two.map((image) => image.id).sort()).toEqual([match, partial].sort());
    });

    it('all: intermediate images too, with their parents; top-level listing leaves them out', async () => {
      const parentTag = `${name('parent')}:1`;
      const parent = buildImage({ tag: parentTag });
      const child = buildImage({ from: parentTag, tag: `${name('child')}:1` });
      dockerSync(['rmi', parentTag]); // the parent is now an untagged image with a child

      const top = await engine.listImages();
      const all = await engine.listImages({ all: true });
      expect(top.map((image) => image.id)).not.toContain(parent);
      expect(all.map((image) => image.id)).toContain(parent);
      expect(all.find((image) => image.id === child)?.parent).toBe(parent);
    });

    it('digest-only images: no tags, the repository digest kept', async () => {
      if (!registry) throw new Error('no registry');
      const { id, digestRef } = makeDigestOnlyImage(registry, { name: `dj-digested-${transport}` });
      const image = (await engine.listImages({ all: true })).find((item) => item.id === id);
      expect(image?.repoTags).toEqual([]);
      expect(image?.repoDigests).toEqual([digestRef]);
    });
  });

  it('inspectImage: the image as it is now; undefined once gone', async () => {
    const tag = `${name('inspect')}:1`;
    const id = buildImage({ tag, labels: { 'dj.inspect': '1' } });
    const listed = (await engine.listImages({ labels: ['dj.inspect=1'] })).find((image) => image.id === id);
    const inspected = await engine.inspectImage(full(id));
    expect(inspected).toMatchObject({ id, repoTags: [tag], repoDigests: [], parent: listed?.parent, labels: { 'dj.inspect': '1' } });
    expect(inspected?.parent).toMatch(/^sha256:/);
    expect(inspected?.size).toBe(listed?.size);
    expect(Math.abs((inspected?.created ?? 0) - (listed?.created ?? 0))).toBeLessThan(1000);

    dockerSync(['rmi', tag]);
    expect(await engine.inspectImage(full(id))).toBeUndefined();
  });

  it('tagImage: the tag names the image; a gone image answers gone', async () => {
    const id = buildImage();
    const repo = name('tagged');
    expect(await engine.tagImage(full(id), repo, 'v1')).toBe('tagged');
    expect(imageId(`${repo}:v1`)).toBe(id);
    expect(await engine.tagImage(full(`sha256:${'0'.repeat(64)}`), repo, 'v2')).toBe('gone');
  });

  describe('removing images (never forced)', () => {
    it('every outcome in ONE call: removed with parents, untagged only, conflicts, gone', async () => {
      // removed, with its untagged parent
      const parentTag = `${name('p')}:1`;
      const parent = buildImage({ tag: parentTag });
      const child = buildImage({ from: parentTag });
      dockerSync(['rmi', parentTag]);
      // untagged only: another reference remains
      const twoTagsA = `${name('two')}:a`;
      const twoTagsB = `${name('two')}:b`;
      const twoTags = buildImage({ tag: [twoTagsA, twoTagsB] });
      // by reference, its only one: deleted
      const single = `${name('single')}:1`;
      const singleId = buildImage({ tag: single });
      // in use by a running / a stopped container
      const running = buildImage();
      const runningContainer = runContainer(running);
      const stopped = buildImage();
      const stoppedContainer = createContainer(stopped);
      // has children
      const withChildTag = `${name('haschild')}:1`;
      const withChild = buildImage({ tag: withChildTag });
      buildImage({ from: withChildTag, tag: `${name('kid')}:1` });
      dockerSync(['rmi', withChildTag]);
      // referenced in multiple repositories, removed by ID
      const multi = buildImage({ tag: [`${name('m1')}:1`, `${name('m2')}:1`] });
      // gone
      const gone = `sha256:${'0'.repeat(64)}`;

      const refs: ImageRef[] = [
        { id: full(child) },
        { reference: twoTagsA },
        { reference: single },
        { id: full(running) },
        { id: full(stopped) },
        { id: full(withChild) },
        { id: full(multi) },
        { id: full(gone) },
      ];
      const answers = await engine.removeImages(refs);
      expect([...answers.keys()]).toEqual(refs);
      const answer = (index: number) => answers.get(refs[index] as ImageRef);

      expect(answer(0)).toMatchObject({ kind: 'removed' });
      const first = answer(0);
      expect(first?.kind === 'removed' ? first.deleted : []).toEqual(expect.arrayContaining([child, parent]));
      expect(answer(1)).toEqual({ kind: 'untagged', untagged: [twoTagsA] });
      expect(answer(2)).toMatchObject({ kind: 'removed', deleted: expect.arrayContaining([singleId]), untagged: [single] });
      expect(answer(3)).toMatchObject({ kind: 'conflict', reason: 'in-use-running', containers: [runningContainer.slice(0, 12)] });
      expect(answer(4)).toMatchObject({ kind: 'conflict', reason: 'in-use-stopped', containers: [stoppedContainer.slice(0, 12)] });
      expect(answer(5)).toMatchObject({ kind: 'conflict', reason: 'has-children' });
      expect(answer(6)).toMatchObject({ kind: 'conflict', reason: 'multiple-repositories' });
      expect(answer(7)).toMatchObject({ kind: 'gone' });

      // What the engine shows afterwards.
      expect(imageExists(child)).toBe(false);
      expect(imageExists(parent)).toBe(false);
      expect(imageId(twoTagsB)).toBe(twoTags);
      expect(imageExists(twoTagsA)).toBe(false);
      expect(imageExists(singleId)).toBe(false);
      for (const kept of [running, stopped, withChild, multi]) expect(imageExists(kept)).toBe(true);
      expect(containerState(runningContainer)).toBe('running');
      expect(containerState(stoppedContainer)).toBe('created');
    });

    it('a reference used by a stopped container: conflict, the tag stays', async () => {
      const tag = `${name('used')}:1`;
      const id = buildImage({ tag });
      createContainer(tag);
      const ref: ImageRef = { reference: tag };
      const answer = (await engine.removeImages([ref])).get(ref);
      expect(answer).toMatchObject({ kind: 'conflict', reason: 'in-use' });
      expect(imageId(tag)).toBe(id);
    });

    it('keepParents (noprune): the untagged parent stays; without it, it goes with its child', async () => {
      const pair = () => {
        const parentTag = `${name('np-parent')}:1`;
        const parent = buildImage({ tag: parentTag });
        const childTag = `${name('np-child')}:1`;
        const child = buildImage({ from: parentTag, tag: childTag });
        dockerSync(['rmi', parentTag]);
        return { parent, child, childTag };
      };
      const kept = pair();
      const pruned = pair();
      const refs: ImageRef[] = [{ reference: kept.childTag, keepParents: true }, { reference: pruned.childTag }];
      const answers = await engine.removeImages(refs);
      // `deleted` also names the layers that went (their chain IDs).
      const first = answers.get(refs[0] as ImageRef);
      expect(first).toMatchObject({ kind: 'removed', deleted: expect.arrayContaining([kept.child]) });
      expect(first?.kind === 'removed' && first.deleted).not.toContain(kept.parent);
      expect(answers.get(refs[1] as ImageRef)).toMatchObject({ kind: 'removed', deleted: expect.arrayContaining([pruned.child, pruned.parent]) });
      expect([imageExists(kept.child), imageExists(kept.parent), imageExists(pruned.parent)]).toEqual([false, true, false]);
    });

    it('refuses short IDs and bare names before sending anything', async () => {
      const before = requests.length + commands.length;
      await expect(engine.removeImages([{ id: full('sha256:abc') }])).rejects.toThrow(TypeError);
      await expect(engine.removeImages([{ reference: 'busybox' }])).rejects.toThrow(TypeError);
      await expect(engine.removeImages([{ reference: '-f' }])).rejects.toThrow(TypeError);
      expect(requests.length + commands.length).toBe(before);
    });

    it('pruneDanglingImages: label filters, dangling only; tagged and used images stay', async () => {
      const value = `p${unique++}`;
      const prunable = buildImage({ labels: { 'dj.prune': value } });
      const used = buildImage({ labels: { 'dj.prune': value } });
      createContainer(used);
      const tagged = buildImage({ tag: `${name('keep')}:1`, labels: { 'dj.prune': value } });
      const other = buildImage({ labels: { 'dj.prune': 'other' } });

      const answer = await engine.pruneDanglingImages([`label=dj.prune=${value}`, 'dangling=false']);
      expect(answer.deleted.has(prunable)).toBe(true);
      expect(answer.reclaimed).toBeGreaterThanOrEqual(0);
      expect(imageExists(prunable)).toBe(false);
      for (const kept of [used, tagged, other]) expect(imageExists(kept)).toBe(true);
    });
  });

  describe('containers, networks, volumes', () => {
    it('lists containers by label with the full image ID and state', async () => {
      const label = `dj.c=${transport}${unique++}`;
      const image = imageId(BASE_IMAGE);
      const up = runContainer(BASE_IMAGE, ['--label', label]);
      const made = createContainer(BASE_IMAGE, ['--label', label, '--name', `djc-${transport}-${unique++}`]);
      runContainer(BASE_IMAGE);

      const listed = await engine.listContainers({ labels: [label] });
      expect(listed.map((container) => container.id).sort()).toEqual([up, made].sort());
      expect(listed.find((container) => container.id === up)).toMatchObject({ imageId: image, state: 'running' });
      expect(listed.find((container) => container.id === made)).toMatchObject({ imageId: image, state: 'created', name: expect.stringMatching(/^djc-/) });
      expect((await engine.listContainers()).length).toBe(3);
    });

    it('removes containers with their anonymous volumes; a missing one is gone', async () => {
      const withVolume = runContainer(BASE_IMAGE, ['-v', '/data']);
      const volume = dockerSync(['inspect', '--format', '{{range .Mounts}}{{.Name}}{{end}}', withVolume]);
      const other = createContainer(BASE_IMAGE);
      const missing = 'f'.repeat(64);

      const answers = await engine.removeContainers([withVolume, other, missing], { stopTimeoutSeconds: 0 });
      expect(Object.fromEntries(answers)).toEqual({ [withVolume]: { kind: 'removed' }, [other]: { kind: 'removed' }, [missing]: { kind: 'gone' } });
      expect(engineContainers()).toEqual([]);
      expect(dockerSync(['volume', 'ls', '-q'])).not.toContain(volume);
    });

    it('stop first when a grace period is given; stopContainers keeps them', async () => {
      const a = runContainer(BASE_IMAGE);
      const b = runContainer(BASE_IMAGE);
      const stopped = await engine.stopContainers([a], { stopTimeoutSeconds: 0 });
      expect(stopped.get(a)).toEqual({ kind: 'removed' });
      expect(containerState(a)).toBe('exited');
      const removed = await engine.removeContainers([b], { stopTimeoutSeconds: 1 });
      expect(removed.get(b)).toEqual({ kind: 'removed' });
      expect(containerState(b)).toBe('');
    });

    it('networks and volumes: listed by label, resolved, removed, then gone', async () => {
      const label = `dj.nv=${transport}${unique++}`;
      const network = `djnet-${transport}-${unique++}`;
      const networkId = dockerSync(['network', 'create', '--label', label, network]);
      const volume = `djvol-${transport}-${unique++}`;
      dockerSync(['volume', 'create', '--label', label, volume]);
      dockerSync(['volume', 'create', `djvol-unlabelled-${unique++}`]);

      expect(await engine.listNetworks([label])).toEqual([networkId]);
      expect(await engine.listVolumes([label])).toEqual([volume]);

      const resolvedNetworks = await engine.resolve('network', [network, 'no-such-network']);
      expect(Object.fromEntries(resolvedNetworks)).toEqual({ [network]: networkId });
      const resolvedVolumes = await engine.resolve('volume', [volume, 'no-such-volume']);
      expect(Object.fromEntries(resolvedVolumes)).toEqual({ [volume]: volume });

      expect(Object.fromEntries(await engine.removeNetworks([networkId]))).toEqual({ [networkId]: { kind: 'removed' } });
      expect(Object.fromEntries(await engine.removeNetworks([networkId]))).toEqual({ [networkId]: { kind: 'gone' } });
      expect(Object.fromEntries(await engine.removeVolumes([volume]))).toEqual({ [volume]: { kind: 'removed' } });
      expect(Object.fromEntries(await engine.removeVolumes([volume]))).toEqual({ [volume]: { kind: 'gone' } });
    });

    it('a volume in use is a failure with the daemon message, and stays', async () => {
      const volume = `djvol-used-${transport}-${unique++}`;
      runContainer(BASE_IMAGE, ['-v', `${volume}:/data`]);
      const answer = (await engine.removeVolumes([volume])).get(volume);
      expect(answer).toMatchObject({ kind: 'failed', message: expect.stringMatching(/in use/) });
      expect(dockerSync(['volume', 'ls', '-q'])).toContain(volume);
    });

    it('resolve containers by name, by ID prefix; unknown ones are absent', async () => {
      const containerName = `djres-${transport}-${unique++}`;
      const id = createContainer(BASE_IMAGE, ['--name', containerName]);
      const resolved = await engine.resolve('container', [containerName, id.slice(0, 12), 'no-such-container']);
      expect(Object.fromEntries(resolved)).toEqual({ [containerName]: id, [id.slice(0, 12)]: id });
    });
  });

  describe('events', () => {
    it('create events in a closed window, with labels and timeNano', async () => {
      const sinceMs = Date.now() - 1000;
      const label = `${transport}${unique++}`;
      const id = createContainer(BASE_IMAGE, ['--label', `dj.ev=${label}`]);
      const untilMs = Date.now() + 500;

      const events = await engine.containerCreateEvents({ sinceMs, untilMs });
      const event = events.find((item) => item.id === id);
      expect(event?.labels['dj.ev']).toBe(label);
      expect(typeof event?.timeNano).toBe('bigint');
      expect(Number((event?.timeNano ?? 0n) / 1_000_000n)).toBeGreaterThanOrEqual(sinceMs);
    });

    it('watchContainerCreates follows new creates until stopped', async () => {
      const seen: string[] = [];
      const subscription = engine.watchContainerCreates(Date.now(), (event) => seen.push(event.id));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const id = createContainer(BASE_IMAGE);
      for (let attempt = 0; attempt < 300 && !seen.includes(id); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
      subscription.stop();
      await subscription.done;
      expect(seen).toContain(id);
    });

    it('close() ends a follow still running', async () => {
      const own = makeEngine(transport);
      const subscription = own.watchContainerCreates(Date.now(), () => {});
      await new Promise((resolve) => setTimeout(resolve, 300));
      own.close();
      await expect(Promise.race([subscription.done.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('still running'), 5_000))])).resolves.toBe('ended');
    });
  });
});

describe('auto, with a socket and no docker CLI on PATH', () => {
  it('takes the API and works: lists, removes a dangling image, no docker process needed', async () => {
    const dangling = buildImage();
    const { engine, transport, description } = engineFromOptions({
      env: { PATH: '/nonexistent', HOME: '/nonexistent', DOCKER_HOST: privateHost() },
      onRequest: (request) => requests.push(request),
    });
    expect(transport).toBe('api');
    expect(description).toBe(`${privateHost()} (api)`);
    expect((await engine.listImages({ dangling: true })).map((image) => image.id)).toContain(dangling);
    const ref: ImageRef = { id: full(dangling) };
    expect((await engine.removeImages([ref])).get(ref)).toMatchObject({ kind: 'removed' });
    expect(imageExists(dangling)).toBe(false);
    engine.close();
  });
});

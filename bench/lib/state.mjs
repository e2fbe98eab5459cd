/**
 * Prepared states, made fast and identical for every procedure:
 * - N distinct tiny images are made once WITHOUT the builder: the base image is `docker save`d,
 *   and N image configs (the base's, each with its own label; with --layers also its own
 *   one-file layer) are written next to its layers under a manifest that names no tag.
 *   `docker load` of that tarball leaves N dangling images with the same IDs every time.
 *   (A legacy multi-stage build of 300 LABEL stages took 38 s on the reference machine;
 *   crafting + loading them takes about 1 s.)
 * - Containers running `sleep 3600` (busybox sleep as PID 1 ignores SIGTERM) are created and
 *   started through the Engine API on a kept-alive socket, 4 at a time (100 containers: ~7 s,
 *   against ~10.5 s for `docker run -d` processes 4 at a time).
 * Preparation is never timed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_IMAGE } from './engine.mjs';

/**
 * @typedef {object} SizeSpec
 * @property {string} name
 * @property {number} containers   containers running `sleep 3600`
 * @property {number} dangling     distinct dangling images
 * @property {number} inUse        of the dangling images, how many a container runs (one container each)
 */

/** @type {readonly SizeSpec[]} */
export const SIZES = [
  { name: 'small', containers: 1, dangling: 5, inUse: 1 },
  { name: 'medium', containers: 20, dangling: 50, inUse: 10 },
  { name: 'large', containers: 100, dangling: 300, inUse: 50 },
];

/** Label on every container the bench creates (besides the session label for docker-janitor). */
export const BENCH_LABEL = 'dj-bench';

/**
 * Write one tarball per dangling count. Image i has the same ID in every tarball. Without
 * `layers` each image is the base plus its own label (a config of its own, no layer of its own,
 * like the suite's LABEL-stage images); with `layers` each also gets its own one-file layer,
 * which makes `docker load` of 300 images take ~20 s instead of ~1 s here.
 * @param {import('./engine.mjs').Engine} engine
 * @param {number[]} counts
 * @param {{ layers?: boolean }} [options]
 * @returns {Map<number, { tar: string, ids: string[] }>}
 */
export function craftImageTarballs(engine, counts, options = {}) {
  const work = join(engine.dir, 'images');
  mkdirSync(work, { recursive: true });
  const baseTar = join(work, 'base.tar');
  engine.docker(['save', '-o', baseTar, BASE_IMAGE]);
  const created = new Date().toISOString(); // recent: the seed's `until=1h` prune keeps them, as after a real run
  /** @type {Map<number, { tar: string, ids: string[] }>} */
  const out = new Map();
  for (const count of [...new Set(counts)]) {
    const dir = join(work, `set-${count}`);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xf', baseTar, '-C', dir]);
    const [entry] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const base = JSON.parse(readFileSync(join(dir, entry.Config), 'utf8'));
    rmSync(join(dir, entry.Config));
    rmSync(join(dir, 'repositories'), { force: true });
    const manifest = [];
    const ids = [];
    for (let index = 0; index < count; index++) {
      const config = structuredClone(base);
      delete config.container;
      delete config.container_config;
      config.created = created;
      config.config.Labels = { 'dj-bench.image': String(index) };
      const layers = [...entry.Layers];
      if (options.layers) {
        // Its own one-file layer, like an image a test run builds (`RUN echo … > /unique`).
        const layer = tarOf('unique', `dj-bench image ${index}\n`);
        const layerHex = sha256(layer);
        mkdirSync(join(dir, layerHex), { recursive: true });
        writeFileSync(join(dir, layerHex, 'layer.tar'), layer);
        config.rootfs = { type: 'layers', diff_ids: [...base.rootfs.diff_ids, `sha256:${layerHex}`] };
        config.history = [...(config.history ?? []), { created, created_by: `/bin/sh -c echo ${index} > /unique` }];
        layers.push(`${layerHex}/layer.tar`);
      } else {
        config.history = [...(config.history ?? []), { created, created_by: `LABEL dj-bench.image=${index}`, empty_layer: true }];
      }
      const bytes = Buffer.from(JSON.stringify(config));
      const hex = sha256(bytes);
      writeFileSync(join(dir, `${hex}.json`), bytes);
      manifest.push({ Config: `${hex}.json`, RepoTags: null, Layers: layers });
      ids.push(`sha256:${hex}`);
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const tar = join(work, `images-${count}.tar`);
    execFileSync('tar', ['-cf', tar, '-C', dir, '.']);
    rmSync(dir, { recursive: true, force: true });
    out.set(count, { tar, ids });
  }
  rmSync(baseTar, { force: true });
  return out;
}

/**
 * Load the size's images and start its containers. Containers 0..inUse-1 run dangling image i,
 * the others run the base image. Returns container IDs in creation order (the seed's tracking order).
 * @param {import('./engine.mjs').Engine} engine
 * @param {SizeSpec} size
 * @param {{ tar: string, ids: string[] }} images
 * @param {Record<string, string>} labels
 */
export async function prepareState(engine, size, images, labels = {}) {
  engine.docker(['load', '-q', '-i', images.tar]);
  const ids = new Array(size.containers);
  let next = 0;
  const worker = async () => {
    while (next < size.containers) {
      const index = next++;
      const image = index < size.inUse ? images.ids[index] : BASE_IMAGE;
      const created = await engine.api('POST', '/containers/create', {
        Image: image,
        Cmd: ['sleep', '3600'],
        Labels: { [BENCH_LABEL]: '1', ...labels },
      });
      await engine.api('POST', `/containers/${created.Id}/start`);
      ids[index] = created.Id;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const dangling = new Set(engine.docker(['images', '--filter', 'dangling=true', '-q', '--no-trunc']).split('\n').filter(Boolean));
  const missing = images.ids.slice(0, size.dangling).filter((id) => !dangling.has(id));
  if (missing.length > 0) throw new Error(`prepared state for ${size.name}: ${missing.length} expected dangling image(s) missing`);
  const running = engine.docker(['ps', '-q', '--no-trunc', '--filter', `label=${BENCH_LABEL}`]).split('\n').filter(Boolean);
  if (running.length !== size.containers) throw new Error(`prepared state for ${size.name}: ${running.length} running containers, expected ${size.containers}`);
  return { containers: ids };
}

/**
 * What the engine holds: every container, every image (intermediate ones too), volumes, networks.
 * @param {import('./engine.mjs').Engine} engine
 */
export function snapshot(engine) {
  const lines = (args) => [...new Set(engine.docker(args).split('\n').filter(Boolean))].sort();
  return {
    containers: lines(['ps', '-aq', '--no-trunc']),
    images: lines(['images', '-aq', '--no-trunc']),
    volumes: lines(['volume', 'ls', '-q']),
    networks: lines(['network', 'ls', '-q', '--no-trunc']),
  };
}

/**
 * Differences between an end state and the expected one, as sentences. Empty when equal. Pure.
 * @param {ReturnType<typeof snapshot>} expected
 * @param {ReturnType<typeof snapshot>} actual
 */
export function diffSnapshots(expected, actual) {
  /** @type {string[]} */
  const problems = [];
  for (const key of /** @type {const} */ (['containers', 'images', 'volumes', 'networks'])) {
    const extra = actual[key].filter((id) => !expected[key].includes(id));
    const missing = expected[key].filter((id) => !actual[key].includes(id));
    if (extra.length > 0) problems.push(`${extra.length} ${key} left behind (${extra.slice(0, 3).map(short).join(', ')}${extra.length > 3 ? ', …' : ''})`);
    if (missing.length > 0) problems.push(`${missing.length} ${key} removed that should stay (${missing.slice(0, 3).map(short).join(', ')})`);
  }
  return problems;
}

/**
 * Bring the engine back to `baseline` after a procedure that did not (so later rounds start equal).
 * Never forces an image removal.
 * @param {import('./engine.mjs').Engine} engine
 * @param {ReturnType<typeof snapshot>} baseline
 */
export function restoreBaseline(engine, baseline) {
  const containers = engine.docker(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
  if (containers.length > 0) engine.docker(['rm', '-f', '-v', ...containers], { allowFailure: true });
  for (let pass = 0; pass < 5; pass++) {
    const extra = snapshot(engine).images.filter((id) => !baseline.images.includes(id));
    if (extra.length === 0) break;
    engine.docker(['image', 'rm', ...extra], { allowFailure: true });
  }
  const volumes = snapshot(engine).volumes.filter((name) => !baseline.volumes.includes(name));
  if (volumes.length > 0) engine.docker(['volume', 'rm', ...volumes], { allowFailure: true });
  const networks = snapshot(engine).networks.filter((id) => !baseline.networks.includes(id));
  if (networks.length > 0) engine.docker(['network', 'rm', ...networks], { allowFailure: true });
}

/** @param {Buffer} bytes */
function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A tar archive (ustar) holding one regular file, deterministic (mtime 0, root-owned).
 * @param {string} name @param {string} content
 */
export function tarOf(name, content) {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  const field = (offset, length, value) => header.write(value, offset, length, 'ascii');
  const octal = (offset, length, value) => field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, body.length);
  octal(136, 12, 0);
  header.fill(' ', 148, 156); // checksum counts as spaces while summing
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding, Buffer.alloc(1024)]);
}

function short(id) {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

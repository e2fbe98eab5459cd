/** Image operations. Image removal here never forces and only ever takes full `sha256:` IDs. */
import type { DockerClient, DockerResult } from './client.js';
import { isPruneAlreadyRunning } from './classify.js';
import type { LabelFilters } from './engine.js';
import { DockerCommandError } from './errors.js';
import { labelCheckFormat, parseLabelChecked } from './labels.js';
import { isFullImageId } from './refs.js';
import { CONTAINER_FORMAT, parseContainerLines, parseIdLines, parseImageIdLines, parseImageInspect, parseOutput, parsePruneOutput, type PruneOutput } from './parse.js';
import type { ContainerInfo, ImageInfo } from './types.js';

/**
 * How many IDs go into one docker call: 400 full IDs make a command line of about 29,000
 * characters, under Windows' 32,767 (Linux allows far more). Up to 400 images, every step is
 * one call whatever the count.
 */
export const BATCH_SIZE = 400;

/** Full IDs of dangling images (no tag; on Engine 20.10 this includes digest-only images). */
export async function listDanglingImageIds(docker: DockerClient): Promise<string[]> {
  const result = await docker.run(['image', 'ls', '--filter', 'dangling=true', '--quiet', '--no-trunc']);
  return parseOutput(result, parseImageIdLines);
}

/** Full IDs of all top-level images (tagged and dangling); with `all`, intermediate images too. */
export async function listImageIds(docker: DockerClient, options: { all?: boolean } = {}): Promise<string[]> {
  const result = await docker.run(['image', 'ls', ...(options.all ? ['--all'] : []), '--quiet', '--no-trunc']);
  return parseOutput(result, parseImageIdLines);
}

/** Inspect images in batches. Images that vanished meanwhile are simply absent from the answer. */
export async function inspectImages(docker: DockerClient, ids: readonly string[]): Promise<ImageInfo[]> {
  const images: ImageInfo[] = [];
  for (const batch of chunks(ids)) {
    const result = await docker.run(['image', 'inspect', ...batch], { allowFailure: true });
    if (result.exitCode !== 0 && !/no such (image|object)/i.test(result.stderr)) {
      throw new DockerCommandError(result.args, result.exitCode, result.stderr, false);
    }
    images.push(...parseOutput(result, parseImageInspect));
  }
  return images;
}

/** Every container on the engine (running, stopped, created), with the full ID of its image. */
export async function listContainers(docker: DockerClient, labels: LabelFilters = []): Promise<ContainerInfo[]> {
  const args = ['container', 'ls', '--all', '--no-trunc'];
  for (const label of labels) args.push('--filter', `label=${label}`);
  // With label filters, each container's labels are checked here too (labels.ts).
  const ids =
    labels.length > 0
      ? parseOutput(await docker.run([...args, '--format', labelCheckFormat('.ID', labels)]), (stdout) => parseLabelChecked(stdout, labels))
      : parseIdLines((await docker.run([...args, '--quiet'])).stdout);
  const containers: ContainerInfo[] = [];
  for (const batch of chunks(ids)) {
    const result = await docker.run(['container', 'inspect', '--format', CONTAINER_FORMAT, ...batch], {
      allowFailure: true,
    });
    if (result.exitCode !== 0 && !/no such (container|object)/i.test(result.stderr)) {
      throw new DockerCommandError(result.args, result.exitCode, result.stderr, false);
    }
    containers.push(...parseOutput(result, parseContainerLines));
  }
  return containers;
}

/**
 * Server-side prune of dangling images. `filters` are Docker prune filters (`until=3600s`,
 * `label=k=v`, `label!=k`). Never removes an image a container uses. Retries once when another
 * prune is already running.
 */
export async function pruneDanglingImages(docker: DockerClient, filters: readonly string[]): Promise<PruneOutput> {
  const args = ['image', 'prune', '--force', '--filter', 'dangling=true'];
  for (const filter of filters) args.push('--filter', filter);
  for (let attempt = 0; ; attempt++) {
    const result = await docker.run(args, { allowFailure: true });
    if (result.exitCode === 0) return parsePruneOutput(result.stdout);
    if (attempt < 5 && isPruneAlreadyRunning(result.stderr)) {
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      continue;
    }
    throw new DockerCommandError(result.args, result.exitCode, result.stderr, false);
  }
}

/**
 * `docker image rm ID…` without force, by full ID only. Docker goes on after an error and
 * reports every failure on stderr; the caller maps the answer back to the images.
 */
export async function removeImages(docker: DockerClient, ids: readonly string[]): Promise<DockerResult> {
  for (const id of ids) {
    if (!isFullImageId(id)) throw new TypeError(`refusing to remove image "${id}": not a full sha256: ID`);
  }
  // The daemon removes images one at a time: a large batch gets time in proportion.
  return docker.run(['image', 'rm', ...ids], { allowFailure: true, timeoutMs: Math.max(docker.timeoutMs, ids.length * 2_000) });
}

export function chunks<T>(items: readonly T[], size = BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

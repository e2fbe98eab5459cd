/**
 * Test-side access to the suite's private engine. Every helper refuses to run unless DOCKER_HOST
 * points at the engine the suite started (its directory carries the marker), so no test can
 * delete anything on a developer's own Docker.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import { createDockerClient, type DockerClient } from '../../src/docker/client.js';
import { BASE_IMAGE, isPrivateEngineDir } from './engine.js';

export { BASE_IMAGE };

export function privateHost(): string {
  const host = inject('dockerHost');
  const dir = dirname(host.replace(/^unix:\/\//, ''));
  if (!host.startsWith('unix://') || !isPrivateEngineDir(dir)) {
    throw new Error(`refusing to run against ${host}: not the suite's private engine`);
  }
  return host;
}

export function dockerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: privateHost(), DOCKER_CLI_HINTS: 'false' };
  delete env.DOCKER_CONTEXT;
  return env;
}

/** A client on the private engine that records every docker invocation. */
export function recordingClient(): { docker: DockerClient; commands: string[][] } {
  const commands: string[][] = [];
  const docker = createDockerClient({ host: privateHost(), onCommand: (args) => commands.push([...args]) });
  return { docker, commands };
}

/** Run docker on the private engine, synchronously; returns trimmed stdout. */
export function dockerSync(args: string[], options: { allowFailure?: boolean } = {}): string {
  try {
    return execFileSync('docker', args, { env: dockerEnv(), stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  } catch (error) {
    if (options.allowFailure) return '';
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`docker ${args.join(' ')} failed: ${stderr}`);
  }
}

/** Remove every container, network (but the defaults), volume and image except the base image. */
export function resetEngine(): void {
  const containers = dockerSync(['ps', '-aq']).split('\n').filter(Boolean);
  if (containers.length) dockerSync(['rm', '-f', '-v', ...containers]);
  const networks = dockerSync(['network', 'ls', '-q', '--filter', 'type=custom']).split('\n').filter(Boolean);
  if (networks.length) dockerSync(['network', 'rm', ...networks]);
  const volumes = dockerSync(['volume', 'ls', '-q']).split('\n').filter(Boolean);
  if (volumes.length) dockerSync(['volume', 'rm', ...volumes]);
  const base = imageId(BASE_IMAGE);
  for (;;) {
    const images = dockerSync(['images', '-aq', '--no-trunc'])
      .split('\n')
      .filter((id) => id && id !== base);
    const tags = dockerSync(['images', '--format', '{{.Repository}}:{{.Tag}}'])
      .split('\n')
      .filter((tag) => tag && !tag.includes('<none>') && tag !== BASE_IMAGE);
    if (tags.length) dockerSync(['rmi', ...tags], { allowFailure: true });
    if (!images.length) break;
    const before = images.length;
    dockerSync(['rmi', ...new Set(images)], { allowFailure: true });
    if (dockerSync(['images', '-aq']).split('\n').filter(Boolean).length >= before) break;
  }
}

let buildCounter = 0;

/**
 * Build an image FROM the base (or `from`) with a unique file, so every build is a new image.
 * Without `tag` the result is dangling. Returns the full ID.
 */
export function buildImage(options: { tag?: string | string[]; from?: string; labels?: Record<string, string> } = {}): string {
  const context = mkdtempSync(join(tmpdir(), 'dj-build-'));
  try {
    const unique = `${process.pid}-${Date.now()}-${buildCounter++}-${Math.random()}`;
    writeFileSync(join(context, 'Dockerfile'), `FROM ${options.from ?? BASE_IMAGE}\nRUN echo ${unique} > /unique\n`);
    const args = ['build', '-q'];
    for (const tag of [options.tag ?? []].flat()) args.push('-t', tag);
    for (const [key, value] of Object.entries(options.labels ?? {})) args.push('--label', `${key}=${value}`);
    return dockerSync([...args, context]);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export function imageId(reference: string): string {
  return dockerSync(['image', 'inspect', '--format', '{{.Id}}', reference], { allowFailure: true });
}

export function imageExists(id: string): boolean {
  return imageId(id) !== '';
}

export function danglingIds(): string[] {
  return dockerSync(['images', '--filter', 'dangling=true', '-q', '--no-trunc']).split('\n').filter(Boolean);
}

/** A long-running container (busybox sleep ignores SIGTERM as PID 1). */
export function runContainer(image: string, extra: string[] = []): string {
  return dockerSync(['run', '-d', ...extra, image, 'sleep', '3600']);
}

export function createContainer(image: string, extra: string[] = []): string {
  return dockerSync(['create', ...extra, image, 'sleep', '3600']);
}

export function containerState(id: string): string {
  return dockerSync(['inspect', '--format', '{{.State.Status}}', id], { allowFailure: true });
}

/** Untag `ref` so the image becomes dangling (a rebuild of a tag does the same). */
export function untag(ref: string): void {
  dockerSync(['rmi', ref]);
}

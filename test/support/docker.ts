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
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { REPO_ROOT, buildBaseImage } from './engine.js';

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

// ---------------------------------------------------------------------------------------------
// Cleaner integration helpers: look at the engine directly, check recorded commands, a local
// registry for digest-only images, and extra private engines for fault tests.
// ---------------------------------------------------------------------------------------------

/** One image as the engine shows it (`docker images -a` + inspect), intermediate images included. */
export interface EngineImage {
  readonly id: string;
  readonly tags: string[];
  readonly digests: string[];
  readonly parent: string | undefined;
}

/** Every image on the private engine, read straight from `docker image inspect`. */
export function engineImages(): EngineImage[] {
  return imagesVia(dockerSync);
}

/** One container as the engine shows it. */
export interface EngineContainer {
  readonly id: string;
  readonly imageId: string;
  readonly status: string;
}

/** Every container on the private engine, any state, with the full ID of its image. */
export function engineContainers(): EngineContainer[] {
  return containersVia(dockerSync);
}

const FULL_ID = /^sha256:[0-9a-f]{64}$/;

/**
 * Every way recorded docker invocations break the cleaner's promises: an image removal that
 * forces or names anything but full `sha256:` IDs, or any command that removes containers or
 * prunes the whole system. Empty when all is well.
 */
/** The cleaner's temporary references (src/cleaner/temporary.ts). */
const TEMPORARY_REF = /^docker-janitor-remove:[a-z0-9][a-z0-9._-]*$/;

export function unsafeImageRemovals(commands: ReadonlyArray<readonly string[]>): string[] {
  const problems: string[] = [];
  for (const args of commands) {
    const line = `docker ${args.join(' ')}`;
    const [a, b] = args;
    const operands = a === 'rmi' ? args.slice(1) : a === 'image' && (b === 'rm' || b === 'remove') ? args.slice(2) : undefined;
    if (operands) {
      if (operands.length === 0) problems.push(`${line}: image removal without IDs`);
      for (const operand of operands) {
        if (operand === '--force' || operand === '-f' || /^--force=/.test(operand) || /^-[a-z]*f/.test(operand)) {
          problems.push(`${line}: forced image removal`);
        } else if (!FULL_ID.test(operand) && !TEMPORARY_REF.test(operand)) {
          problems.push(`${line}: "${operand}" is neither a full sha256: image ID nor the cleaner's own temporary reference`);
        }
      }
    }
    // The cleaner tags only with its own temporary references, and only full IDs.
    if (a === 'image' && b === 'tag') {
      const [source, target] = args.slice(2);
      if (!source || !FULL_ID.test(source) || !target || !TEMPORARY_REF.test(target)) problems.push(`${line}: tags something other than a full ID with a temporary reference`);
    }
    if (a === 'rm' || (a === 'container' && (b === 'rm' || b === 'prune')) || (a === 'system' && b === 'prune')) {
      problems.push(`${line}: the image cleaner must not touch containers or prune the system`);
    }
  }
  return problems;
}

/** A client on the private engine that records every invocation and calls `hook` before each. */
export function hookedClient(
  hook: (args: readonly string[]) => void,
  options: { timeoutMs?: number } = {},
): { docker: DockerClient; commands: string[][] } {
  const commands: string[][] = [];
  const docker = createDockerClient({
    host: privateHost(),
    ...options,
    onCommand: (args) => {
      commands.push([...args]);
      hook(args);
    },
  });
  return { docker, commands };
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export const REGISTRY_BIN = process.env.DOCKER_JANITOR_REGISTRY_BIN ?? '/usr/bin/docker-registry';

/** A throwaway image registry (Debian's `docker-registry`) on 127.0.0.1, storage in a temp dir. */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`: Docker treats 127.0.0.0/8 registries as insecure (plain HTTP) by default. */
  readonly address: string;
  stop(): void;
}

export async function startRegistry(): Promise<LocalRegistry> {
  if (!existsSync(REGISTRY_BIN)) {
    throw new Error(
      `digest-only image tests need a local registry: ${REGISTRY_BIN} not found. Install it with: apt-get install -y --no-install-recommends docker-registry`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'dj-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${address}`,
      '',
    ].join('\n'),
  );
  const log = openSync(join(dir, 'registry.log'), 'w');
  const child = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', log, log] });
  closeSync(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = () => {
    if (!exited) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`http://${address}/v2/`);
      if (response.ok) return { address, stop };
    } catch {
      // not listening yet
    }
    if (exited) break;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  const output = readFileSync(join(dir, 'registry.log'), 'utf8');
  stop();
  throw new Error(`docker-registry did not start on ${address}:\n${output}`);
}

/**
 * Make a real digest-only image, like a kind node image pulled by digest: build a unique image
 * tagged `ADDRESS/NAME:1`, push it, remove the tag (which deletes the image), pull it back by
 * digest. The result has no tag and one RepoDigest. Returns its ID and the digest reference.
 */
export function makeDigestOnlyImage(
  registry: LocalRegistry,
  options: { name?: string; labels?: Record<string, string> } = {},
): { id: string; digestRef: string } {
  const ref = `${registry.address}/${options.name ?? 'dj-digested'}:1`;
  const id = buildImage({ tag: ref, ...(options.labels ? { labels: options.labels } : {}) });
  const pushed = dockerSync(['push', ref]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (!digest) throw new Error(`no digest in docker push output:\n${pushed}`);
  dockerSync(['rmi', ref]);
  const digestRef = `${ref.replace(/:1$/, '')}@${digest}`;
  dockerSync(['pull', '-q', digestRef]);
  return { id, digestRef };
}

/** An extra private engine (scripts/test-engine.sh) in a temp dir of its own, for fault tests. */
export interface ExtraEngine {
  readonly dir: string;
  readonly host: string;
  /** Run docker against this engine, synchronously; returns trimmed stdout. */
  docker(args: string[], options?: { allowFailure?: boolean }): string;
  /** Stop the daemon (synchronous: it is gone when this returns). */
  stop(): void;
  /** Start it again on the same data. */
  start(): void;
  /** Stop it and remove its directory. Safe to call more than once. */
  dispose(): void;
}

export function startExtraEngine(): ExtraEngine {
  const dir = mkdtempSync(join(tmpdir(), 'dj-extra-engine-'));
  const host = `unix://${join(dir, 'docker.sock')}`;
  const script = join(REPO_ROOT, 'scripts/test-engine.sh');
  const start = () => {
    try {
      execFileSync('bash', [script, 'start', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new Error(`could not start an extra private engine: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
    }
  };
  const stop = () => execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore' });
  const docker = (args: string[], options: { allowFailure?: boolean } = {}) => {
    if (!isPrivateEngineDir(dir)) throw new Error(`refusing to run against ${host}: not a private engine`);
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CLI_HINTS: 'false' };
    delete env.DOCKER_CONTEXT;
    try {
      return execFileSync('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
    } catch (error) {
      if (options.allowFailure) return '';
      throw new Error(`docker ${args.join(' ')} failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? ''}`);
    }
  };
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    try {
      stop();
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  };
  try {
    start();
    buildBaseImage(host);
  } catch (error) {
    dispose();
    throw error;
  }
  return { dir, host, docker, stop, start, dispose };
}

/**
 * Fill an engine with `count` distinct dangling images in ONE legacy build: every stage of a
 * multi-stage Dockerfile but the last is left behind untagged. LABEL-only stages run no
 * container, so a few hundred take seconds. Returns the dangling IDs.
 */
export function fillWithDanglingImages(run: (args: string[]) => string, count: number): string[] {
  const context = mkdtempSync(join(tmpdir(), 'dj-fill-'));
  try {
    const unique = `${process.pid}-${Date.now()}-${Math.random()}`;
    const stages: string[] = [];
    for (let index = 0; index < count; index++) stages.push(`FROM ${BASE_IMAGE}\nLABEL dj.fill="${unique}" dj.stage="${index}"`);
    writeFileSync(join(context, 'Dockerfile'), `${stages.join('\n')}\n`);
    const finalId = run(['build', '-q', context]);
    // The last stage is the build's result: dangling too (no tag). Keep every stage.
    return run(['images', '--filter', 'dangling=true', '--filter', `label=dj.fill=${unique}`, '-q', '--no-trunc'])
      .split('\n')
      .filter(Boolean)
      .concat([finalId])
      .filter((id, index, all) => all.indexOf(id) === index);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** `engineImages` for any docker runner (the private engine or an extra one). */
export function imagesVia(run: (args: string[]) => string): EngineImage[] {
  const ids = [...new Set(run(['images', '-aq', '--no-trunc']).split('\n').filter(Boolean))];
  if (ids.length === 0) return [];
  const raw = JSON.parse(run(['image', 'inspect', ...ids])) as Array<{
    Id: string;
    RepoTags?: string[] | null;
    RepoDigests?: string[] | null;
    Parent?: string;
  }>;
  return raw.map((item) => ({
    id: item.Id,
    tags: (item.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>'),
    digests: (item.RepoDigests ?? []).filter((digest) => digest !== '<none>@<none>'),
    parent: item.Parent ? item.Parent : undefined,
  }));
}

/** `engineContainers` for any docker runner. */
export function containersVia(run: (args: string[]) => string): EngineContainer[] {
  const ids = run(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return run(['inspect', '--format', '{{.Id}} {{.Image}} {{.State.Status}}', ...ids])
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', imageId = '', status = ''] = line.split(' ');
      return { id, imageId, status };
    });
}

/**
 * Make the image `ref` names dangling the way a rebuild of the tag does: move the tag away
 * (onto the base image), then drop it there. Unlike `docker rmi ref` this never deletes the
 * image (rmi of an image's last tag deletes it unless it has children).
 */
export function makeDangling(ref: string): void {
  dockerSync(['tag', BASE_IMAGE, ref]);
  dockerSync(['rmi', ref]);
}

/**
 * Faults, for real: the docker CLI missing, no engine at the host, the engine stopped in the
 * middle of a sweep (a second private engine this file starts and stops itself), and a call
 * that never gets an answer (a unix socket server here that accepts and stays silent).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanImages } from '../../../src/cleaner/clean.js';
import { createCliEngine } from '../../../src/docker/cli-engine.js';
import { createApiEngine } from '../../../src/docker/api/engine.js';
import { DockerNotInstalledError, DockerTimeoutError, DockerUnreachableError } from '../../../src/docker/errors.js';
import { imageCleanOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import {
  buildImage,
  danglingIds,
  fillWithDanglingImages,
  privateHost,
  resetEngine,
  startExtraEngine,
  type ExtraEngine,
} from '../../support/docker.js';
import { unsafeCalls } from '../../support/engines.js';
import { REPO_ROOT } from '../../support/engine.js';

const defaults = () => parseOptions(imageCleanOptionsSchema, {});
const sorted = (ids: Iterable<string>) => [...ids].sort();
const isImageRemoval = (args: readonly string[]) => args[0] === 'image' && args[1] === 'rm';
const isTag = (args: readonly string[]) => args[0] === 'image' && args[1] === 'tag';

describe('Docker not there', () => {
  beforeAll(() => resetEngine());

  it('the CLI missing: DockerNotInstalledError naming the path tried, nothing touched', async () => {
    const image = buildImage();
    const dockerPath = '/nonexistent/docker-janitor-test/docker';
    const engine = createCliEngine({ dockerPath, host: privateHost() });

    const error = await cleanImages(engine, defaults()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DockerNotInstalledError);
    expect((error as DockerNotInstalledError).dockerPath).toBe(dockerPath);
    expect((error as Error).message).toContain(dockerPath);
    expect(danglingIds()).toEqual([image]);
  });

  it('the engine unreachable: DockerUnreachableError naming the host tried', async () => {
    const host = 'unix:///nonexistent.sock';
    const engine = createCliEngine({ host });

    const error = await cleanImages(engine, defaults()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect((error as DockerUnreachableError).host).toBe(host);
    expect((error as Error).message).toContain(host);
  });
});

describe('a hung call', () => {
  let dir: string;
  let server: Server;
  const connections: Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dj-hang-'));
    server = createServer((socket) => {
      // Accept, read, never answer.
      connections.push(socket);
      socket.on('error', () => {});
      socket.resume();
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'hang.sock'), resolve));
  });

  afterAll(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['cli', 'api'] as const)('%s: times out with DockerTimeoutError naming the request instead of hanging', async (transport) => {
    const host = `unix://${join(dir, 'hang.sock')}`;
    const engine =
      transport === 'cli'
        ? createCliEngine({ host, timeoutMs: 1_500 })
        : createApiEngine({ target: { kind: 'unix', socketPath: join(dir, 'hang.sock') }, endpoint: host, timeoutMs: 1_500 });

    const error = await cleanImages(engine, defaults()).catch((caught: unknown) => caught);
    engine.close();

    expect(error).toBeInstanceOf(DockerTimeoutError);
    expect((error as DockerTimeoutError).timeoutMs).toBe(1_500);
    expect((error as Error).message).toContain(host);
    // It really talked to the silent server.
    expect(connections.length).toBeGreaterThan(0);
  });
});

describe('the engine stopped in the middle of a sweep', () => {
  let extra: ExtraEngine | undefined;

  beforeAll(() => {
    extra = startExtraEngine();
  });

  afterAll(() => {
    extra?.dispose();
  });

  function engine(): ExtraEngine {
    if (!extra) throw new Error('extra engine not started');
    if (extra.docker(['version', '--format', '{{.Server.Version}}'], { allowFailure: true }) === '') extra.start();
    return extra;
  }

  const danglingOn = (target: ExtraEngine) =>
    target.docker(['images', '--filter', 'dangling=true', '-q', '--no-trunc']).split('\n').filter(Boolean);

  /** A client on the extra engine that stops it (synchronously) right before the n-th matching command. */
  function stoppingClient(target: ExtraEngine, matches: (args: readonly string[]) => boolean, nth = 1) {
    const commands: string[][] = [];
    let seen = 0;
    let stopped = false;
    const docker = createCliEngine({
      host: target.host,
      onCommand: (args) => {
        commands.push([...args]);
        if (matches(args) && ++seen === nth && !stopped) {
          target.stop();
          stopped = true;
        }
      },
    });
    return { docker, commands, wasStopped: () => stopped };
  }

  it('stopped as the first tag is made: every image reported unknown (Docker cannot be asked again), no throw, nothing lost', async () => {
    const target = engine();
    const ids = fillWithDanglingImages((args) => target.docker(args), 5);
    expect(sorted(danglingOn(target))).toEqual(sorted(ids));
    const { docker, commands, wasStopped } = stoppingClient(target, isTag);

    const result = await cleanImages(docker, defaults());

    expect(wasStopped()).toBe(true);
    expect(result.removed).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(sorted((result.unknown ?? []).map((item) => item.id))).toEqual(sorted(ids));
    expect(unsafeCalls(commands.map((args) => `docker ${args.join(' ')}`))).toEqual([]);

    target.start();
    expect(sorted(danglingOn(target))).toEqual(sorted(ids));
  });

  it('stopped as the removal starts: reported unknown; the temporary references stay and the next clean removes them', async () => {
    const target = engine();
    target.docker(['image', 'prune', '--force']);
    const ids = fillWithDanglingImages((args) => target.docker(args), 5);
    const { docker, commands, wasStopped } = stoppingClient(target, isImageRemoval);

    const result = await cleanImages(docker, defaults());

    expect(wasStopped()).toBe(true);
    expect(result.removed).toEqual([]);
    expect(result.failed).toEqual([]);
    expect(sorted((result.unknown ?? []).map((item) => item.id))).toEqual(sorted(ids));
    for (const item of result.unknown ?? []) expect(item.message).toMatch(/not reachable/);
    expect(unsafeCalls(commands.map((args) => `docker ${args.join(' ')}`))).toEqual([]);

    target.start();
    // Tagged with our temporary references, they are not dangling any more ...
    expect(danglingOn(target)).toEqual([]);
    const tags = target.docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').filter((tag) => tag.startsWith('docker-janitor-remove:'));
    expect(tags).toHaveLength(ids.length);
    // ... and the next clean recognises them and finishes the job.
    const next = await cleanImages(createCliEngine({ host: target.host }), defaults());
    expect(sorted(next.removed.filter((item) => !item.withChild).map((item) => item.id))).toEqual(sorted(ids));
    for (const id of ids) expect(target.docker(['image', 'inspect', id], { allowFailure: true })).toBe('');
  });

  it('stopped part-way through the batched removal (CLI): what Docker deleted is reported removed, the rest unknown', async () => {
    const target = engine();
    target.docker(['image', 'prune', '--force']);
    const ids = fillWithDanglingImages((args) => target.docker(args), 4);
    // A docker that passes the first reference of the batch to the real CLI, then stops the
    // engine, then passes the rest: the real `docker image rm` output of an engine that dies mid-batch.
    const wrapperDir = mkdtempSync(join(tmpdir(), 'dj-midbatch-'));
    const wrapper = join(wrapperDir, 'docker');
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        'if [ "$1" = image ] && [ "$2" = rm ] && [ $# -gt 3 ]; then',
        '  first=$3; shift 3',
        '  docker image rm "$first" || exit 1',
        `  bash ${JSON.stringify(join(REPO_ROOT, 'scripts/test-engine.sh'))} stop ${JSON.stringify(target.dir)} >/dev/null 2>&1`,
        '  exec docker image rm "$@"',
        'fi',
        'exec docker "$@"',
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
    try {
      const result = await cleanImages(createCliEngine({ host: target.host, dockerPath: wrapper }), defaults());

      expect(result.removed.filter((item) => !item.withChild)).toHaveLength(1);
      expect(result.failed).toEqual([]);
      expect(result.unknown ?? []).toHaveLength(ids.length - 1);
      for (const item of result.unknown ?? []) expect(item.message).toMatch(/not reachable/);
      target.start();
      const left = ids.filter((id) => target.docker(['image', 'inspect', id], { allowFailure: true }) !== '');
      // The report is the truth: removed means gone; unknown ones (Docker could not be asked) are still there here.
      expect(sorted(left)).toEqual(sorted((result.unknown ?? []).map((item) => item.id)));
      expect(result.removed.every((item) => !left.includes(item.id))).toBe(true);
    } finally {
      rmSync(wrapperDir, { recursive: true, force: true });
    }
  });
});

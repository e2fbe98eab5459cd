/**
 * The circuit breaker covers the whole engine object, on both transports: after one request (or
 * docker command) got no answer in time, every later call of the same engine fails at once
 * ("not sent", typed: nothing goes out, so no call waits a timeout of its own), whatever step
 * it belongs to; a fresh engine asks again. A hung local
 * socket stands in for a frozen dockerd (API); a fake docker CLI that hangs, for the CLI.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiEngine } from '../../../src/docker/api/engine.js';
import { createCliEngine } from '../../../src/docker/cli-engine.js';
import { DockerNotSentError, DockerTimeoutError } from '../../../src/docker/errors.js';
import { startHttpEngine, stopHttpEngines, type HttpEngine } from '../../support/http-engine.js';

// Long enough that a loaded machine (a worker stalled for a few hundred ms) never times out a
// request the fake answers at once; what is measured is counted in timeouts, not in milliseconds.
const TIMEOUT = 1_000;
const dirs: string[] = [];

afterEach(async () => {
  await stopHttpEngines();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dj-breaker-'));
  dirs.push(dir);
  return dir;
}

/** Answers `/_ping` and the listings (empty); every removal hangs. Counts what reaches it. */
async function hangingRemovals(): Promise<HttpEngine> {
  const engine = await startHttpEngine();
  engine.hang(/^(?!GET )/); // frozen for everything but GET: never answers
  return engine;
}

describe('API engine', () => {
  it('after a removal timed out, later removals and listings of the same engine are not sent and fail at once', async () => {
    const fake = await hangingRemovals();
    const target = { kind: 'unix' as const, socketPath: fake.socketPath };
    const engine = createApiEngine({ target, endpoint: 'unix://fake', timeoutMs: TIMEOUT });
    const containers = await engine.removeContainers(['c1', 'c2'], { stopTimeoutSeconds: 0 });
    expect([...containers.values()]).toEqual([
      { kind: 'failed', noAnswer: true, message: expect.stringMatching(/^no answer in time: it may still happen \(The Docker engine at unix:\/\/fake did not answer DELETE/) },
      { kind: 'failed', noAnswer: true, message: expect.any(String) },
    ]);
    const sent = fake.seen.length;

    const [networks, volumes] = await Promise.all([engine.removeNetworks(['n1']), engine.removeVolumes(['v1', 'v2'])]);
    const listing = await engine.listImages({ all: true }).catch((error: unknown) => error);
    const pinged = await engine.ping().catch((error: unknown) => error);

    const notSent = { kind: 'failed', notSent: true, message: 'not sent: the Docker engine at unix://fake did not answer in time' };
    expect([...networks.values()]).toEqual([notSent]);
    expect([...volumes.values()]).toEqual([notSent, notSent]);
    expect(listing).toBeInstanceOf(DockerNotSentError);
    expect(listing).toBeInstanceOf(DockerTimeoutError); // unreachable: exit 3, "Docker unavailable"
    expect((listing as DockerNotSentError).code).toBe('DOCKER_UNREACHABLE');
    expect((listing as DockerNotSentError).first.request).toMatch(/^DELETE \/v1\.41\/containers\//);
    expect(pinged).toBeInstanceOf(DockerNotSentError);
    expect(fake.seen.length).toBe(sent);
    engine.close();

    // A fresh engine (the next teardown, sweep or watchdog try) asks again.
    const fresh = createApiEngine({ target, endpoint: 'unix://fake', timeoutMs: TIMEOUT });
    await expect(fresh.listImages()).resolves.toEqual([]);
    fresh.close();
  });

  it('a listing that timed out trips it too: the removals after it are outcomes, not sent', async () => {
    const fake = await startHttpEngine();
    fake.hang(/^(?!GET \/_ping$)/); // only /_ping is answered
    const { socketPath } = fake;
    const requests = () => fake.seen.length;
    const engine = createApiEngine({ target: { kind: 'unix', socketPath }, endpoint: 'unix://fake', timeoutMs: TIMEOUT });
    await expect(engine.listContainers()).rejects.toThrow(new RegExp(`did not answer GET /v1\\.41/containers/json within ${TIMEOUT} ms`));
    const seen = requests();
    const answers = await engine.removeImages([{ reference: 'docker-janitor-remove:a' }]);
    expect([...answers.values()]).toEqual([expect.objectContaining({ kind: 'failed', notSent: true })]);
    expect(requests()).toBe(seen);
    engine.close();
  });
});

describe('CLI engine', () => {
  /** A docker CLI whose `rm` commands hang; everything else prints nothing and exits 0. */
  function hangingCli(): { path: string } {
    const path = join(tempDir(), 'docker');
    writeFileSync(path, '#!/bin/sh\nfor a in "$@"; do [ "$a" = rm ] && exec sleep 1000; done\nexit 0\n');
    chmodSync(path, 0o755);
    return { path };
  }

  it('after a command timed out, later commands of the same engine are not run and fail at once', async () => {
    const fake = hangingCli();
    const commands: string[] = [];
    const engine = createCliEngine({ dockerPath: fake.path, timeoutMs: TIMEOUT, onCommand: (args) => commands.push(args.slice(0, 2).join(' ')) });
    await expect(engine.removeContainers(['c1'], { stopTimeoutSeconds: 0 })).rejects.toBeInstanceOf(DockerTimeoutError);
    const ran = commands.length;

    const errors = await Promise.all([
      engine.removeNetworks(['n1']).catch((error: unknown) => error),
      engine.listContainers().catch((error: unknown) => error),
      engine.listImages().catch((error: unknown) => error),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(DockerNotSentError);
      expect((error as Error).message).toMatch(/^not sent: the Docker engine at .* did not answer in time$/);
    }
    expect(commands.length).toBe(ran);

    const fresh = createCliEngine({ dockerPath: fake.path, timeoutMs: TIMEOUT, onCommand: (args) => commands.push(args.slice(0, 2).join(' ')) });
    await expect(fresh.listNetworks([])).resolves.toEqual([]);
    expect(commands.length).toBe(ran + 1);
  });

  it('a scope has a breaker of its own: the engine\'s timeout does not stop it, its own stops only it', async () => {
    const fake = hangingCli();
    const commands: string[] = [];
    const engine = createCliEngine({ dockerPath: fake.path, timeoutMs: TIMEOUT, onCommand: (args) => commands.push(args.slice(0, 2).join(' ')) });
    await expect(engine.removeVolumes(['v1'])).rejects.toBeInstanceOf(DockerTimeoutError);
    await expect(engine.listNetworks([])).rejects.toBeInstanceOf(DockerNotSentError);

    const scope = engine.scope();
    await expect(scope.listNetworks([])).resolves.toEqual([]);
    await expect(scope.removeNetworks(['n1'])).rejects.toBeInstanceOf(DockerTimeoutError);
    await expect(scope.listVolumes([])).rejects.toBeInstanceOf(DockerNotSentError);
    await expect(engine.scope().listVolumes([])).resolves.toEqual([]);
    expect(commands).toEqual(['volume rm', 'network ls', 'network rm', 'volume ls']);
  });
});

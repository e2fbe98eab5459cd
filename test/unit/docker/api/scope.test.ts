/**
 * `engine.scope()` over the Engine API: a scope shares the engine's kept-alive connection and
 * the API version negotiated (no second `/_ping`, no new connection), and has a circuit breaker
 * of its own: a request that timed out in the engine or in one scope sends nothing more from
 * there, and leaves every other scope asking. A fake engine on a unix socket; no dockerd.
 */
import { afterEach, expect, it } from 'vitest';
import { createApiEngine } from '../../../../src/docker/api/engine.js';
import { DockerNotSentError, DockerTimeoutError } from '../../../../src/docker/errors.js';
import { startHttpEngine, stopHttpEngines, type HttpEngine as Fake } from '../../../support/http-engine.js';

// Long enough that a loaded machine (a worker stalled for a few hundred ms) never times out a
// request the fake answers at once; what is measured is counted in timeouts, not in milliseconds.
const TIMEOUT = 1_000;

afterEach(stopHttpEngines);

/** Answers `/_ping` (API 1.41, or `maxVersion`) and every listing with an empty one; `hang` freezes some requests. */
const fakeEngine = (options: { maxVersion?: string } = {}) => startHttpEngine(options);

const engineOn = (fake: Fake, paths?: string[]) =>
  createApiEngine({
    target: { kind: 'unix', socketPath: fake.socketPath },
    endpoint: 'unix://fake',
    timeoutMs: TIMEOUT,
    ...(paths ? { onRequest: (request: { path: string }) => paths.push(request.path) } : {}),
  });

it('a scope uses the engine\'s connection and negotiated version: one /_ping, one connection', async () => {
  const fake = await fakeEngine();
  const paths: string[] = [];
  const engine = engineOn(fake, paths);
  await engine.listImages({ all: true });
  const scope = engine.scope();
  await scope.listContainers();
  await scope.listNetworks([]);
  scope.close();
  // Closing a scope leaves the engine's connection: the next scope still uses it.
  await engine.scope().listVolumes([]);
  expect(fake.seen).toEqual(['GET /_ping', 'GET /images/json', 'GET /containers/json', 'GET /networks', 'GET /volumes']);
  expect(paths.filter((path) => path !== '/_ping').every((path) => path.startsWith('/v1.41/'))).toBe(true);
  expect(fake.connections()).toBe(1);
  engine.close();
});

it('a timeout at setup (the engine) does not stop a scope: it asks again', async () => {
  const fake = await fakeEngine();
  const engine = engineOn(fake);
  fake.hang(/^GET \/images\/json$/);
  await expect(engine.listImages({ all: true })).rejects.toBeInstanceOf(DockerTimeoutError);
  await expect(engine.listContainers()).rejects.toBeInstanceOf(DockerNotSentError);
  fake.hang(undefined);

  const scope = engine.scope();
  await expect(scope.listImages({ all: true })).resolves.toEqual([]);
  await expect(scope.listContainers()).resolves.toEqual([]);
  // The engine's own breaker stays tripped: what it was asked after the timeout is not sent.
  await expect(engine.listNetworks([])).rejects.toBeInstanceOf(DockerNotSentError);
  engine.close();
});

it('a timeout in one scope stops that scope only: one timeout each, nothing more sent from it', async () => {
  const fake = await fakeEngine();
  const engine = engineOn(fake);
  await engine.ping();
  fake.hang(/^\S+ \/containers\//);

  const first = engine.scope();
  const started = performance.now();
  const answers = await first.removeContainers(['c1', 'c2'], { stopTimeoutSeconds: 0 });
  expect([...answers.values()].map((answer) => answer.kind === 'failed' && answer.noAnswer)).toEqual([true, true]);
  const sent = fake.seen.length;
  const [networks, listing] = await Promise.all([first.removeNetworks(['n1']), first.listVolumes([]).catch((error: unknown) => error)]);
  expect([...networks.values()]).toEqual([expect.objectContaining({ kind: 'failed', notSent: true })]);
  expect(listing).toBeInstanceOf(DockerNotSentError);
  expect(fake.seen.length).toBe(sent);
  expect(performance.now() - started).toBeLessThan(TIMEOUT * 2.5);

  // The next scope (the next teardown or rerun) asks afresh, and costs one timeout of its own.
  const second = engine.scope();
  await expect(second.listVolumes([])).resolves.toEqual([]);
  const again = await second.removeContainers(['c3'], { stopTimeoutSeconds: 0 });
  expect([...again.values()]).toEqual([expect.objectContaining({ kind: 'failed', noAnswer: true })]);
  await expect(second.listNetworks([])).rejects.toBeInstanceOf(DockerNotSentError);
  // The engine itself was not tripped by its scopes.
  await expect(engine.listNetworks([])).resolves.toEqual([]);
  expect(fake.seen.filter((line) => line === 'GET /_ping')).toHaveLength(1);
  engine.close();
});

it('a ping that timed out trips every scope that waited on it, and the next scope pings again', async () => {
  const fake = await fakeEngine();
  const engine = engineOn(fake);
  fake.hang(/^\S+ \/_ping$/);
  const [a, b] = [engine.scope(), engine.scope()];
  const errors = await Promise.all([a.listImages().catch((error: unknown) => error), b.listContainers().catch((error: unknown) => error)]);
  expect(errors.every((error) => error instanceof DockerTimeoutError)).toBe(true);
  await expect(b.listNetworks([])).rejects.toBeInstanceOf(DockerNotSentError);
  expect(fake.seen).toEqual(['GET /_ping']);
  fake.hang(undefined);
  await expect(engine.scope().listNetworks([])).resolves.toEqual([]);
  expect(fake.seen).toEqual(['GET /_ping', 'GET /_ping', 'GET /networks']);
  engine.close();
});

it('an engine replaced by an older one since the version was negotiated: moves down to the maximum it names', async () => {
  const fake = await fakeEngine({ maxVersion: '1.45' });
  const paths: string[] = [];
  const engine = engineOn(fake, paths);
  await engine.ping(); // negotiates 1.45
  // The daemon is now an older one (a downgrade during the run): it refuses 1.45.
  const older = await fakeEngineSwap(fake, '1.41');
  await expect(engine.scope().listContainers()).resolves.toEqual([]);
  await expect(engine.scope().listNetworks([])).resolves.toEqual([]);
  // (The first try may go out twice: the kept-alive connection to the old engine is retried once on a new one.)
  expect(paths.map((path) => path.replace(/\?.*$/, '')).slice(-3)).toEqual(['/v1.45/containers/json', '/v1.41/containers/json', '/v1.41/networks']);
  expect(older.seen).toEqual(['GET /containers/json', 'GET /containers/json', 'GET /networks']);
  engine.close();
});

/** The same socket path, now served by an engine whose maximum is `maxVersion`. */
async function fakeEngineSwap(old: Fake, maxVersion: string): Promise<Fake> {
  await old.stop();
  return startHttpEngine({ maxVersion, socketPath: old.socketPath });
}

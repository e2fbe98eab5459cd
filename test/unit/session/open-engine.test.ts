/**
 * One engine per session: setup, teardown and each cleanObjects() share its connection and the
 * API version negotiated at setup (one `/_ping` in all), and each cleanup has a circuit breaker
 * of its own (`engine.scope()`): a timeout at setup or in one watch-mode rerun does not fail the
 * next cleanup unasked, and a frozen engine costs each cleanup one timeout. A fake engine on a
 * unix socket; no dockerd, no watchdog.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSession } from '../../../src/session/open.js';
import { startHttpEngine, stopHttpEngines, type HttpEngine } from '../../support/http-engine.js';

// Long enough that a loaded machine (a worker stalled for a few hundred ms) never times out a
// request the fake answers at once; what is measured is counted in timeouts, not in milliseconds.
const TIMEOUT = 1_000;
const hex = (n: number) => n.toString(16).padStart(64, '0');
const dirs: string[] = [];

afterEach(async () => {
  await stopHttpEngines();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * Answers `/_ping` (1.41), the listings and removals; the session's label listing of containers
 * names one container carrying the session's label, so that teardown has something to remove.
 */
async function fakeEngine(): Promise<HttpEngine & { readonly env: NodeJS.ProcessEnv }> {
  const engine = await startHttpEngine({
    answer: (request, response, path, url) => {
      const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] };
      const label = (filters.label ?? []).find((entry) => entry.startsWith('docker-janitor.session='));
      if (request.method === 'DELETE') {
        response.writeHead(204);
        response.end();
        return true;
      }
      if (path !== '/containers/json' || !label) return false;
      const at = label.indexOf('=');
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify([{ Id: hex(1), ImageID: `sha256:${hex(99)}`, Names: ['/c1'], State: 'running', Labels: { [label.slice(0, at)]: label.slice(at + 1) } }]));
      return true;
    },
  });
  const state = mkdtempSync(join(tmpdir(), 'dj-open-engine-state-'));
  dirs.push(state);
  return Object.assign(engine, { env: { DOCKER_HOST: `unix://${engine.socketPath}`, DOCKER_JANITOR_STATE_DIR: state } });
}

/** No watchdog, no socket, no background sweep: only the session's own requests. */
const OPTIONS = { watchdog: false, sweepDeadSessions: false, socket: false, docker: { timeoutMs: TIMEOUT } } as const;

it('setup and teardown: one /_ping and one engine; teardown starts on the setup\'s connection', async () => {
  const fake = await fakeEngine();
  const session = await openSession(OPTIONS, { env: fake.env });
  expect(fake.seen).toEqual(['GET /_ping', 'GET /images/json']);
  expect(fake.connections()).toBe(1);

  const result = await session.teardown();
  expect(result.warnings).toEqual([]);
  expect(result.containers.removed).toEqual([{ kind: 'container', id: hex(1) }]);
  expect(fake.seen.filter((line) => line === 'GET /_ping')).toHaveLength(1);
  expect(fake.seen.slice(2).sort()).toEqual(['DELETE /containers/' + hex(1), 'GET /containers/json', 'GET /containers/json', 'GET /images/json', 'GET /networks', 'GET /volumes']);
  // The listings go in parallel (new connections for all but the first); none for a ping.
  expect(fake.connections()).toBeLessThanOrEqual(5);
});

it('a timeout at setup is said once, and does not fail the teardown unasked: it asks again', async () => {
  const fake = await fakeEngine();
  fake.hang(/^GET \/images\/json$/);
  const session = await openSession(OPTIONS, { env: fake.env });
  expect(session.dockerUnavailable).toMatch(new RegExp(`did not answer GET /v1\\.41/images/json within ${TIMEOUT} ms`));
  fake.hang(undefined);

  const result = await session.teardown();
  expect(result.incomplete).toBe(false);
  expect(result.warnings).toEqual([]);
  expect(result.containers.removed).toEqual([{ kind: 'container', id: hex(1) }]);
  expect(fake.seen.filter((line) => line === 'GET /_ping')).toHaveLength(1);
});

it('a frozen engine costs each cleanup one timeout, and the next cleanup asks afresh', async () => {
  const fake = await fakeEngine();
  const session = await openSession(OPTIONS, { env: fake.env });
  fake.hang(/^DELETE /);

  for (let rerun = 0; rerun < 2; rerun++) {
    const before = fake.seen.length;
    const started = performance.now();
    const result = await session.cleanObjects();
    const elapsed = performance.now() - started;
    // Listed (not "not sent" from the rerun before), one removal that got no answer, nothing after it.
    expect(fake.seen.slice(before).sort()).toEqual(['DELETE /containers/' + hex(1), 'GET /containers/json', 'GET /networks', 'GET /volumes']);
    expect(result.containers.failed).toEqual([expect.objectContaining({ id: hex(1), noAnswer: true })]);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 5);
    expect(elapsed).toBeLessThan(TIMEOUT * 3);
  }
  fake.hang(undefined);
  const result = await session.teardown();
  expect(result.containers.removed).toEqual([{ kind: 'container', id: hex(1) }]);
  expect(fake.seen.filter((line) => line === 'GET /_ping')).toHaveLength(1);
});

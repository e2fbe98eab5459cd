/**
 * One engine per session: setup, teardown and each cleanObjects() share its connection and the
 * API version negotiated at setup (one `/_ping` in all), and each cleanup has a circuit breaker
 * of its own (`engine.scope()`): a timeout at setup or in one watch-mode rerun does not fail the
 * next cleanup unasked, and a frozen engine costs each cleanup one timeout. A fake engine on a
 * unix socket; no dockerd, no watchdog.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSession } from '../../../src/session/open.js';

const TIMEOUT = 300;
const hex = (n: number) => n.toString(16).padStart(64, '0');
const dirs: string[] = [];
let server: Server | undefined;
const hung: ServerResponse[] = [];

afterEach(async () => {
  for (const response of hung.splice(0)) response.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Fake {
  readonly env: NodeJS.ProcessEnv;
  /** `METHOD /path` (no version, no query) of every request that reached the engine. */
  readonly seen: string[];
  connections(): number;
  /** Requests whose `METHOD /path` matches get no answer (a frozen engine, for them). */
  hang(pattern: RegExp | undefined): void;
}

/**
 * Answers `/_ping` (1.41) and the listings; the session's label listing of containers names one
 * container carrying the session's label, so that teardown has something to remove.
 */
async function fakeEngine(): Promise<Fake> {
  const dir = mkdtempSync(join(tmpdir(), 'dj-open-engine-'));
  dirs.push(dir);
  const socketPath = join(dir, 'docker.sock');
  const seen: string[] = [];
  let connections = 0;
  let hanging: RegExp | undefined;
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://engine');
    const path = url.pathname.replace(/^\/v[\d.]+/, '');
    const line = `${request.method} ${path}`;
    seen.push(line);
    if (hanging?.test(line)) {
      hung.push(response);
      return;
    }
    const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] };
    const label = (filters.label ?? []).find((entry) => entry.startsWith('docker-janitor.session='));
    const json = (body: unknown) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (path === '/_ping') {
      response.writeHead(200, { 'Api-Version': '1.41' });
      response.end('OK');
    } else if (request.method === 'DELETE') {
      response.writeHead(204);
      response.end();
    } else if (path === '/containers/json' && label) {
      const at = label.indexOf('=');
      json([{ Id: hex(1), ImageID: `sha256:${hex(99)}`, Names: ['/c1'], State: 'running', Labels: { [label.slice(0, at)]: label.slice(at + 1) } }]);
    } else if (path === '/volumes') json({ Volumes: [] });
    else json([]);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
  const state = mkdtempSync(join(tmpdir(), 'dj-open-engine-state-'));
  dirs.push(state);
  return {
    env: { DOCKER_HOST: `unix://${socketPath}`, DOCKER_JANITOR_STATE_DIR: state },
    seen,
    connections: () => connections,
    hang: (pattern) => (hanging = pattern),
  };
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
  expect(session.dockerUnavailable).toMatch(/did not answer GET \/v1\.41\/images\/json within 300 ms/);
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

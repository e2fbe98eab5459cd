/**
 * Teardown over an engine that stops answering once the session's objects are listed (a frozen
 * dockerd): one timeout for the whole teardown, not one per step. A fake engine on a unix socket
 * lists 8 containers, 3 networks and 3 volumes and never answers a removal; no dockerd.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXIT } from '../../../src/cli/main.js';
import { createApiEngine } from '../../../src/docker/api/engine.js';
import { janitorOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import { renderTeardownSummary } from '../../../src/render/summary.js';
import type { SessionRecord } from '../../../src/session/store.js';
import { teardownSession } from '../../../src/session/teardown.js';
import { runCli } from '../../support/cli.js';

// Long enough that a loaded machine (a worker stalled for a few hundred ms) never times out a
// request the fake answers at once; what is measured is counted in timeouts, not in milliseconds.
const TIMEOUT = 1_000;
const hex = (n: number) => n.toString(16).padStart(64, '0');
let dir: string;
let socketPath: string;
let server: Server;
const hung: ServerResponse[] = [];
/** `METHOD /path` of every request that reached the engine, in order. */
const seen: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dj-teardown-frozen-'));
  socketPath = join(dir, 'docker.sock');
  server = createServer((request, response) => {
    const path = (request.url ?? '').replace(/^\/v[\d.]+/, '').replace(/\?.*$/, '');
    // Echo the label the listing filters on: the session checks it on what comes back.
    const filters = JSON.parse(new URL(request.url ?? '/', 'http://engine').searchParams.get('filters') ?? '{}') as { label?: string[] | Record<string, boolean> };
    const label = (Array.isArray(filters.label) ? filters.label : Object.keys(filters.label ?? {})).find((entry) => entry.startsWith('docker-janitor.session='));
    const Labels = label ? { [label.slice(0, label.indexOf('='))]: label.slice(label.indexOf('=') + 1) } : {};
    seen.push(`${request.method} ${path}`);
    const json = (body: unknown) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (path === '/_ping') {
      response.writeHead(200, { 'Api-Version': '1.41' });
      response.end('OK');
    } else if (request.method !== 'GET') hung.push(response); // frozen from the first removal on
    else if (path === '/containers/json') json(Array.from({ length: 8 }, (_, n) => ({ Id: hex(n + 1), ImageID: `sha256:${hex(99)}`, Names: [`/c${n}`], State: 'running', Labels })));
    else if (path === '/networks') json([1, 2, 3].map((n) => ({ Id: hex(100 + n), Labels })));
    else if (path === '/volumes') json({ Volumes: [1, 2, 3].map((n) => ({ Name: `volume-${n}`, Labels })) });
    else json([]);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  for (const response of hung) response.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

it('API: the containers time out, the rest is not sent; one line says so; the session is incomplete', async () => {
  seen.length = 0;
  const engine = createApiEngine({ target: { kind: 'unix', socketPath }, endpoint: `unix://${socketPath}`, timeoutMs: TIMEOUT });
  const sessionDir = mkdtempSync(join(dir, 'session-'));
  const record: SessionRecord = {
    id: 's1',
    pid: process.pid,
    pidStart: undefined,
    hostname: 'h',
    startedAt: Date.now(),
    docker: { timeoutMs: TIMEOUT, transport: 'api' },
    stopTimeout: 0,
    adopt: { labels: [], all: false },
  };
  const result = await teardownSession(engine, { record, dir: sessionDir, options: parseOptions(janitorOptionsSchema, { images: 'all' }) });
  engine.close();

  // What went out: the listings, the 8 container removals (in flight together); after their
  // timeout nothing more (no network or volume removal, no image listing after it).
  const firstRemoval = seen.findIndex((line) => line.startsWith('DELETE'));
  expect(seen.slice(firstRemoval).every((line) => /^DELETE \/containers\/[0-9a-f]{64}$/.test(line))).toBe(true);
  expect(seen.filter((line) => line.startsWith('DELETE'))).toHaveLength(8);

  expect(result.incomplete).toBe(true);
  expect(result.containers.failed).toHaveLength(8);
  expect(result.containers.failed.every((failed) => failed.noAnswer === true)).toBe(true);
  expect([...result.networks.failed, ...result.volumes.failed].map((failed) => [failed.notSent, failed.message])).toEqual(
    Array.from({ length: 6 }, () => [true, `not sent: the Docker engine at unix://${socketPath} did not answer in time`]),
  );
  // Said once, where it happened: no second warning for the images the cleaner could not list.
  expect(result.warnings).toEqual([]);

  const summary = renderTeardownSummary(result, { color: false });
  expect(summary.split('\n').filter((line) => /answer/.test(line))).toEqual([
    '✗ Docker stopped answering: 8 containers, 3 networks, 3 volumes may not be removed',
    expect.stringMatching(new RegExp(`^ {2}no answer in time: it may still happen \\(The Docker engine at unix://.* did not answer DELETE /v1\\.41/containers/[0-9a-f]{64} within ${TIMEOUT} ms\\.\\)$`)),
  ]);
  expect(summary).not.toMatch(/Failed to remove/);
});

it('sweep --session on the same engine: exit 3 (Docker unavailable), as when it does not answer the listing', async () => {
  const { code, stdout } = await runCli(['sweep', '--session', 's2', '--host', `unix://${socketPath}`, '--transport', 'api', '--timeout', String(TIMEOUT)], {
    DOCKER_JANITOR_STATE_DIR: join(dir, 'state'),
  });
  expect(stdout).toContain('Docker stopped answering: 8 containers, 3 networks, 3 volumes may not be removed');
  expect(code).toBe(EXIT.docker);
});

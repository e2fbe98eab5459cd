/**
 * A frozen engine (a SIGSTOP'd dockerd) during removals over the API: after the first request
 * that times out, no further removal is sent. A fake engine on a unix socket answers the first N
 * removals, then never answers again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiEngine, IMAGE_CONCURRENCY, OBJECT_CONCURRENCY } from '../../../../src/docker/api/engine.js';
import type { ImageRef, ImageRemoval, ObjectRemoval } from '../../../../src/docker/engine.js';

let server: Server | undefined;
let dir: string | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

/** Answers `/_ping`, then `answered` DELETEs with a plain removal; after that, silence. */
async function freezingEngine(answered: number): Promise<{ socketPath: string; deletes: () => number }> {
  dir = mkdtempSync(join(tmpdir(), 'dj-breaker-'));
  const socketPath = join(dir, 'docker.sock');
  let deletes = 0;
  const hung: ServerResponse[] = [];
  server = createServer((request, response) => {
    if (request.url === '/_ping') {
      response.writeHead(200, { 'Api-Version': '1.45', 'Content-Type': 'text/plain' });
      response.end('OK');
      return;
    }
    if (request.method === 'DELETE') {
      deletes++;
      if (deletes > answered) {
        hung.push(response); // frozen: never answers
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      if (request.url?.includes('/images/')) response.end(JSON.stringify([{ Untagged: 'x:y' }, { Deleted: `sha256:${'a'.repeat(64)}` }]));
      else response.end();
      return;
    }
    response.writeHead(404);
    response.end('{}');
  });
  await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
  return { socketPath, deletes: () => deletes };
}

// Long enough that a loaded machine (a worker stalled for a few hundred ms) never times out a
// request the fake answers at once; what is measured is counted in timeouts, not in milliseconds.
const TIMEOUT = 1_000;

describe('removals over the API on an engine that stops answering', () => {
  it('images: total time is about one timeout, not one per batch of 8; the rest is never sent', async () => {
    const fake = await freezingEngine(5);
    const engine = createApiEngine({ target: { kind: 'unix', socketPath: fake.socketPath }, endpoint: 'unix://fake', timeoutMs: TIMEOUT });
    const refs: ImageRef[] = Array.from({ length: 80 }, (_, n) => ({ reference: `docker-janitor-remove:run-${n}` }));
    const started = performance.now();
    const answers = await engine.removeImages(refs);
    const elapsed = performance.now() - started;
    engine.close();
    // Without the breaker: 75 silent removals, 8 at a time, each its own timeout (≈ 10 timeouts).
    expect(elapsed).toBeLessThan(3 * TIMEOUT);
    const values = [...answers.values()];
    const kinds = (check: (answer: ImageRemoval) => boolean) => values.filter(check).length;
    expect(kinds((a) => a.kind === 'removed')).toBe(5);
    const silent = kinds((a) => a.kind === 'failed' && a.noAnswer === true);
    expect(silent).toBeGreaterThanOrEqual(1);
    expect(silent).toBeLessThanOrEqual(IMAGE_CONCURRENCY);
    expect(kinds((a) => a.kind === 'failed' && a.notSent === true)).toBe(80 - 5 - silent);
    expect(values.find((a) => a.kind === 'failed' && a.noAnswer)).toMatchObject({ message: expect.stringMatching(/^no answer in time: it may still happen/) });
    // Only what was in flight when the first timeout came was ever sent.
    expect(fake.deletes()).toBe(5 + silent);
  });

  it('the very first removal times out: outcomes, not a thrown timeout', async () => {
    const fake = await freezingEngine(0);
    const engine = createApiEngine({ target: { kind: 'unix', socketPath: fake.socketPath }, endpoint: 'unix://fake', timeoutMs: TIMEOUT, imageConcurrency: 1 });
    const answers = await engine.removeImages([{ reference: 'docker-janitor-remove:a' }, { reference: 'docker-janitor-remove:b' }]);
    engine.close();
    expect([...answers.values()].map((a) => (a.kind === 'failed' ? (a.noAnswer ? 'noAnswer' : a.notSent ? 'notSent' : 'failed') : a.kind))).toEqual(['noAnswer', 'notSent']);
    expect(fake.deletes()).toBe(1);
  });

  it('volumes (and networks, containers: the same removals): one timeout, then nothing more is sent', async () => {
    const fake = await freezingEngine(2);
    const engine = createApiEngine({ target: { kind: 'unix', socketPath: fake.socketPath }, endpoint: 'unix://fake', timeoutMs: TIMEOUT });
    const names = Array.from({ length: OBJECT_CONCURRENCY + 60 }, (_, n) => `volume-${n}`);
    const started = performance.now();
    const answers = await engine.removeVolumes(names);
    const elapsed = performance.now() - started;
    engine.close();
    expect(elapsed).toBeLessThan(3 * TIMEOUT);
    const values: ObjectRemoval[] = [...answers.values()];
    expect(values.filter((a) => a.kind === 'removed').length).toBe(2);
    // Removals of containers, networks and volumes go up to OBJECT_CONCURRENCY at a time (as `docker rm`).
    expect(values.filter((a) => a.kind === 'failed' && a.notSent).length).toBeGreaterThanOrEqual(60 - 2);
    expect(fake.deletes()).toBeLessThanOrEqual(2 + OBJECT_CONCURRENCY);
  });
});

/** waitUntilServing (ready.ts) against a unix server of the test's own. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntilServing } from '../../../src/socket/ready.js';

let dir: string | undefined;
let server: Server | undefined;
const held: Socket[] = [];

afterEach(async () => {
  for (const socket of held.splice(0)) socket.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A server that answers the first `answered` connections with `answer` and never answers the later ones. */
async function serve(answer: string, answered: number): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), 'dj-ready-'));
  const path = join(dir, 'docker.sock');
  let connections = 0;
  server = createServer((socket) => {
    connections += 1;
    socket.on('error', () => {});
    if (connections <= answered) socket.once('data', () => socket.end(answer));
    else held.push(socket);
  });
  await new Promise<void>((resolve) => server?.listen(path, resolve));
  return path;
}

const BAD_GATEWAY = 'HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n\r\nthe engine: ENOENT xx';

describe('waitUntilServing', () => {
  it('OK: the API version', async () => {
    const path = await serve('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK', 1);
    expect(await waitUntilServing(path, { timeoutMs: 2_000 })).toMatchObject({ ok: true, apiVersion: '1.41' });
  });

  it('the last answer is the reason, not a last try that the end of the budget cut short', async () => {
    // The first try is answered 502 at once; the next hangs until the budget runs out. The budget
    // leaves room for a worker stalled a few hundred ms on a loaded machine before that first answer.
    const path = await serve(BAD_GATEWAY, 1);
    const result = await waitUntilServing(path, { timeoutMs: 1_000, intervalMs: 10 });
    expect(result).toMatchObject({ ok: false, reason: '502 the engine: ENOENT xx' });
  });

  it('a socket that never answers: the timeout is the reason', async () => {
    const path = await serve(BAD_GATEWAY, 0);
    const result = await waitUntilServing(path, { timeoutMs: 100 });
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^no answer in \d+ ms$/);
  });
});

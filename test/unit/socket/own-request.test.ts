import type http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ownRequest } from '../../../src/socket/own-request.js';
import { volumeAgent } from '../../../src/socket/volume-create.js';
import { startHttpEngine, stopHttpEngines } from '../../support/http-engine.js';

const agents: http.Agent[] = [];
/** The socket's own agent kind (volume-create.ts), on connections to `socketPath`. */
function agentFor(socketPath: string): http.Agent {
  const agent = volumeAgent(() => net.connect(socketPath), true);
  agents.push(agent);
  return agent;
}

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await stopHttpEngines();
});

/** An engine that answers GET /big with `size` bytes of 'x' (status 500), and POST /echo with its body. */
async function engine(size = 0) {
  return startHttpEngine({
    answer: (request, response, path) => {
      if (path === '/big') {
        response.writeHead(500);
        // In pieces, as a long answer comes.
        for (let sent = 0; sent < size; sent += 1000) response.write('x'.repeat(Math.min(1000, size - sent)));
        response.end();
        return true;
      }
      if (path === '/echo') {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          response.writeHead(201, { 'Content-Type': request.headers['content-type'] ?? '' });
          response.end(Buffer.concat(chunks));
        });
        return true;
      }
      return false;
    },
  });
}

describe("ownRequest: one request of the socket's own, as an outcome", () => {
  it('the whole answer with its status; a body goes with its length', async () => {
    const stub = await engine();
    const answer = await ownRequest(agentFor(stub.socketPath), { method: 'POST', path: '/echo', body: Buffer.from('{"a":1}'), timeoutMs: 5_000, maxBytes: 1024, oversize: 'give-up' });
    expect(answer).toEqual({ kind: 'answer', status: 201, body: Buffer.from('{"a":1}') });
  });

  it("'give-up': an answer longer than maxBytes is no answer", async () => {
    const stub = await engine(10_000);
    const answer = await ownRequest(agentFor(stub.socketPath), { method: 'GET', path: '/big', timeoutMs: 5_000, maxBytes: 4_000, oversize: 'give-up' });
    expect(answer).toEqual({ kind: 'oversize' });
  });

  it("'keep-start': the first maxBytes of a longer answer, exactly", async () => {
    const stub = await engine(10_000);
    const answer = await ownRequest(agentFor(stub.socketPath), { method: 'GET', path: '/big', timeoutMs: 5_000, maxBytes: 4_500, oversize: 'keep-start' });
    expect(answer.kind).toBe('answer');
    if (answer.kind !== 'answer') return;
    expect(answer.status).toBe(500);
    expect(answer.body.toString()).toBe('x'.repeat(4_500));
  });

  it('a frozen engine: timeout after timeoutMs', async () => {
    const stub = await engine();
    stub.hang(/^GET \/images\/json$/);
    const answer = await ownRequest(agentFor(stub.socketPath), { method: 'GET', path: '/images/json?all=1', timeoutMs: 200, maxBytes: 1024, oversize: 'give-up' });
    expect(answer).toEqual({ kind: 'timeout' });
  });

  it('no engine: failed, with the reason', async () => {
    const stub = await engine();
    await stub.stop();
    const answer = await ownRequest(agentFor(stub.socketPath), { method: 'GET', path: '/_ping', timeoutMs: 5_000, maxBytes: 1024, oversize: 'give-up' });
    expect(answer.kind).toBe('failed');
    expect(answer.kind === 'failed' ? answer.reason : '').toMatch(/ENOENT|ECONNREFUSED/);
  });
});

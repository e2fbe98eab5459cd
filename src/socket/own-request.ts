/**
 * One request the session socket makes on its own (image-list.ts, volume-create.ts), as an
 * outcome: the whole answer, or why there is none. Never rejects, and settles once.
 */
import type http from 'node:http';
import { nodeHttp } from '../docker/builtins.js';

export interface OwnRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** A JSON body. */
  readonly body?: Buffer;
  readonly timeoutMs: number;
  /** The most of the answer's body kept. */
  readonly maxBytes: number;
  /**
   * A longer body: `'give-up'` ends the request with `oversize` (a listing cut short is no
   * listing); `'keep-start'` keeps its first `maxBytes` (an error text).
   */
  readonly oversize: 'give-up' | 'keep-start';
}

export type OwnAnswer =
  | { readonly kind: 'answer'; readonly status: number; readonly body: Buffer }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'oversize' }
  | { readonly kind: 'failed'; readonly reason: string };

export function ownRequest(agent: http.Agent, ask: OwnRequest): Promise<OwnAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: OwnAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const headers: http.OutgoingHttpHeaders = { Host: 'docker' };
    if (ask.body) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = ask.body.length;
    }
    const request = nodeHttp().request({ agent, method: ask.method, path: ask.path, headers });
    const timer = setTimeout(() => {
      request.destroy();
      done({ kind: 'timeout' });
    }, ask.timeoutMs);
    const failed = (error: NodeJS.ErrnoException) => done({ kind: 'failed', reason: error.code ?? error.message });
    request.on('error', failed);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        const room = ask.maxBytes - size;
        size += chunk.length;
        if (size <= ask.maxBytes) chunks.push(chunk);
        else if (ask.oversize === 'give-up') {
          request.destroy();
          done({ kind: 'oversize' });
        } else if (room > 0) chunks.push(chunk.subarray(0, room));
      });
      response.on('error', failed);
      response.on('end', () => done({ kind: 'answer', status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    request.end(ask.body);
  });
}

/**
 * Waiting for a session socket to serve: `GET /_ping` through it until the engine answers OK,
 * as setup must before the tests start (the socket may live in another process).
 */
import { request } from 'node:http';

export interface PingResult {
  readonly ok: boolean;
  /** The daemon's `Api-Version` header, when it answered. */
  readonly apiVersion?: string;
  /** Why it is not serving: the last error or status seen. */
  readonly reason?: string;
  readonly elapsedMs: number;
}

function pingOnce(path: string, timeoutMs: number): Promise<{ ok: boolean; apiVersion?: string; reason?: string }> {
  return new Promise((resolve) => {
    const req = request({ socketPath: path, method: 'GET', path: '/_ping', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const apiVersion = res.headers['api-version'];
        if (res.statusCode === 200 && body === 'OK') resolve({ ok: true, ...(typeof apiVersion === 'string' ? { apiVersion } : {}) });
        else resolve({ ok: false, reason: `${res.statusCode ?? '?'} ${body.slice(0, 200)}`.trim() });
      });
      res.on('error', (error) => resolve({ ok: false, reason: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, reason: error.code ?? error.message }));
    req.end();
  });
}

/** Pings `path` every `intervalMs` until OK or `timeoutMs` has passed. Never throws. */
export async function waitUntilServing(path: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<PingResult> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = options.intervalMs ?? 10;
  const start = Date.now();
  let reason = 'not tried';
  for (;;) {
    const left = timeoutMs - (Date.now() - start);
    if (left <= 0) return { ok: false, reason, elapsedMs: Date.now() - start };
    const result = await pingOnce(path, Math.min(left, 2_000));
    if (result.ok) return { ok: true, ...(result.apiVersion ? { apiVersion: result.apiVersion } : {}), elapsedMs: Date.now() - start };
    reason = result.reason ?? reason;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, timeoutMs - (Date.now() - start)))));
  }
}

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

/** How long one ping may take before the next try. */
const ATTEMPT_MS = 2_000;

function pingOnce(path: string, timeoutMs: number): Promise<{ ok: boolean; apiVersion?: string; reason?: string; timedOut?: boolean }> {
  return new Promise((resolve) => {
    let timedOut = false;
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
    req.on('timeout', () => {
      timedOut = true;
      req.destroy(new Error(`no answer in ${timeoutMs} ms`));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, reason: error.code ?? error.message, ...(timedOut ? { timedOut } : {}) }));
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
    const attemptMs = Math.min(left, ATTEMPT_MS);
    const result = await pingOnce(path, attemptMs);
    if (result.ok) return { ok: true, ...(result.apiVersion ? { apiVersion: result.apiVersion } : {}), elapsedMs: Date.now() - start };
    // A try cut short by the end of the budget (on a busy machine: 1 ms left) says nothing
    // about the socket; the reason seen before it stays.
    const cutShort = result.timedOut === true && attemptMs < ATTEMPT_MS && reason !== 'not tried';
    if (!cutShort) reason = result.reason ?? reason;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, timeoutMs - (Date.now() - start)))));
  }
}

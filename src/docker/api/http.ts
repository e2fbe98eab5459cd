/**
 * HTTP to the Engine API on node:http / node:https only: one kept-alive Agent per engine (a unix
 * socket through `socketPath`, or TCP with TLS), a timeout on every request, the API version
 * negotiated once from `GET /_ping`, and every transport failure turned into a typed error that
 * names the endpoint (see `../errors.ts`).
 */
import http from 'node:http';
import { isIP } from 'node:net';
import type https from 'node:https';
import { nodeHttps, nodeTls } from '../builtins.js';
import type { TlsMaterial } from '../endpoint.js';
import { DockerNotAnEngineError, DockerNotSentError, DockerTimeoutError, DockerUnreachableError } from '../errors.js';

/** The newest API version this client speaks. */
export const MAX_API_VERSION = '1.45';
/** The oldest version the requests here are valid for (Podman's service speaks 1.40). */
export const MIN_API_VERSION = '1.24';
/** setTimeout clamps anything above this to 1 ms: never hand it more. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * The largest answer read into memory. A listing of tens of thousands of images is a few tens
 * of MB; an endpoint that sends more is not answering as a Docker engine (it would fill memory).
 */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

export type Target =
  | { readonly kind: 'unix'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tls: TlsMaterial | undefined };

export interface RequestRecord {
  readonly method: string;
  /** Path with query, as sent (`/v1.41/images/sha256:…`). */
  readonly path: string;
}

export interface HttpOptions {
  readonly target: Target;
  /** For messages: `unix:///var/run/docker.sock`. */
  readonly endpoint: string;
  readonly timeoutMs: number;
  /** Called before every request is sent: lets tests record exactly what goes out. */
  readonly onRequest?: ((request: RequestRecord) => void) | undefined;
  /** Connections open at once (kept alive); more requests wait for one. Default 16. */
  readonly maxSockets?: number | undefined;
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Overrides the client's timeout (e.g. a stop with a grace period). */
  readonly timeoutMs?: number;
}

export interface ApiHttp {
  /** A versioned request: `/v1.xx` + path, after the version is negotiated. */
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  /** `GET /_ping` (unversioned); negotiates the version. Throws a DockerError when it is no engine. */
  ping(): Promise<string>;
  /** A long-lived GET whose body lines are handed to `onLine` (events). */
  stream(path: string, options: RequestOptions, onLine: (line: string) => void): { stop(): void; done: Promise<void> };
  /** Another view: the same connections and negotiated version, a circuit breaker of its own. */
  scope(): ApiHttp;
  /** The client's close ends every follow and its connections; a scope's, only its own follows. */
  close(): void;
}

export function createApiHttp(options: HttpOptions): ApiHttp {
  const { target, endpoint } = options;
  const agentOptions = { keepAlive: true, maxSockets: Math.max(1, options.maxSockets ?? 16) };
  const secure = target.kind === 'tcp' && target.tls !== undefined ? nodeHttps() : undefined;
  const agent =
    secure && target.kind === 'tcp' && target.tls
      ? new secure.Agent({ ...agentOptions, ...tlsOptions(target.tls) })
      : new http.Agent(agentOptions);
  let version: Promise<string> | undefined;
  /** Follows in progress in every view, ended by the client's close() too. */
  const everyFollow = new Set<{ stop(): void }>();

  /**
   * `servername`, always given: over TLS the endpoint's host name (SNI, and the name its
   * certificate must hold), none for an IP address (the certificate is then checked against the
   * address). Left out, the agent takes it from the Host header, `docker`, and a certificate for
   * the real host fails verification; it also checks it with `net.isIP`, whose first call in a
   * process compiles a large regular expression (~7 ms of a setup with nothing to clean).
   */
  const servername = target.kind === 'tcp' && target.tls && isIP(target.host) === 0 ? target.host : '';
  const base = (): http.RequestOptions & { servername: string } =>
    target.kind === 'unix' ? { socketPath: target.socketPath, servername } : { host: target.host, port: target.port, servername };
  const transport = secure ?? http;

  /**
   * One view of this client: the connections (the Agent) and the negotiated version are the
   * client's, the circuit breaker is the view's. `scope()` makes another view: what one teardown,
   * clean or sweep sends, so that a timeout in an earlier one (at setup, in a watch-mode rerun)
   * does not fail it unasked, and it needs no new connection nor a second `/_ping`.
   */
  const view = (root: boolean): ApiHttp => {
    /**
     * Circuit breaker, for everything this view sends: once a request got no answer in time, no
     * further request is sent; each fails at once with a DockerNotSentError. A frozen daemon (a
     * SIGSTOP, a hung dockerd) then costs one timeout, not one per step. One view per teardown,
     * clean or sweep (`scope()`): the next one asks afresh.
     */
    let frozen: DockerTimeoutError | undefined;
    /** Follows this view started, ended by its close(). */
    const follows = new Set<{ stop(): void }>();

    const send = (method: string, path: string, timeoutMs: number, retried = false): Promise<Answer> => {
      const what = `${method} ${path.replace(/\?.*$/, '')}`;
      if (frozen) return Promise.reject(new DockerNotSentError(frozen, what));
      options.onRequest?.({ method, path });
      return new Promise<Answer>((resolve, reject) => {
        let settled = false;
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (error instanceof DockerTimeoutError) frozen ??= error;
          reject(error);
        };
        const request = transport.request({
          ...base(),
          agent,
          method,
          path,
          headers: { Host: 'docker', Accept: 'application/json' },
          // Socket idle timeout: no byte for this long.
          timeout: clampTimer(timeoutMs),
        });
        // Overall: the whole answer within timeoutMs, even when bytes trickle.
        const timer = setTimeout(() => {
          request.destroy();
          fail(new DockerTimeoutError(endpoint, timeoutMs, what));
        }, clampTimer(timeoutMs));
        request.on('timeout', () => {
          request.destroy();
          fail(new DockerTimeoutError(endpoint, timeoutMs, what));
        });
        request.on('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive socket the server closed meanwhile: retry once on a fresh one. Idempotent
          // requests only: a GET, or a DELETE (at worst its retry answers 404, "gone").
          if (!settled && !retried && request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && (method === 'GET' || method === 'DELETE')) {
            settled = true;
            clearTimeout(timer);
            send(method, path, timeoutMs, true).then(resolve, reject);
            return;
          }
          fail(transportError(endpoint, error));
        });
        request.on('response', (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (settled) return;
            size += chunk.length;
            if (size > MAX_ANSWER_BYTES) {
              chunks.length = 0;
              request.destroy();
              fail(new DockerNotAnEngineError(endpoint, `${what} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', (error: NodeJS.ErrnoException) => fail(transportError(endpoint, error)));
          response.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        });
        request.end();
      });
    };

    const ping = async (): Promise<string> => {
      const answer = await send('GET', '/_ping', options.timeoutMs);
      const header = answer.headers['api-version'];
      const daemonMax = typeof header === 'string' ? header.trim() : '';
      if (answer.status !== 200 || !/^\d+\.\d+$/.test(daemonMax)) {
        const body = answer.body.trim().slice(0, 120);
        throw new DockerNotAnEngineError(
          endpoint,
          answer.status !== 200
            ? `GET /_ping answered ${answer.status}${body ? `: ${body}` : ''}`
            : `GET /_ping answered without an Api-Version header${body ? `: ${body}` : ''}`,
        );
      }
      return negotiate(daemonMax);
    };

    /**
     * The version, negotiated once for the client (by whichever view asks first). A ping that
     * timed out trips the breaker of every view that waited on it, not only the one that sent it.
     */
    const negotiated = async (): Promise<string> => {
      version ??= ping().catch((error: unknown) => {
        version = undefined;
        throw error;
      });
      try {
        return await version;
      } catch (error) {
        if (error instanceof DockerTimeoutError) frozen ??= error;
        throw error;
      }
    };

    return {
      async request(method, path, request = {}) {
        const v = await negotiated();
        const suffix = `${path}${queryString(request.query)}`;
        const answer = await send(method, `/v${v}${suffix}`, request.timeoutMs ?? options.timeoutMs);
        // A daemon whose minimum is above our maximum (Docker 29 refuses < 1.44) says which it
        // takes; one whose maximum is below the version negotiated (an engine replaced by an older
        // one since: the version is kept for the client's life, a session's), which it speaks.
        const minimum = answer.status === 400 ? /Minimum supported API version is (\d+\.\d+)/i.exec(answer.body)?.[1] : undefined;
        const maximum = answer.status === 400 ? /Maximum supported API version is (\d+\.\d+)/i.exec(answer.body)?.[1] : undefined;
        const retry = minimum && compareVersions(minimum, v) > 0 ? minimum : maximum && compareVersions(maximum, v) < 0 ? negotiate(maximum) : undefined;
        if (retry !== undefined && retry !== v) {
          version = Promise.resolve(retry);
          return send(method, `/v${retry}${suffix}`, request.timeoutMs ?? options.timeoutMs);
        }
        return answer;
      },
      async ping() {
        const v = await ping();
        version = Promise.resolve(v);
        return v;
      },
      stream(path, request, onLine) {
        let stopped = false;
        let current: http.ClientRequest | undefined;
        const done = (async () => {
          const v = await negotiated();
          const fullPath = `/v${v}${path}${queryString(request.query)}`;
          options.onRequest?.({ method: 'GET', path: fullPath });
          if (stopped) return;
          await new Promise<void>((resolve, reject) => {
            // Its own connection: a follow holds it for as long as it runs.
            current = transport.request({
              ...base(),
              agent: false,
              ...(target.kind === 'tcp' && target.tls ? tlsOptions(target.tls) : {}),
              method: 'GET',
              path: fullPath,
              headers: { Host: 'docker', Accept: 'application/json' },
            });
            const connectTimer = setTimeout(() => {
              current?.destroy();
              reject(new DockerTimeoutError(endpoint, options.timeoutMs, `GET ${path}`));
            }, clampTimer(options.timeoutMs));
            current.on('error', (error: NodeJS.ErrnoException) => {
              clearTimeout(connectTimer);
              if (stopped) resolve();
              else reject(transportError(endpoint, error));
            });
            current.on('response', (response) => {
              clearTimeout(connectTimer);
              if (response.statusCode !== 200) {
                response.resume();
                reject(new DockerNotAnEngineError(endpoint, `GET ${path} answered ${response.statusCode ?? 0}`));
                return;
              }
              let pending = '';
              response.setEncoding('utf8');
              response.on('data', (chunk: string) => {
                pending += chunk;
                let newline = pending.indexOf('\n');
                while (newline !== -1) {
                  const line = pending.slice(0, newline).trim();
                  pending = pending.slice(newline + 1);
                  if (line) onLine(line);
                  newline = pending.indexOf('\n');
                }
              });
              response.on('end', () => {
                if (pending.trim()) onLine(pending.trim());
                resolve();
              });
              response.on('error', () => resolve());
              response.on('close', () => resolve());
            });
            current.end();
          });
        })();
        const follow = {
          stop() {
            stopped = true;
            current?.destroy();
            follows.delete(follow);
            everyFollow.delete(follow);
          },
          // Settles, never rejects (like the CLI's stream): a follow that ends is not an error to throw into nowhere.
          done: done.catch(() => undefined).finally(() => {
            follows.delete(follow);
            everyFollow.delete(follow);
          }),
        };
        follows.add(follow);
        everyFollow.add(follow);
        return follow;
      },
      scope: () => view(false),
      close() {
        // A scope's close ends its own follows; the client's (the first view) ends every follow
        // and the connections.
        for (const follow of [...(root ? everyFollow : follows)]) follow.stop();
        if (root) agent.destroy();
      },
    };
  };
  return view(true);
}

/** min(daemon's max, ours), never below the oldest we speak. */
export function negotiate(daemonMax: string): string {
  if (compareVersions(daemonMax, MAX_API_VERSION) >= 0) return MAX_API_VERSION;
  return compareVersions(daemonMax, MIN_API_VERSION) < 0 ? MIN_API_VERSION : daemonMax;
}

export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

export function clampTimer(ms: number): number {
  return Math.min(Math.max(1, Math.floor(ms)), MAX_TIMER_MS);
}

function tlsOptions(tls: TlsMaterial): https.AgentOptions {
  const ca = tls.ca ?? (tls.extraCa !== undefined ? [...nodeTls().rootCertificates, tls.extraCa] : undefined);
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    rejectUnauthorized: tls.verify,
  };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTSOCK']);

/** A transport failure → the typed error naming the endpoint. */
export function transportError(endpoint: string, error: NodeJS.ErrnoException): Error {
  const code = error.code ?? '';
  if (UNREACHABLE_CODES.has(code)) return new DockerUnreachableError(endpoint, `${code}: ${error.message}`, { cause: error });
  if (code === 'ETIMEDOUT') return new DockerTimeoutError(endpoint, 0, 'a connection', { cause: error });
  // Closed without an answer: a daemon going away looks like this.
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new DockerUnreachableError(endpoint, `${code}: the connection was closed without an answer`, { cause: error });
  }
  // HPE_* (not HTTP), TLS errors (EPROTO, ERR_SSL_*, certificate errors).
  return new DockerNotAnEngineError(endpoint, code ? `${code}: ${error.message}` : error.message, { cause: error });
}

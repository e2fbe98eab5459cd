/**
 * A stand-in Docker engine for unit tests of the API transport's connection handling: an HTTP
 * server on a unix socket in a temp directory that answers `/_ping` and every listing (empty),
 * records what reaches it, and can stop answering some requests (a frozen engine, for them).
 * Not a model of Docker's behaviour: the integration tests use a real engine for that.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HttpEngine {
  readonly socketPath: string;
  /** `METHOD /path` (no version prefix, no query) of every request that reached it, in order. */
  readonly seen: string[];
  /** Connections accepted. */
  connections(): number;
  /** From now on, requests whose `METHOD /path` matches get no answer; undefined: all answered. */
  hang(pattern: RegExp | undefined): void;
  /** Stops answering: hanging requests and connections end; the socket path is free again. */
  stop(): Promise<void>;
}

export interface HttpEngineOptions {
  /** Listen here (e.g. the path of an engine stopped before: a daemon replaced mid-run); default a new temp dir. */
  readonly socketPath?: string;
  /** The `Api-Version` of `/_ping`; a request with a newer version prefix is refused as dockerd does. Default 1.41. */
  readonly maxVersion?: string;
  /** Answers what it wants first (returns true when it answered); the rest gets the defaults. */
  readonly answer?: (request: IncomingMessage, response: ServerResponse, path: string, url: URL) => boolean;
}

interface Started {
  readonly server: Server;
  readonly hung: ServerResponse[];
  /** The temp directory it made, removed at the end. */
  readonly dir: string | undefined;
}

const started: Started[] = [];

async function stopOne({ server, hung }: Started): Promise<void> {
  for (const response of hung.splice(0)) response.destroy();
  server.closeAllConnections();
  if (server.listening) await new Promise((resolve) => server.close(resolve));
}

export async function startHttpEngine(options: HttpEngineOptions = {}): Promise<HttpEngine> {
  const dir = options.socketPath === undefined ? mkdtempSync(join(tmpdir(), 'dj-http-engine-')) : undefined;
  const socketPath = options.socketPath ?? join(dir as string, 'docker.sock');
  const maxVersion = options.maxVersion ?? '1.41';
  const seen: string[] = [];
  const hung: ServerResponse[] = [];
  let connections = 0;
  let hanging: RegExp | undefined;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://engine');
    const path = url.pathname.replace(/^\/v[\d.]+/, '');
    const line = `${request.method} ${path}`;
    seen.push(line);
    if (hanging?.test(line)) {
      hung.push(response);
      return;
    }
    const asked = /^\/v(\d+)\.(\d+)\//.exec(url.pathname);
    const [major, minor] = maxVersion.split('.').map(Number) as [number, number];
    if (path === '/_ping') {
      response.writeHead(200, { 'Api-Version': maxVersion });
      response.end('OK');
    } else if (asked && (Number(asked[1]) > major || (Number(asked[1]) === major && Number(asked[2]) > minor))) {
      response.writeHead(400, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: `client version ${asked[1]}.${asked[2]} is too new. Maximum supported API version is ${maxVersion}` }));
    } else if (options.answer?.(request, response, path, url)) {
      // answered by the test
    } else {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(path === '/volumes' ? '{"Volumes":[]}' : '[]');
    }
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const entry: Started = { server, hung, dir };
  started.push(entry);
  return { socketPath, seen, connections: () => connections, hang: (pattern) => (hanging = pattern), stop: () => stopOne(entry) };
}

/** Ends every engine started so far: the requests left hanging, the connections, the directories (for afterEach). */
export async function stopHttpEngines(): Promise<void> {
  const all = started.splice(0);
  for (const entry of all) await stopOne(entry);
  // Directories after every server: a later engine may listen in an earlier one's.
  for (const { dir } of all) if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Faults over both transports, with servers of our own on unix sockets: nothing listening, a
 * socket that accepts and never answers, garbage, an HTTP 500, junk JSON. Each is one typed
 * error (the DockerUnreachableError family the CLI maps to exit 3) with a one-line message that
 * names the endpoint, within the configured time. No engine is touched here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFromOptions } from '../../../src/docker/create.js';
import type { Transport } from '../../../src/docker/engine.js';
import { DockerError, DockerNotAnEngineError, DockerTimeoutError, DockerUnreachableError } from '../../../src/docker/errors.js';
import { freePort } from '../../support/docker.js';

let dir: string;
const servers: Server[] = [];
const sockets: Socket[] = [];
let hung: string;
let garbage: string;
let http500: string;
let junkJson: string;
let plainHttpPort: number;

function listen(server: Server, path: string): Promise<string> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(path, () => resolve(path)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dj-faults-'));
  hung = await listen(
    createServer((socket) => socket.resume()),
    join(dir, 'hung.sock'),
  );
  garbage = await listen(
    createServer((socket) => {
      socket.resume();
      socket.end('SSH-2.0-OpenSSH_9.2 this is no HTTP\r\n\r\n');
    }),
    join(dir, 'garbage.sock'),
  );
  http500 = await listen(
    createHttpServer((_request, response) => {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end('internal error');
    }),
    join(dir, '500.sock'),
  );
  junkJson = await listen(
    createHttpServer((request, response) => {
      if (request.url === '/_ping') {
        response.writeHead(200, { 'Api-Version': '1.45', 'Content-Type': 'text/plain' });
        response.end('OK');
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"Id": "sha256:… this is not json');
    }),
    join(dir, 'junk.sock'),
  );
  plainHttpPort = await freePort();
  const plain = createHttpServer((_request, response) => {
    response.writeHead(200, { 'Api-Version': '1.45' });
    response.end('OK');
  });
  servers.push(plain);
  plain.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => plain.listen(plainHttpPort, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

function engineAt(transport: Transport, socket: string, timeoutMs = 10_000) {
  return engineFromOptions({ transport, host: `unix://${socket}`, timeoutMs }).engine;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DockerError);
  // What the CLI prints: the message, or for a failed docker command its short form (main.ts).
  const message = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack frames in the message
  return error as Error;
}

describe.each(['api', 'cli'] as const)('faults over %s', (transport) => {
  it('nothing listening: DockerUnreachableError naming the socket', async () => {
    const path = join(dir, 'nobody.sock');
    const engine = engineAt(transport, path);
    const error = await failure(engine.ping());
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect(error.message).toContain(path);
    const listing = await failure(engine.listImages({ dangling: true }));
    expect(listing).toBeInstanceOf(DockerUnreachableError);
    engine.close();
  });

  it('a socket that accepts and never answers: DockerTimeoutError within the configured time', async () => {
    const engine = engineAt(transport, hung, 1_000);
    const started = Date.now();
    const error = await failure(engine.listImages({ dangling: true }));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(DockerTimeoutError);
    expect(error.message).toContain(hung);
    expect(error.message).toContain('1000 ms');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5_000);
    engine.close();
  });

  it('garbage instead of HTTP: one typed error naming the endpoint', async () => {
    const engine = engineAt(transport, garbage);
    const error = await failure(engine.ping());
    expect(error).toBeInstanceOf(DockerUnreachableError);
    if (transport === 'api') expect(error).toBeInstanceOf(DockerNotAnEngineError);
    expect(error.message).toContain(garbage);
    engine.close();
  });

  it('HTTP 500 on ping: not a Docker engine', async () => {
    const engine = engineAt(transport, http500);
    const error = await failure(engine.ping());
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect(error.message).toContain(http500);
    engine.close();
  });

  it('junk JSON after a good ping: a DockerError, one line, nothing thrown raw', async () => {
    const engine = engineAt(transport, junkJson);
    const error = await failure(engine.listImages({ dangling: true }));
    if (transport === 'api') {
      expect(error).toBeInstanceOf(DockerNotAnEngineError);
      expect(error.message).toContain(junkJson);
    }
    engine.close();
  });
});

describe('api only', () => {
  async function fakeEngine(daemonMax: string, minimum: string | undefined): Promise<{ socket: string; paths: string[] }> {
    const paths: string[] = [];
    const socket = join(dir, `fake-${daemonMax}.sock`);
    await listen(
      createHttpServer((request, response) => {
        paths.push(request.url ?? '');
        if (request.url === '/_ping') {
          response.writeHead(200, { 'Api-Version': daemonMax });
          response.end('OK');
          return;
        }
        const asked = /^\/v(\d+\.\d+)\//.exec(request.url ?? '')?.[1] ?? '0';
        if (minimum && Number(asked.split('.')[1]) < Number(minimum.split('.')[1])) {
          response.writeHead(400, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify({ message: `client version ${asked} is too old. Minimum supported API version is ${minimum}, please upgrade your client to a newer version` }));
          return;
        }
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('[]');
      }),
      socket,
    );
    return { socket, paths };
  }

  it('speaks the daemon max when it is below ours (Podman: 1.40), every request prefixed', async () => {
    const fake = await fakeEngine('1.40', undefined);
    const engine = engineAt('api', fake.socket);
    expect(await engine.listImages({ dangling: true })).toEqual([]);
    expect(fake.paths).toEqual(['/_ping', `/v1.40/images/json?filters=${encodeURIComponent('{"dangling":["true"]}')}`]);
    engine.close();
  });

  it('a daemon whose minimum is above our maximum: moves up to the minimum it names, once', async () => {
    const fake = await fakeEngine('1.52', '1.50');
    const engine = engineAt('api', fake.socket);
    expect(await engine.listImages()).toEqual([]);
    expect(await engine.listImages()).toEqual([]);
    expect(fake.paths).toEqual(['/_ping', '/v1.45/images/json', '/v1.50/images/json', '/v1.50/images/json']);
    engine.close();
  });

  it('a prune refused because another prune runs is retried; dangling=true always sent', async () => {
    const paths: string[] = [];
    let prunes = 0;
    const socket = join(dir, 'prune.sock');
    await listen(
      createHttpServer((request, response) => {
        paths.push(`${request.method} ${request.url}`);
        if (request.url === '/_ping') {
          response.writeHead(200, { 'Api-Version': '1.41' });
          response.end('OK');
          return;
        }
        if (prunes++ === 0) {
          response.writeHead(409, { 'Content-Type': 'application/json' });
          response.end('{"message":"a prune operation is already running"}');
          return;
        }
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{"ImagesDeleted":[{"Untagged":"r@sha256:1"},{"Deleted":"sha256:2"}],"SpaceReclaimed":7}');
      }),
      socket,
    );
    const engine = engineAt('api', socket);
    const answer = await engine.pruneDanglingImages(['label=a=b', 'dangling=false', 'until=1700000000']);
    expect(answer).toEqual({ deleted: new Set(['sha256:2']), untagged: ['r@sha256:1'], reclaimed: 7 });
    const filters = encodeURIComponent('{"dangling":["true"],"label":["a=b"],"until":["1700000000"]}');
    expect(paths).toEqual(['GET /_ping', `POST /v1.41/images/prune?filters=${filters}`, `POST /v1.41/images/prune?filters=${filters}`]);
    engine.close();
  });

  it('an engine that stops answering part-way: the answers given are kept, the rest failed with no answer (never a throw)', async () => {
    const a = `sha256:${'a'.repeat(64)}` as const;
    const b = `sha256:${'b'.repeat(64)}` as const;
    const socket = join(dir, 'partway.sock');
    await listen(
      createHttpServer((request, response) => {
        if (request.url === '/_ping') {
          response.writeHead(200, { 'Api-Version': '1.41' });
          response.end('OK');
        } else if (request.url === `/v1.41/images/${a}`) {
          response.writeHead(200, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify([{ Deleted: a }]));
        }
        // anything else: never answered
      }),
      socket,
    );
    const engine = engineAt('api', socket, 800);
    const refA = { id: a } as const;
    const refB = { id: b } as const;
    const answers = await engine.removeImages([refA, refB]);
    expect(answers.get(refA)).toEqual({ kind: 'removed', deleted: [a], untagged: [] });
    // No answer in time: an outcome (the daemon may still carry it out), never an exception.
    const noAnswer = {
      kind: 'failed',
      noAnswer: true,
      message: expect.stringMatching(/no answer in time: .*did not answer DELETE \/v1\.41\/images\/sha256:b+ within 800 ms/),
    };
    expect(answers.get(refB)).toEqual(noAnswer);
    // The same engine sends nothing more (one timeout per teardown, clean or sweep); a fresh one asks again.
    const again = await engine.removeImages([refB]);
    expect(again.get(refB)).toEqual({ kind: 'failed', notSent: true, message: expect.stringMatching(/^not sent: the Docker engine at .* did not answer in time$/) });
    engine.close();
    const fresh = engineAt('api', socket, 800);
    expect((await fresh.removeImages([refB])).get(refB)).toEqual(noAnswer);
    fresh.close();
  });

  it('TLS toward a plain HTTP server: not a Docker engine, naming the endpoint', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'dj-certs-'));
    try {
      const { engine } = engineFromOptions({
        transport: 'api',
        host: `tcp://127.0.0.1:${plainHttpPort}`,
        env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs },
        timeoutMs: 5_000,
      });
      const error = await failure(engine.ping());
      expect(error).toBeInstanceOf(DockerNotAnEngineError);
      expect(error.message).toContain(`tcp://127.0.0.1:${plainHttpPort}`);
      engine.close();
    } finally {
      rmSync(certs, { recursive: true, force: true });
    }
  });

  it('plain TCP works where TLS did not (the same server answers a ping)', async () => {
    const { engine } = engineFromOptions({ transport: 'api', host: `tcp://127.0.0.1:${plainHttpPort}`, env: {}, timeoutMs: 5_000 });
    await engine.ping();
    engine.close();
  });

  it('a timeout above 2^31-1 ms is clamped, not fired at once', async () => {
    const engine = engineAt('api', hung, 2 ** 31 + 5);
    let settled = false;
    const call = engine.ping().finally(() => (settled = true));
    call.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    engine.close();
  });

  it('an endless answer: not a Docker engine once it passes the cap, memory stays bounded', async () => {
    const socket = join(dir, 'endless.sock');
    await listen(
      createHttpServer((_request, response) => {
        response.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'application/json' });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
        };
        response.on('drain', pump);
        pump();
      }),
      socket,
    );
    const engine = engineAt('api', socket, 60_000);
    const before = process.memoryUsage().rss;
    const started = Date.now();
    const error = await failure(engine.ping());
    expect(error).toBeInstanceOf(DockerNotAnEngineError);
    expect(error.message).toMatch(/GET \/_ping answered more than 256 MiB/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(600 * 1024 * 1024);
    engine.close();
  });
});

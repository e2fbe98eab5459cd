/**
 * The relay's decisions end to end, against a scripted stand-in engine on a unix socket (no
 * dockerd): answers an engine of API 1.42+ writes, which the suite's 20.10 engine cannot, and
 * the order of the requests the relay sends. The stand-in reads strict HTTP/1.1 requests (the
 * relay sends nothing else) and answers each with the script's bytes; after an answer that takes
 * the connection over it records the raw bytes it gets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSessionSocket, type SessionSocket } from '../../../src/socket/index.js';
import { parseRequestHead } from '../../../src/socket/request-head.js';

const SESSION = { 'docker-janitor.session': 's1' };

interface Seen {
  readonly connection: number;
  readonly method: string;
  readonly target: string;
  readonly body: string;
}

/** Answer bytes for a request, and whether the connection is raw after them. */
type Script = (request: Seen) => { answer: string; takeOver?: boolean; close?: boolean; later?: (write: (bytes: string) => void) => void };

let dir: string;
let engine: Server;
let socket: SessionSocket;
let seen: Seen[];
let raw: string;
let script: Script;

function startEngine(path: string): Promise<Server> {
  let connections = 0;
  const server = createServer((connection) => {
    const id = connections++;
    let pending = Buffer.alloc(0);
    let takenOver = false;
    connection.on('error', () => {});
    connection.on('data', (data: Buffer) => {
      if (takenOver) {
        raw += data.toString('latin1');
        return;
      }
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const parsed = parseRequestHead(pending);
        if (parsed.kind !== 'head') return;
        const length = parsed.head.body.kind === 'length' ? parsed.head.body.length : 0;
        if (pending.length < parsed.head.size + length) return;
        const request = { connection: id, method: parsed.head.method, target: parsed.head.target, body: pending.toString('utf8', parsed.head.size, parsed.head.size + length) };
        pending = pending.subarray(parsed.head.size + length);
        seen.push(request);
        const { answer, takeOver, close, later } = script(request);
        connection.write(answer);
        later?.((bytes) => connection.write(bytes));
        if (close) return void connection.end();
        if (takeOver) {
          takenOver = true;
          raw += pending.toString('latin1');
          return;
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

/** Sends each step's bytes on one connection, the next one once the answer so far matches `until`; the whole answer text (also when the relay closed the connection). */
function exchange(steps: Array<{ send: string; until?: RegExp }>, settleMs = 150): Promise<string> {
  return new Promise((resolve) => {
    const client: Socket = connect(socket.path);
    let answer = '';
    let step = 0;
    const next = () => {
      const current = steps[step];
      if (!current) return void setTimeout(() => (client.destroy(), resolve(answer)), settleMs);
      client.write(current.send);
      if (!current.until) {
        step++;
        next();
      }
    };
    client.on('data', (data) => {
      answer += data.toString('latin1');
      const current = steps[step];
      if (current?.until?.test(answer)) {
        step++;
        next();
      }
    });
    client.on('error', () => resolve(answer));
    client.on('close', () => resolve(answer));
    next();
  });
}

const post = (target: string, body: string, extra = '') => `POST ${target} HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const CREATED = 'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"Id":"abc"}';
/** A TTY container's logs as an engine of API 1.42+ answers them: 200, Content-Type raw-stream, an ordinary chunked body. */
const LOGS_142 = 'HTTP/1.1 200 OK\r\nApi-Version: 1.42\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello\n\r\n0\r\n\r\n';
const labelsOf = (request: Seen | undefined) => (JSON.parse(request?.body ?? 'null') as { Labels?: Record<string, string> } | null)?.Labels;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dj-relay-'));
  seen = [];
  raw = '';
  script = () => ({ answer: CREATED });
  engine = await startEngine(join(dir, 'engine.sock'));
  socket = await startSessionSocket({ path: join(dir, 'docker.sock'), upstream: { socketPath: join(dir, 'engine.sock') }, labels: SESSION });
});

afterEach(async () => {
  await socket.close();
  await new Promise((resolve) => engine.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('takeover: only the answer of an endpoint that takes the connection over ends the reading of requests', () => {
  it('a logs request with an Upgrade header, answered 200 raw-stream (API 1.42+): the next create on the connection is still labelled (attack S2.6, tunnel.py)', async () => {
    script = (request) => (request.target.includes('/logs') ? { answer: LOGS_142 } : { answer: CREATED });
    const answer = await exchange([
      { send: 'GET /v1.45/containers/tty/logs?stdout=1 HTTP/1.1\r\nHost: d\r\nUpgrade: x\r\n\r\n', until: /0\r\n\r\n$/ },
      { send: post('/v1.45/containers/create?name=atk-tunnel', '{"Image":"b"}'), until: /"abc"/ },
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*HTTP\/1\.1 201 Created/);
    expect(seen.map((r) => `${r.method} ${r.target}`)).toEqual(['GET /v1.45/containers/tty/logs?stdout=1', 'POST /v1.45/containers/create?name=atk-tunnel']);
    expect(labelsOf(seen[1])).toEqual(SESSION);
  });

  it('pipelined: logs (200 raw-stream), then an exec start that stays HTTP (Detach): the create behind them is labelled', async () => {
    script = (request) =>
      request.target.includes('/logs') ? { answer: LOGS_142 } : request.target.includes('/exec/') ? { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' } : { answer: CREATED };
    await exchange([
      {
        send:
          'GET /v1.45/containers/tty/logs?stdout=1 HTTP/1.1\r\nHost: d\r\n\r\n' +
          post('/v1.45/exec/e1/start', '{"Detach":true}', 'Connection: Upgrade\r\nUpgrade: tcp\r\n') +
          post('/v1.45/containers/create', '{"Image":"b"}'),
        until: /"abc"/,
      },
    ]);
    expect(seen.map((r) => r.target)).toEqual(['/v1.45/containers/tty/logs?stdout=1', '/v1.45/exec/e1/start', '/v1.45/containers/create']);
    expect(labelsOf(seen[2])).toEqual(SESSION);
  });

  it('an attach answered 101: from then on the client bytes reach the engine raw, unparsed', async () => {
    script = (request) => (request.target.includes('/attach') ? { answer: 'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n', takeOver: true } : { answer: CREATED });
    const stdin = post('/containers/create', '{"Image":"typed into the container"}');
    await exchange([
      { send: 'POST /v1.41/containers/c1/attach?stream=1&stdin=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n', until: /101 UPGRADED/ },
      { send: stdin },
    ]);
    // The relay passes the bytes on as they come: on a loaded machine later than the settle time.
    for (let waited = 0; raw.length < stdin.length && waited < 10_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen.map((r) => r.target)).toEqual(['/v1.41/containers/c1/attach?stream=1&stdin=1']);
    expect(raw).toBe(stdin);
  });

  it('a 101 to a request that cannot take the connection over closes the connection', async () => {
    script = () => ({ answer: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n' });
    const answer = await exchange([{ send: 'GET /_ping HTTP/1.1\r\nHost: d\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n', until: /\r\n\r\n/ }, { send: post('/containers/create', '{}') }], 300);
    expect(answer).toMatch(/^HTTP\/1\.1 101/);
    expect(seen.map((r) => r.target)).toEqual(['/_ping']);
    expect(raw).toBe('');
  });
});

describe('named volumes a container create makes are created first, with the session label', () => {
  it('POST /volumes/create for each, on a connection of its own, before the container create', async () => {
    const body = JSON.stringify({ Image: 'b', HostConfig: { Binds: ['data:/data', '/host:/h'], Mounts: [{ Type: 'volume', Source: 'm', Target: '/m', VolumeOptions: { Labels: { u: '1' } } }] } });
    const answer = await exchange([{ send: post('/v1.41/containers/create', body), until: /"abc"/ }]);
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    expect(seen.map((r) => `${r.method} ${r.target}`)).toEqual(['POST /volumes/create', 'POST /volumes/create', 'POST /v1.41/containers/create']);
    expect(seen[0]?.connection).not.toBe(seen[2]?.connection);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ Name: 'data', Driver: '', DriverOpts: {}, Labels: SESSION });
    expect(JSON.parse(seen[1]?.body ?? '')).toEqual({ Name: 'm', Driver: '', DriverOpts: {}, Labels: { u: '1', ...SESSION } });
    expect(labelsOf(seen[2])).toEqual(SESSION);
  });

  it("a volume the engine will not create: the engine's status and message, and no container create", async () => {
    script = (request) =>
      request.target === '/volumes/create' ? { answer: 'HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{"message":"boom"}', close: true } : { answer: CREATED };
    const answer = await exchange([{ send: post('/containers/create', JSON.stringify({ HostConfig: { Binds: ['data:/data'] } })), until: /boom[\s\S]*\}/ }], 300);
    expect(answer).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    expect(answer).toContain('"message":"docker-janitor session socket: creating volume \\"data\\" for the container: boom"');
    expect(seen.map((r) => r.target)).toEqual(['/volumes/create']);
  });

  it('closing the socket waits for a volume create in flight (the volume exists for the listing) and sends no container create after it', async () => {
    let answerVolume: (() => void) | undefined;
    const delayed: Script = (request) => {
      if (request.target !== '/volumes/create') return { answer: CREATED };
      return { answer: '', later: (write) => (answerVolume = () => write('HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')) };
    };
    script = delayed;
    const client = connect(socket.path);
    client.on('error', () => {});
    client.write(post('/containers/create', JSON.stringify({ HostConfig: { Binds: ['data:/data'] } })));
    while (!answerVolume) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = socket.close({ inFlightMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    answerVolume();
    expect(await closing).toMatchObject({ answered: 1, cutOff: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.map((r) => r.target)).toEqual(['/volumes/create']);
  });

  it('requests pipelined behind the create wait for it, in order', async () => {
    await exchange([{ send: post('/containers/create', JSON.stringify({ HostConfig: { Binds: ['data:/data'] } })) + 'GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n', until: /"abc"[\s\S]*"abc"/ }]);
    expect(seen.map((r) => r.target)).toEqual(['/volumes/create', '/containers/create', '/_ping']);
  });
});

describe('refused before anything goes upstream', () => {
  it.each([
    ['a container start with a host config body (pre-1.24 volumes)', post('/v1.23/containers/c1/start', '{"Binds":["data:/data"]}'), /container start with a body/],
    ['an ambiguous path', post('/v1.41/containers%2fcreate', '{}'), /encoded slash/],
    ['a bare LF in the head', 'GET /_ping HTTP/1.1\r\nX: a\nContent-Length: 4\r\n\r\nABCD', /bare LF/],
    ['top-level Binds', post('/containers/create', '{"Binds":["data:/data"]}'), /top level/],
    ['a build with a form body (Go reads form values from it before the query)', `POST /build?remote=x&labels=%7B%7D HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nlabels=%7`, /form body/],
  ])('%s', async (_name, request, message) => {
    const answer = await exchange([{ send: request, until: message }], 300);
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toMatch(message);
    expect(seen).toEqual([]);
  });

  it('a container start with an empty object or no body goes through', async () => {
    await exchange([{ send: post('/containers/c1/start', '{}'), until: /"abc"/ }]);
    expect(seen.map((r) => r.target)).toEqual(['/containers/c1/start']);
  });
});

describe('images made through the socket: a build waits for the image listing, and the images it made are reported', () => {
  const id = (n: number) => `sha256:${String(n).repeat(64)}`;
  const json = (body: string) => `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const listing = (images: Array<[number, number | undefined]>) => json(JSON.stringify(images.map(([n, parent]) => ({ Id: id(n), ParentId: parent === undefined ? '' : id(parent) }))));
  const built = (n: number) => json(`{"stream":"Step 2/2 : RUN x\\n"}\r\n{"aux":{"ID":"${id(n)}"}}\r\n{"stream":"Successfully built ${id(n).slice(7, 19)}\\n"}\r\n`);
  let made: string[];
  let problems: string[];

  beforeEach(async () => {
    await socket.close();
    made = [];
    problems = [];
    socket = await startSessionSocket({
      path: join(dir, 'made.sock'),
      upstream: { socketPath: join(dir, 'engine.sock') },
      labels: SESSION,
      imageLabels: () => ({ 'docker-janitor.build-session': 's1' }),
      onImageMade: (image) => made.push(image),
      onProblem: (message) => problems.push(message),
    });
  });

  /**
   * Until `done` holds (the reports a test expects), at most 5 s, then 50 ms more for any report
   * beyond them: the socket reports once the listing after the build is answered, which on a
   * loaded machine comes later than any fixed wait.
   */
  /** Waits until the engine saw `listings` image listings and `done()` holds (at most 5 s), then 50 ms more. */
  const settle = async (done: () => boolean = () => true, listings = 2) => {
    for (let waited = 0; waited < 5_000 && !(seen.filter((r) => r.target.startsWith('/images/json')).length >= listings && done()); waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
  };

  it("the listing before the build, on a connection of its own; after the answer, the build's image and the parents it made (not the cached one, theirs, nor the base)", async () => {
    // base 1 <- theirs 2 (existed: a cached step) <- run 3 <- label 4 <- made 5
    let builds = 0;
    script = (request) =>
      request.target.startsWith('/images/json')
        ? { answer: builds === 0 ? listing([[1, undefined], [2, 1]]) : listing([[1, undefined], [2, 1], [3, 2], [4, 3], [5, 4]]) }
        : (builds++, { answer: built(5) });
    await exchange([{ send: post('/v1.41/build?q=0', ''), until: /Successfully built/ }]);
    await settle(() => made.length >= 3);
    const order = seen.map((r) => `${r.method} ${r.target.replace(/\?.*/, '')}`);
    expect(order).toEqual(['GET /images/json', 'POST /v1.41/build', 'GET /images/json']);
    expect(seen[0]?.connection).not.toBe(seen[1]?.connection);
    expect(made).toEqual([id(5), id(4), id(3)]);
  });

  it('a cached step made after the listing (another terminal\'s build while the context uploaded): the answer says "Using cache", and it is not reported (attack/106)', async () => {
    // base 1 <- theirs 2 (made after the listing, reused) <- label 4 <- made 5
    let builds = 0;
    const answer = [
      '{"stream":"Step 2/4 : RUN x\\n"}',
      '{"stream":" ---\\u003e Using cache\\n"}',
      `{"stream":" ---\\u003e ${id(2).slice(7, 19)}\\n"}`,
      '{"stream":"Step 3/4 : LABEL docker-janitor.build-session=s1\\n"}',
      `{"stream":" ---\\u003e ${id(4).slice(7, 19)}\\n"}`,
      `{"aux":{"ID":"${id(5)}"}}`,
      `{"stream":"Successfully built ${id(5).slice(7, 19)}\\n"}`,
      '',
    ].join('\r\n');
    script = (request) =>
      request.target.startsWith('/images/json') ? { answer: builds === 0 ? listing([[1, undefined]]) : listing([[1, undefined], [2, 1], [4, 2], [5, 4]]) } : (builds++, { answer: json(answer) });
    await exchange([{ send: post('/v1.41/build', ''), until: /Successfully built/ }]);
    await settle(() => made.length >= 2);
    expect(made).toEqual([id(5), id(4)]);
  });

  it("a quiet build (q=1) says nothing of its steps: the images are listed again once its context arrived, before the engine gets the context's last 64 KiB; what that listing has is not the build's (attack/106 Q=1)", async () => {
    // base 1 <- theirs 2 (made while the context uploaded: in the second listing only) <- run 3 <- label 4 <- made 5
    const context = Buffer.alloc(200 * 1024, 'x').toString('latin1');
    let listings = 0;
    script = (request) => {
      if (!request.target.startsWith('/images/json')) return { answer: json(`{"stream":"${id(5)}\\n"}\r\n`) };
      listings++;
      if (listings === 1) return { answer: listing([[1, undefined]]) };
      if (listings === 2) return { answer: listing([[1, undefined], [2, 1]]) };
      return { answer: listing([[1, undefined], [2, 1], [3, 2], [4, 3], [5, 4]]) };
    };
    const answer = await exchange([{ send: post('/v1.41/build?q=1', context), until: /sha256/ }]);
    await settle(() => made.length >= 3);
    expect(answer).toContain(`{"stream":"${id(5)}\\n"}`);
    // The stand-in engine takes a request in once its whole body is there: the build after the second listing.
    expect(seen.map((r) => `${r.method} ${r.target.replace(/\?.*/, '')}`)).toEqual(['GET /images/json', 'GET /images/json', 'POST /v1.41/build', 'GET /images/json']);
    expect(seen[2]?.body).toBe(context);
    expect(made).toEqual([id(5), id(4), id(3)]);
  });

  it('a quiet build without a body (a context the engine fetches) and a build that is not quiet: no second listing', async () => {
    let listings = 0;
    script = (request) => {
      if (!request.target.startsWith('/images/json')) return { answer: request.target.includes('q=1') ? json(`{"stream":"${id(5)}\\n"}\r\n`) : built(5) };
      listings++;
      return { answer: listings % 2 === 1 ? listing([[1, undefined]]) : listing([[1, undefined], [4, 1], [5, 4]]) };
    };
    await exchange([{ send: post('/v1.41/build?q=1&remote=https%3A%2F%2Fexample.com%2Fctx.tar', ''), until: /sha256/ }]);
    await settle(() => made.length >= 2);
    await exchange([{ send: post('/v1.41/build?q=0', 'x'.repeat(100 * 1024)), until: /Successfully built/ }]);
    await settle(() => made.length >= 4);
    expect(seen.map((r) => `${r.method} ${r.target.replace(/\?.*/, '')}`)).toEqual(['GET /images/json', 'POST /v1.41/build', 'GET /images/json', 'GET /images/json', 'POST /v1.41/build', 'GET /images/json']);
    expect(made).toEqual([id(5), id(4), id(5), id(4)]);
  });

  it('a build answered with an image that existed before it and was not made through this socket: not reported (its labels may be copied); one this socket made: reported again', async () => {
    script = (request) => (request.target.startsWith('/images/json') ? { answer: listing([[1, undefined], [5, 1]]) } : { answer: built(5) });
    await exchange([{ send: post('/v1.41/build', ''), until: /Successfully built/ }]);
    // No listing after it: an image that existed before the build has no new parents to find.
    await settle(() => problems.length > 0, 1);
    expect(made).toEqual([]);
    expect(problems.join('\n')).toMatch(/existed before it and was not made through this socket/);
    // Made here first (the listing before it did not have it), then answered from the cache.
    let builds = 0;
    script = (request) => (request.target.startsWith('/images/json') ? { answer: builds === 0 ? listing([[1, undefined]]) : listing([[1, undefined], [6, 1]]) } : (builds++, { answer: built(6) }));
    await exchange([{ send: post('/v1.41/build', ''), until: /Successfully built/ }]);
    await exchange([{ send: post('/v1.41/build', ''), until: /Successfully built/ }]);
    await settle(() => made.length >= 2);
    expect(made).toEqual([id(6), id(6)]);
  });
});

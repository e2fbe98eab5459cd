/**
 * Closing the session socket (server.ts), through the real relay, over a fake engine (a unix
 * server that answers /_ping at once and creates when the test says): an idle kept-alive
 * connection and a long request that creates nothing are ended at once, new connections fail
 * with ENOENT; a create already sent to the engine is answered before close resolves, or cut off
 * after the bound; a create still being uploaded never reaches the engine.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSessionSocket, type SessionSocket } from '../../../src/socket/server.js';
import type { Upstream } from '../../../src/socket/upstream.js';

interface FakeEngine {
  readonly path: string;
  /** Request lines received, in order. */
  readonly received: string[];
  /** Bodies of the creates received. */
  readonly bodies: string[];
  /** Answers the oldest create held back; returns when it was written. */
  answerCreate(): number;
  /** Resolves when `count` requests whose line contains `part` arrived. */
  arrived(part: string, count?: number): Promise<void>;
  readonly server: Server;
}

let dir: string;
let engine: FakeEngine;
let socket: SessionSocket | undefined;
const clients: Socket[] = [];

function startFakeEngine(path: string): Promise<FakeEngine> {
  const received: string[] = [];
  const bodies: string[] = [];
  const held: Socket[] = [];
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const server = createServer((connection) => {
    let buffered = '';
    connection.on('data', (data: Buffer) => {
      buffered += data.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.slice(end + 4, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        const line = head.split('\r\n')[0] ?? '';
        received.push(line);
        if (line.includes('/create')) {
          bodies.push(body);
          held.push(connection);
        } else if (line.includes('/_ping')) {
          connection.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK');
        }
        // Anything else (a wait, a create) is held: no answer.
        wake();
      }
    });
    connection.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        path,
        received,
        bodies,
        server,
        answerCreate() {
          const connection = held.shift();
          if (!connection) throw new Error('no create held');
          const body = '{"Id":"abc","Warnings":[]}';
          connection.write(`HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
          return performance.now();
        },
        async arrived(part, count = 1) {
          while (received.filter((line) => line.includes(part)).length < count) await new Promise<void>((r) => waiters.push(r));
        },
      }),
    ),
  );
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dj-close-'));
  engine = await startFakeEngine(join(dir, 'engine.sock'));
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await socket?.close({ inFlightMs: 10 });
  socket = undefined;
  await new Promise((resolve) => {
    engine.server.close(resolve);
    // Held connections keep it open otherwise.
    engine.server.unref();
    setTimeout(resolve, 50);
  });
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The session socket in front of the fake engine: over its unix socket, or (`via: 'command'`)
 * through a process whose stdin and stdout are the engine connection, as for an ssh:// engine.
 */
async function start(via: 'unix' | 'command' = 'unix'): Promise<SessionSocket> {
  const sockDir = join(dir, 'socket');
  mkdirSync(sockDir, { mode: 0o700 });
  const pipe = `const s = require('node:net').connect(${JSON.stringify(engine.path)}); process.stdin.pipe(s); s.pipe(process.stdout);`;
  const upstream: Upstream = via === 'unix' ? { socketPath: engine.path } : { command: { file: process.execPath, args: ['-e', pipe], describe: 'a piped engine' } };
  socket = await startSessionSocket({ path: join(sockDir, 'docker.sock'), upstream, labels: { 'docker-janitor.session': 's1' } });
  return socket;
}

/** A raw client: connect, and collect what comes back. */
async function client(path: string): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
  const connection = connect(path);
  clients.push(connection);
  let text = '';
  connection.on('data', (data: Buffer) => (text += data.toString()));
  const closed = new Promise<void>((resolve) => connection.on('close', () => resolve()));
  connection.on('error', () => {});
  await new Promise((resolve, reject) => connection.once('connect', resolve).once('error', reject));
  return { socket: connection, text: () => text, closed };
}

const create = (path = '/v1.41/containers/create', body = '{"Image":"x"}') => `POST ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const connectError = (path: string) =>
  new Promise<string>((resolve) => {
    const attempt = connect(path);
    attempt.on('connect', () => {
      attempt.destroy();
      resolve('connected');
    });
    attempt.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });

describe('closing the session socket', () => {
  it('ends an idle kept-alive connection and a held request that creates nothing at once; new connections get ENOENT', async () => {
    const served = await start();
    const idle = await client(served.path);
    idle.socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
    while (!idle.text().endsWith('OK')) await new Promise((r) => setTimeout(r, 5));
    const waiting = await client(served.path);
    waiting.socket.write('POST /v1.41/containers/abc/wait HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n');
    await engine.arrived('/wait');

    const report = await served.close({ inFlightMs: 5_000 });
    expect({ ...report, ms: undefined }).toEqual({ dropped: 2, answered: 0, cutOff: 0, ms: undefined });
    await Promise.all([idle.closed, waiting.closed]);
    expect(await connectError(served.path)).toBe('ENOENT');
    expect(served.connections()).toBe(0);
  });

  it.each(['unix', 'command'] as const)('a create already sent to the engine (%s upstream) is answered before close resolves, then its connection ends', async (via) => {
    const served = await start(via);
    const creating = await client(served.path);
    creating.socket.write(create());
    await engine.arrived('/containers/create');
    // The labelled body went up whole.
    expect(JSON.parse(engine.bodies[0] ?? '{}')).toEqual({ Image: 'x', Labels: { 'docker-janitor.session': 's1' } });

    let resolvedAt = 0;
    const closing = served.close({ inFlightMs: 10_000 }).then((report) => {
      resolvedAt = performance.now();
      return report;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(resolvedAt).toBe(0);
    const answeredAt = engine.answerCreate();
    const report = await closing;
    expect(resolvedAt).toBeGreaterThanOrEqual(answeredAt);
    expect({ dropped: report.dropped, answered: report.answered, cutOff: report.cutOff }).toEqual({ dropped: 0, answered: 1, cutOff: 0 });
    await creating.closed;
    expect(await connectError(served.path)).toBe('ENOENT');
  });

  it.each(['unix', 'command'] as const)('a create the engine does not answer within the bound (%s upstream) is cut off and counted', async (via) => {
    const served = await start(via);
    const creating = await client(served.path);
    creating.socket.write(create('/v1.45/volumes/create', '{"Name":"v"}'));
    await engine.arrived('/volumes/create');
    const report = await served.close({ inFlightMs: 50 });
    expect({ dropped: report.dropped, answered: report.answered, cutOff: report.cutOff }).toEqual({ dropped: 0, answered: 0, cutOff: 1 });
    await creating.closed;
  });

  it('a create pipelined behind a ping waits for its own answer, not for the first bytes the engine sends after it', async () => {
    const served = await start();
    const pipelined = await client(served.path);
    pipelined.socket.write(`GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n${create()}`);
    await engine.arrived('/containers/create');
    // The ping's answer came back after the create went up.
    while (!pipelined.text().endsWith('OK')) await new Promise((r) => setTimeout(r, 5));

    let resolved = false;
    const closing = served.close({ inFlightMs: 10_000 }).then((report) => {
      resolved = true;
      return report;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(resolved).toBe(false);
    engine.answerCreate();
    const report = await closing;
    expect({ dropped: report.dropped, answered: report.answered, cutOff: report.cutOff }).toEqual({ dropped: 0, answered: 1, cutOff: 0 });
    await pipelined.closed;
  });

  it('a connection whose create was answered before close is dropped at once', async () => {
    const served = await start();
    const done = await client(served.path);
    done.socket.write(create());
    await engine.arrived('/containers/create');
    engine.answerCreate();
    while (!done.text().includes('"abc"')) await new Promise((r) => setTimeout(r, 5));
    const report = await served.close({ inFlightMs: 10_000 });
    expect({ dropped: report.dropped, answered: report.answered, cutOff: report.cutOff }).toEqual({ dropped: 1, answered: 0, cutOff: 0 });
    await done.closed;
  });

  it('a create still being uploaded never reaches the engine', async () => {
    const served = await start();
    const uploading = await client(served.path);
    const whole = create('/networks/create', '{"Name":"a-network-with-a-long-body"}');
    uploading.socket.write(whole.slice(0, whole.length - 5));
    // Another request on another connection shows the relay has read the first one's bytes.
    const other = await client(served.path);
    other.socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
    await engine.arrived('/_ping');
    const report = await served.close();
    expect({ dropped: report.dropped, answered: report.answered, cutOff: report.cutOff }).toEqual({ dropped: 2, answered: 0, cutOff: 0 });
    await uploading.closed;
    expect(engine.received.filter((line) => line.includes('/create'))).toEqual([]);
  });

  it('close is idempotent: later calls get the first report', async () => {
    const served = await start();
    const first = served.close();
    expect(served.close({ inFlightMs: 1 })).toBe(first);
    expect((await first).dropped).toBe(0);
  });
});

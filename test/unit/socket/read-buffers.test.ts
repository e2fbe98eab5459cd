/**
 * The engine's reads in reused buffers (read-buffers.ts): a buffer is read into again only when
 * the write of its bytes completed at once; one whose bytes wait in a write stays out of the pool
 * until that write's callback. End to end, a long answer relayed to a client that reads slowly
 * (so that writes wait, and buffers are lent) arrives byte for byte, and the connection's next
 * answer too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BufferPool, sharedPool, UpstreamReads } from '../../../src/socket/read-buffers.js';
import { startSessionSocket, type SessionSocket } from '../../../src/socket/index.js';

/** A stand-in for the client socket: `waiting` bytes stay in its write queue until `flush()`. */
function fakeSocket() {
  const callbacks: Array<() => void> = [];
  const fake = {
    waiting: false,
    destroyed: false,
    writableLength: 0,
    written: [] as Buffer[],
    write(data: Buffer, callback: () => void) {
      fake.written.push(Buffer.from(data));
      if (fake.waiting) fake.writableLength += data.length;
      callbacks.push(callback);
      return !fake.waiting;
    },
    flush() {
      fake.writableLength = 0;
      for (const callback of callbacks.splice(0)) callback();
    },
  };
  return fake;
}

/** One read as Node does it: ask for the buffer, fill it, call back. */
function read(reads: UpstreamReads, bytes: string): Buffer {
  const buffer = (reads.onread.buffer as () => Buffer)();
  const length = buffer.write(bytes, 'latin1');
  reads.onread.callback(length, buffer);
  return buffer;
}

it('a buffer whose bytes the kernel took at once is read into again', () => {
  const pool = new BufferPool(1024, 4);
  const client = fakeSocket();
  const reads = new UpstreamReads(pool, (data) => reads.forward(client as unknown as Socket, data));
  const first = read(reads, 'abc');
  const second = read(reads, 'def');
  expect(second).toBe(first);
  expect(pool.created).toBe(1);
  client.flush();
  expect(client.written.map(String)).toEqual(['abc', 'def']);
});

it('a buffer whose bytes wait in a write is lent to it: the next read lands in another, and it comes back with the write callback', () => {
  const pool = new BufferPool(1024, 4);
  const client = fakeSocket();
  const reads = new UpstreamReads(pool, (data) => reads.forward(client as unknown as Socket, data));
  client.waiting = true;
  const first = read(reads, 'abc');
  const second = read(reads, 'def');
  expect(second).not.toBe(first);
  // Still lent: the bytes were not overwritten.
  expect(first.toString('latin1', 0, 3)).toBe('abc');
  expect(pool.idle).toBe(0);
  client.flush();
  expect(pool.idle).toBe(2);
  client.waiting = false;
  const third = read(reads, 'ghi');
  expect([first, second]).toContain(third);
  expect(pool.created).toBe(2);
  expect(client.written.map(String)).toEqual(['abc', 'def', 'ghi']);
});

it('a closed connection gives its buffer back, unless a write holds it; a destroyed client keeps what it held', () => {
  const pool = new BufferPool(1024, 4);
  const client = fakeSocket();
  const reads = new UpstreamReads(pool, (data) => reads.forward(client as unknown as Socket, data));
  read(reads, 'abc');
  reads.release();
  expect(pool.idle).toBe(1);

  const held = new UpstreamReads(pool, (data) => held.forward(client as unknown as Socket, data));
  client.waiting = true;
  read(held, 'abc');
  held.release();
  expect(pool.idle).toBe(0);
  client.destroyed = true;
  client.flush();
  expect(pool.idle).toBe(0);
});

let dir: string;
let engine: Server | undefined;
let socket: SessionSocket | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dj-reads-'));
});
afterEach(async () => {
  await socket?.close();
  await new Promise<void>((resolve) => (engine ? engine.close(() => resolve()) : resolve()));
  socket = undefined;
  engine = undefined;
  rmSync(dir, { recursive: true, force: true });
});

it('a long chunked answer to a client that reads slowly arrives byte for byte, and so does the next answer on the connection', async () => {
  const payload = randomBytes(24 * 1024 * 1024);
  // Chunks of uneven sizes, written as fast as the relay takes them.
  const parts: Buffer[] = [Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n')];
  for (let at = 0, n = 0; at < payload.length; n++) {
    const size = Math.min(payload.length - at, 1000 + ((n * 7919) % 70000));
    parts.push(Buffer.from(`${size.toString(16)}\r\n`), payload.subarray(at, at + size), Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  const second = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK';
  const expected = Buffer.concat([...parts, Buffer.from(second)]);
  const enginePath = join(dir, 'engine.sock');
  engine = createServer((connection) => {
    let asked = 0;
    connection.on('data', (data: Buffer) => {
      const requests = data.toString('latin1').split('\r\n\r\n').length - 1;
      for (let i = 0; i < requests; i++) {
        asked++;
        if (asked === 1) for (const part of parts) connection.write(part);
        else connection.write(second);
      }
    });
  });
  await new Promise<void>((resolve) => engine?.listen(enginePath, () => resolve()));
  socket = await startSessionSocket({ path: join(dir, 'docker.sock'), upstream: { socketPath: enginePath }, labels: { 'docker-janitor.session': 's1' } });

  const client = connect(socket.path);
  const got = createHash('sha256');
  let received = 0;
  let reads = 0;
  const created = sharedPool.created;
  const done = new Promise<void>((resolve) => {
    client.on('data', (data: Buffer) => {
      got.update(data);
      received += data.length;
      // Slow reader: the relay's writes wait, and its read buffers are lent to them.
      if (++reads % 3 === 0) {
        client.pause();
        setTimeout(() => client.resume(), 1);
      }
      if (received === expected.length) resolve();
    });
  });
  client.write('GET /v1.41/containers/abc/archive?path=%2Fp HTTP/1.1\r\nHost: docker\r\n\r\nGET /v1.41/_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
  await done;
  client.destroy();
  expect(got.digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
  // Writes waited, and held buffers: more than one was made.
  expect(sharedPool.created - created).toBeGreaterThan(1);
}, 30_000);

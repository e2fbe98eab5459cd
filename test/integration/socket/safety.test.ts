/**
 * The session socket's safety: file and directory modes, another uid refused, and bad input
 * (malformed requests, oversized or invalid create bodies, clients that leave mid-stream, an
 * engine that fails mid-request) answered to that client only while the socket keeps serving.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSessionSocket, SessionSocketError, waitUntilServing } from '../../../src/socket/index.js';
import { BASE_IMAGE, dockerSync, privateHost, resetEngine } from '../../support/docker.js';
import { pings, rawExchange, startTestSocket, type TestSocket } from './support.js';

let socket: TestSocket;

beforeAll(async () => {
  resetEngine();
  socket = await startTestSocket();
});

afterAll(async () => {
  await socket?.stop();
  resetEngine();
});

const containers = () => dockerSync(['ps', '-aq']).split('\n').filter(Boolean);
const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const messageOf = (answer: string) => (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { message: string }).message;

/** Connects to `path` as uid/gid 65534 (nobody); prints `connected` or the error code. */
function connectAsNobody(path: string): string {
  const code = `require('node:net').connect(${JSON.stringify(path)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', code], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`setpriv failed: ${result.stderr}`);
  return result.stdout.trim();
}

describe('who can connect', () => {
  it('the socket file is 0600 in a 0700 directory', () => {
    expect(statSync(socket.path).mode & 0o777).toBe(0o600);
    expect(statSync(socket.dir).mode & 0o777).toBe(0o700);
    expect(statSync(socket.path).isSocket()).toBe(true);
  });

  it('another uid gets permission denied, from the directory and from the file mode alone', () => {
    // The check itself works: nobody can connect to a socket that lets it.
    const open = mkdtempSync(join(tmpdir(), 'dj-socket-open-'));
    chmodSync(open, 0o755);
    const control: Server = createServer();
    try {
      control.listen(join(open, 'open.sock'));
      chmodSync(join(open, 'open.sock'), 0o666);
      expect(connectAsNobody(join(open, 'open.sock'))).toBe('connected');
    } finally {
      control.close();
      rmSync(open, { recursive: true, force: true });
    }

    expect(connectAsNobody(socket.path)).toBe('EACCES');
    // Even with the directory opened for traversal, the 0600 file keeps another uid out.
    chmodSync(socket.dir, 0o711);
    try {
      expect(connectAsNobody(socket.path)).toBe('EACCES');
    } finally {
      chmodSync(socket.dir, 0o700);
    }
  });

  it('refuses to start in a directory others can enter, or over an existing path; close removes the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dj-socket-dir-'));
    try {
      chmodSync(dir, 0o755);
      const upstream = { socketPath: privateHost().replace('unix://', '') };
      const labels = { 'docker-janitor.session': 'x' };
      await expect(startSessionSocket({ path: join(dir, 's.sock'), upstream, labels })).rejects.toThrow(`its directory ${dir} is accessible to group or others (mode 755)`);
      chmodSync(dir, 0o700);
      await expect(startSessionSocket({ path: join(dir, 'missing', 's.sock'), upstream, labels })).rejects.toBeInstanceOf(SessionSocketError);
      const started = await startSessionSocket({ path: join(dir, 's.sock'), upstream, labels });
      await expect(startSessionSocket({ path: join(dir, 's.sock'), upstream, labels })).rejects.toThrow(/already exists/);
      expect(await pings(started.path)).toBe(true);
      const ready = await waitUntilServing(started.path);
      expect(ready).toMatchObject({ ok: true, apiVersion: expect.stringMatching(/^1\.\d+$/) });
      await started.close();
      expect(await waitUntilServing(started.path, { timeoutMs: 200 })).toMatchObject({ ok: false, reason: 'ENOENT' });
      expect(existsSync(join(dir, 's.sock'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad input gets a clean error on its own connection', () => {
  it('a malformed request: 400 with a JSON message, while a stream on another connection goes on', async () => {
    const events = connect(socket.path);
    let streamed = '';
    events.on('data', (data) => (streamed += data.toString()));
    // `since` a moment ago: the engine replays what happened since, so the create below is on the
    // stream however late the engine subscribed it (on a busy machine, later than any fixed wait).
    const since = Math.floor(Date.now() / 1000) - 1;
    events.write(`GET /events?since=${since}&filters=%7B%22type%22%3A%5B%22container%22%5D%7D HTTP/1.1\r\nHost: docker\r\n\r\n`);
    for (let waited = 0; !streamed.includes('\r\n\r\n') && waited < 20_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));

    const garbage = await rawExchange(socket.path, 'THIS IS NOT HTTP\r\n\r\n');
    expect(statusOf(garbage)).toBe(400);
    expect(messageOf(garbage)).toMatch(/^docker-janitor session socket: malformed request line/);
    const badHeader = await rawExchange(socket.path, 'GET /_ping HTTP/1.1\r\nno colon here\r\n\r\n');
    expect(statusOf(badHeader)).toBe(400);
    // On a kept-alive connection, after an answered request, the bad one still gets its 400.
    const client = connect(socket.path);
    let kept = '';
    client.on('data', (data) => (kept += data.toString('latin1')));
    client.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
    while (!kept.includes('\r\n\r\nOK')) await new Promise((resolve) => setTimeout(resolve, 10));
    client.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nContent-Length: x\r\n\r\n');
    await new Promise((resolve) => client.on('close', resolve));
    const second = kept.slice(kept.indexOf('\r\n\r\nOK') + 6);
    expect(statusOf(second)).toBe(400);
    expect(messageOf(second)).toMatch(/invalid Content-Length/);

    // The events stream still works: a create through the socket shows up on it.
    const id = execFileSync('docker', ['create', BASE_IMAGE, 'true'], { env: socket.env }).toString().trim();
    for (let waited = 0; !streamed.includes(id) && waited < 20_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(streamed).toMatch(/^HTTP\/1\.1 200/);
    expect(streamed).toContain(id);
    events.destroy();
    expect(await pings(socket.path)).toBe(true);
  });

  it('an oversized create body: 413 at once for a Content-Length over 16 MiB, and for a chunked body when it passes 16 MiB', async () => {
    const before = containers();
    const declared = await rawExchange(
      socket.path,
      `POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${17 * 1024 * 1024}\r\n\r\n{"Image":`,
    );
    expect(statusOf(declared)).toBe(413);
    expect(messageOf(declared)).toMatch(/over the 16777216-byte limit/);

    const chunked = await new Promise<string>((resolve) => {
      const client: Socket = connect(socket.path);
      let answer = '';
      client.on('data', (data) => (answer += data.toString('latin1')));
      client.on('close', () => resolve(answer));
      client.on('error', () => resolve(answer));
      client.write('POST /containers/create HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const head = Buffer.from(`${chunk.length.toString(16)}\r\n`);
      const send = (n: number) => {
        if (n === 0 || client.destroyed) return;
        const ok = client.write(Buffer.concat([head, chunk, Buffer.from('\r\n')]));
        if (ok) send(n - 1);
        else client.once('drain', () => send(n - 1));
      };
      send(20);
    });
    expect(statusOf(chunked)).toBe(413);
    expect(containers()).toEqual(before);
    expect(await pings(socket.path)).toBe(true);
  });

  it('a create body that is not JSON: 400, nothing created; bad chunk framing: 400', async () => {
    const before = containers();
    const body = '{"Image": "dj-test-base:latest", oops}';
    const answer = await rawExchange(socket.path, `POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(statusOf(answer)).toBe(400);
    expect(messageOf(answer)).toMatch(/not a JSON object/);
    const framing = await rawExchange(socket.path, 'POST /containers/create HTTP/1.1\r\nHost: docker\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n');
    expect(statusOf(framing)).toBe(400);
    expect(containers()).toEqual(before);
    expect(socket.problems().some((line) => line.includes('not a JSON object'))).toBe(true);
  });

  it('clients that leave mid-body or mid-stream: nothing is created, the socket keeps serving', async () => {
    const before = containers();
    const leaving = connect(socket.path);
    leaving.write('POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 500\r\n\r\n{"Image":"dj-');
    await new Promise((resolve) => setTimeout(resolve, 100));
    leaving.destroy();

    const id = dockerSync(['run', '-d', BASE_IMAGE, 'sh', '-c', 'while true; do echo tick; sleep 0.05; done']);
    const follower = connect(socket.path);
    let got = '';
    await new Promise<void>((resolve) => {
      follower.on('data', (data) => {
        got += data.toString('latin1');
        if (got.split('tick').length > 5) resolve();
      });
      follower.write(`GET /containers/${id}/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n\r\n`);
    });
    follower.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(containers().filter((c) => !before.includes(c))).toEqual([id.slice(0, 12)]);
    expect(await pings(socket.path)).toBe(true);
    const again = execFileSync('docker', ['logs', '--tail', '1', id], { env: socket.env }).toString();
    expect(again).toBe('tick\n');
  });
});

describe('an engine that fails mid-request', () => {
  let engineDir: string;
  let fake: Server;
  let behaviour: 'close-at-once' | 'half-answer' = 'close-at-once';
  let failing: TestSocket;

  beforeAll(async () => {
    engineDir = mkdtempSync(join(tmpdir(), 'dj-socket-fake-engine-'));
    // A stand-in engine that fails on purpose: it reads the request, then drops the connection
    // before answering, or after half an answer.
    fake = createServer((connection) => {
      connection.on('error', () => {});
      connection.once('data', () => {
        if (behaviour === 'close-at-once') connection.destroy();
        else {
          connection.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Id":"');
          setTimeout(() => connection.destroy(), 50);
        }
      });
    });
    await new Promise<void>((resolve) => fake.listen(join(engineDir, 'engine.sock'), resolve));
    failing = await startTestSocket({ upstream: join(engineDir, 'engine.sock') });
  });

  afterAll(async () => {
    await failing?.stop();
    fake?.close();
    rmSync(engineDir, { recursive: true, force: true });
  });

  it('dropped before answering: 502 with a JSON message, again on the next connection', async () => {
    behaviour = 'close-at-once';
    for (let i = 0; i < 2; i++) {
      const answer = await rawExchange(failing.path, 'GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
      expect(statusOf(answer)).toBe(502);
      expect(messageOf(answer)).toMatch(/engine/);
    }
  });

  it('dropped after half an answer: the client sees the connection end, with no made-up status', async () => {
    behaviour = 'half-answer';
    const answer = await rawExchange(failing.path, 'POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 2\r\n\r\n{}');
    expect(answer).toBe('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Id":"');
  });

  it('an engine that is not there: 502 naming the error; the docker CLI shows it', async () => {
    fake.close();
    rmSync(join(engineDir, 'engine.sock'), { force: true });
    const answer = await rawExchange(failing.path, 'GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
    expect(statusOf(answer)).toBe(502);
    expect(messageOf(answer)).toMatch(/ENOENT/);
    expect(await waitUntilServing(failing.path, { timeoutMs: 300 })).toMatchObject({ ok: false, reason: expect.stringMatching(/^502 .*ENOENT/) });
    const cli = spawnSync('docker', ['volume', 'ls'], { env: failing.env, encoding: 'utf8' });
    expect(cli.status).not.toBe(0);
    expect(cli.stderr).toMatch(/docker-janitor session socket: the engine connection failed: ENOENT/);
    expect(failing.child.exitCode).toBe(null);
  });
});

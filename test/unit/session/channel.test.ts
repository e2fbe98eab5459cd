/**
 * The runner ↔ watchdog channel (session/channel.ts): the line protocol (pure), and both ends
 * over a real connected socket pair: close answered with the report, no answer in time, the
 * watchdog's end gone (at once, and mid-wait), the runner's end closing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openChannel, parseClosed, renderClosed, serveChannel, splitLines } from '../../../src/session/channel.js';

describe('the line protocol', () => {
  it('splits complete lines and keeps the rest', () => {
    expect(splitLines('close\nclo')).toEqual({ lines: ['close'], rest: 'clo' });
    expect(splitLines('\n\nclose\n')).toEqual({ lines: ['close'], rest: '' });
  });

  it('a closed line carries the report; anything else is not one; a garbled one reads as nothing closed', () => {
    const report = { dropped: 2, answered: 1, cutOff: 0, ms: 1.5 };
    expect(parseClosed(renderClosed(report).trimEnd())).toEqual(report);
    expect(parseClosed('close')).toBeUndefined();
    expect(parseClosed('closedx {}')).toBeUndefined();
    expect(parseClosed('closed {nope')).toEqual({ dropped: 0, answered: 0, cutOff: 0, ms: 0 });
    expect(parseClosed('closed {"dropped":"3","cutOff":2}')).toEqual({ dropped: 0, answered: 0, cutOff: 2, ms: 0 });
  });
});

const dirs: string[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A connected pair: [runner's end, watchdog's end]. */
async function pair(): Promise<[Socket, Socket]> {
  const dir = mkdtempSync(join(tmpdir(), 'dj-channel-'));
  dirs.push(dir);
  const path = join(dir, 'pair.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const runner = connect(path);
  const watchdog = await accepted;
  server.close();
  sockets.push(runner, watchdog);
  return [runner, watchdog];
}

describe('both ends', () => {
  it('close is answered with the watchdog report; the runner end closing reaches onEnd, and is not taken for the watchdog gone', async () => {
    const [runnerEnd, watchdogEnd] = await pair();
    let closes = 0;
    let ended = false;
    serveChannel(watchdogEnd, {
      onClose: async () => {
        closes += 1;
        return { dropped: 1, answered: 0, cutOff: 0, ms: 0.4 };
      },
      onEnd: () => (ended = true),
    });
    let gone = false;
    const channel = openChannel(runnerEnd, () => (gone = true));
    const answer = await channel.closeSocket(5_000);
    expect(answer).toMatchObject({ kind: 'closed', report: { dropped: 1, answered: 0, cutOff: 0, ms: 0.4 } });
    expect(closes).toBe(1);
    channel.end();
    while (!ended) await new Promise((r) => setTimeout(r, 5));
    expect([gone, channel.goneAt()]).toEqual([false, undefined]);
    expect((await channel.closeSocket(5_000)).kind).toBe('gone');
  });

  it('no answer in time: timeout, bounded', async () => {
    const [runnerEnd] = await pair();
    const channel = openChannel(runnerEnd);
    const answer = await channel.closeSocket(50);
    expect(answer.kind).toBe('timeout');
    expect(answer.ms).toBeGreaterThanOrEqual(45);
  });

  it('the watchdog end closes while the runner waits: gone at once, noticed with its time', async () => {
    const [runnerEnd, watchdogEnd] = await pair();
    let gone = 0;
    const channel = openChannel(runnerEnd, () => (gone += 1));
    const waiting = channel.closeSocket(10_000);
    setTimeout(() => watchdogEnd.destroy(), 20);
    const answer = await waiting;
    expect(answer.kind).toBe('gone');
    expect(answer.ms).toBeLessThan(5_000);
    expect(gone).toBe(1);
    expect(channel.goneAt()).toBeTypeOf('number');
    expect((await channel.closeSocket(10_000)).kind).toBe('gone');
  });

  it('a request split across writes, and two requests, get two answers', async () => {
    const [runnerEnd, watchdogEnd] = await pair();
    let closes = 0;
    serveChannel(watchdogEnd, { onClose: async () => ({ dropped: closes++, answered: 0, cutOff: 0, ms: 0 }), onEnd: () => {} });
    runnerEnd.write('clo');
    await new Promise((r) => setTimeout(r, 20));
    runnerEnd.write('se\nclose\n');
    let text = '';
    runnerEnd.setEncoding('utf8');
    runnerEnd.on('data', (chunk: string) => (text += chunk));
    while (text.split('\n').length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(text.split('\n').filter(Boolean).map((line) => parseClosed(line)?.dropped)).toEqual([0, 1]);
  });
});

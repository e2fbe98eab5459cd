import { describe, expect, it } from 'vitest';
import { AnswerFramer, answerHeaders, type AnswerVerdict } from '../../../src/socket/answer-framing.js';
import { rng } from '../../support/rng.js';

// Recorded from Docker 20.10.24 (API 1.41) for `docker run --name rec2 hb echo hi` (CLI 28.2.2).
/** One connection: HEAD /_ping, POST /containers/create, POST /containers/{id}/wait. */
const RUN_MAIN =
  'HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nCache-Control: no-cache, no-store, must-revalidate\r\nContent-Length: 0\r\nContent-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\nOstype: linux\r\nPragma: no-cache\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: Mon, 30 Nov 2026 04:20:03 GMT\r\n\r\n' +
  'HTTP/1.1 201 Created\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: Mon, 30 Nov 2026 04:20:03 GMT\r\nContent-Length: 88\r\n\r\n{"Id":"da448a67cdd261a862909d3447445e8c6843b145144e2a23c4b1ef12210b0946","Warnings":[]}\n' +
  'HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: Mon, 30 Nov 2026 04:20:03 GMT\r\nTransfer-Encoding: chunked\r\n\r\n1e\r\n{"Error":null,"StatusCode":0}\n\r\n0\r\n\r\n';
/** Its attach connection: POST /containers/{id}/attach with Upgrade: tcp. */
const RUN_ATTACH = 'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\x01\x00\x00\x00\x00\x00\x00\x03hi\n';
// Not recorded (the engine here is 20.10), written as moby's source writes them:
/** The recorded 1.41 logs answer of a TTY container with the Content-Type moby sets from API 1.42 on (container_routes.go): still an ordinary HTTP answer. */
const LOGS_142 =
  'HTTP/1.1 200 OK\r\nApi-Version: 1.42\r\nContent-Type: application/vnd.docker.raw-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ntty\r\n\r\n0\r\n\r\n';
/** An attach to a missing container: moby hijacks, writes the error and closes (no length). */
const ATTACH_404 = 'HTTP/1.1 404 Not Found\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nNo such container: x\r\n';
/** exec start without Upgrade: a 200 raw-stream written to the hijacked connection (exec.go). */
const EXEC_200 = 'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nApi-Version: 1.41\r\n\r\nex\n';

/** Feeds `answers` cut at `cuts`; every verdict that is not 'none'. */
function run(asked: Array<[string, boolean]>, answers: string, cuts: number[] = []): AnswerVerdict[] {
  const framer = new AnswerFramer();
  for (const [method, mayTakeOver] of asked) framer.expect(method, mayTakeOver);
  const data = Buffer.from(answers, 'latin1');
  const verdicts: AnswerVerdict[] = [];
  let from = 0;
  for (const to of [...cuts, data.length]) {
    if (to <= from) continue;
    const verdict = framer.feed(data.subarray(from, to));
    if (verdict.kind !== 'none') verdicts.push(verdict);
    from = to;
  }
  return verdicts;
}
const everyByte = (text: string) => Array.from({ length: text.length }, (_, i) => i);

describe('AnswerFramer', () => {
  it('follows recorded answers (HEAD, Content-Length, chunked) without a verdict when no request may take over', () => {
    const asked: Array<[string, boolean]> = [['HEAD', false], ['POST', false], ['POST', false]];
    expect(run(asked, RUN_MAIN)).toEqual([]);
    expect(run(asked, RUN_MAIN, everyByte(RUN_MAIN))).toEqual([]);
  });

  it("an attach's recorded 101: taken over, whole or byte by byte", () => {
    expect(run([['POST', true]], RUN_ATTACH)).toEqual([{ kind: 'taken-over' }]);
    expect(run([['POST', true]], RUN_ATTACH, everyByte(RUN_ATTACH))).toEqual([{ kind: 'taken-over' }]);
    expect(run([['POST', true]], EXEC_200)).toEqual([{ kind: 'taken-over' }]);
  });

  it('decides on the answer to the request that may take over, after the answers before it (pipelined)', () => {
    // The first answer says 200 raw-stream (a 1.42 logs answer); the attach behind it fails.
    const answers = `${LOGS_142}${ATTACH_404}`;
    const asked: Array<[string, boolean]> = [['GET', false], ['POST', true]];
    expect(run(asked, answers)).toEqual([{ kind: 'stays-http' }]);
    expect(run(asked, answers, everyByte(answers))).toEqual([{ kind: 'stays-http' }]);
    // ...and behind a 100 Continue and the recorded answers, an attach that succeeds.
    const later = `${RUN_MAIN}HTTP/1.1 100 Continue\r\n\r\n${RUN_ATTACH}`;
    expect(run([['HEAD', false], ['POST', false], ['POST', false], ['POST', true]], later, everyByte(later))).toEqual([{ kind: 'taken-over' }]);
  });

  it('a raw-stream 200 to a request that cannot take over (logs, API 1.42) is an ordinary answer', () => {
    expect(run([['GET', false]], LOGS_142)).toEqual([]);
    expect(run([['GET', false], ['POST', true]], `${LOGS_142}${RUN_ATTACH}`)).toEqual([{ kind: 'taken-over' }]);
  });

  it('an exec start with Detach (an empty 200) leaves the connection HTTP', () => {
    expect(run([['POST', true], ['GET', false]], 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK')).toEqual([{ kind: 'stays-http' }]);
  });

  it('loses the connection on what it cannot frame', () => {
    const lost = (asked: Array<[string, boolean]>, answers: string) => run(asked, answers)[0];
    expect(lost([], 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toMatchObject({ kind: 'lost', message: expect.stringMatching(/to no request/) });
    expect(lost([['GET', false]], 'HTTP/1.1 101 Switching Protocols\r\n\r\n')).toMatchObject({ kind: 'lost', message: expect.stringMatching(/cannot take the connection over/) });
    expect(lost([['GET', false]], 'garbage\r\n\r\n')).toMatchObject({ kind: 'lost' });
    expect(lost([['GET', false]], 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n')).toMatchObject({ kind: 'lost' });
    expect(lost([['GET', false]], 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')).toMatchObject({ kind: 'lost' });
    expect(lost([['GET', false]], 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toMatchObject({ kind: 'lost' });
    expect(lost([['GET', false]], `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70 * 1024)}`)).toMatchObject({ kind: 'lost' });
  });

  it('a body that ends with the connection swallows everything after it', () => {
    expect(run([['GET', false], ['POST', true]], `HTTP/1.0 200 OK\r\n\r\nbody ${RUN_ATTACH}`)).toEqual([]);
  });
});

describe('AnswerFramer: a tapped answer', () => {
  const chunked = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;

  it('gets its status and the end of its decoded body once the body ends, also behind an answer not tapped and split anywhere', () => {
    const framer = new AnswerFramer();
    const taps: { status: number; tail: string }[] = [];
    framer.expect('GET', false);
    framer.expect('POST', false, (answer) => taps.push(answer));
    framer.expect('POST', false, (answer) => taps.push(answer));
    const bytes = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
        chunked('{"stream":"Step 1/1"}\r\n') +
        chunked('{"aux":{"ID":"sha256:ab"}}\r\n') +
        '0\r\n\r\n' +
        'HTTP/1.1 201 Created\r\nContent-Length: 9\r\n\r\n{"Id":1}\n',
    );
    for (let i = 0; i < bytes.length; i += 7) framer.feed(bytes.subarray(i, i + 7));
    expect(taps).toEqual([
      { status: 200, tail: '{"stream":"Step 1/1"}\r\n{"aux":{"ID":"sha256:ab"}}\r\n' },
      { status: 201, tail: '{"Id":1}\n' },
    ]);
  });

  it('keeps only the last 64 KiB of a long body', () => {
    const framer = new AnswerFramer();
    let tail = '';
    framer.expect('POST', false, (answer) => {
      tail = answer.tail;
    });
    framer.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    for (let i = 0; i < 100; i++) framer.feed(Buffer.from(chunked(`${String(i).padStart(4, '0')}${'x'.repeat(4096)}\n`)));
    framer.feed(Buffer.from(chunked('END\n') + '0\r\n\r\n'));
    expect(tail.length).toBe(64 * 1024);
    expect(tail.endsWith('END\n')).toBe(true);
  });
});

/**
 * How the framer read an answer's header lines before answerHeaders (stop 16): every line split
 * off, every name lower-cased into a map. The reference the randomised test holds it to.
 */
function headersByMap(head: string): ReturnType<typeof answerHeaders> {
  const headers = new Map<string, string[]>();
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, message: `a malformed header line in an answer: ${JSON.stringify(line.slice(0, 80))}` };
    const name = line.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { ok: true, contentType: headers.get('content-type')?.[0], encodings: headers.get('transfer-encoding'), lengths: headers.get('content-length') };
}

describe('answerHeaders', () => {
  it('reads the recorded answers and random ones exactly as a split into a map does', () => {
    for (const answers of [RUN_MAIN, RUN_ATTACH, LOGS_142, ATTACH_404, EXEC_200]) {
      for (const head of answers.split('\r\n\r\n').filter((part) => part.startsWith('HTTP/'))) expect(answerHeaders(head)).toEqual(headersByMap(head));
    }
    const random = rng(16);
    const names = ['Content-Type', 'content-type', 'CONTENT-TYPE', 'Content-Length', 'content-length', 'Transfer-Encoding', 'transfer-encoding', 'Api-Version', 'Server', 'Date', 'Content-Typ', 'Content-Types', 'X', ''];
    const values = ['application/json', ' application/vnd.docker.raw-stream ', '12', ' 12', '0', 'chunked', ' chunked\t', '', 'a:b', 'Docker/20.10.24+dfsg1 (linux)'];
    const tricky = ['\r', '\n', ':', ' ', '\t', '\r\n', 'x'];
    let malformed = 0;
    for (let round = 0; round < 3000; round++) {
      const lines = [random.pick(['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.0 101 UPGRADED'])];
      for (let n = random.int(0, 6); n > 0; n--) {
        let line = `${random.pick(names)}${random.pick([':', ': ', ' :', '::', ''])}${random.pick(values)}`;
        if (random.next() < 0.15) {
          const at = random.int(0, line.length);
          line = line.slice(0, at) + random.pick(tricky) + line.slice(at);
        }
        lines.push(line);
      }
      const head = lines.join('\r\n');
      const expected = headersByMap(head);
      if (!expected.ok) malformed++;
      expect(answerHeaders(head), JSON.stringify(head)).toEqual(expected);
    }
    expect(malformed).toBeGreaterThan(300);
    expect(malformed).toBeLessThan(2700);
  });
});

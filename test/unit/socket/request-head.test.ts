import { describe, expect, it } from 'vitest';
import { ChunkedScanner } from '../../../src/socket/chunked.js';
import { rng } from '../../support/rng.js';
import { MAX_HEAD_BYTES, parseRequestHead, renderRequestHead } from '../../../src/socket/request-head.js';

const head = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'));

describe('parseRequestHead', () => {
  it('frames a request with Content-Length and keeps the header lines', () => {
    const parsed = head('POST /v1.41/containers/create HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Length: 12\r\n\r\n{"Image":"b"}');
    expect(parsed).toMatchObject({
      kind: 'head',
      head: { method: 'POST', target: '/v1.41/containers/create', body: { kind: 'length', length: 12 } },
    });
    if (parsed.kind === 'head') expect(parsed.head.size).toBe('POST /v1.41/containers/create HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Length: 12\r\n\r\n'.length);
  });

  it('sees chunked bodies and Expect', () => {
    const parsed = head('POST /exec/1/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n');
    expect(parsed).toMatchObject({ kind: 'head', head: { body: { kind: 'chunked' }, expectContinue: true } });
  });

  it('reads a recorded docker CLI request (28.2.2) and trims only spaces and tabs around values', () => {
    const recorded = 'POST /v1.41/containers/create?name=rec1 HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\nContent-Length: 1938\r\nContent-Type: application/json\r\n\r\n{';
    expect(head(recorded)).toMatchObject({ kind: 'head', head: { method: 'POST', body: { kind: 'length', length: 1938 }, size: recorded.length - 1 } });
    expect(head('POST /x HTTP/1.1\r\nContent-Length: \t 4 \t\r\n\r\n')).toMatchObject({ kind: 'head', head: { body: { kind: 'length', length: 4 } } });
  });

  it('takes up to two empty lines before the request line (Go discards up to 4 CR/LF bytes after a POST)', () => {
    expect(head('\r\n\r\nGET /_ping HTTP/1.1\r\n\r\n')).toMatchObject({ kind: 'head', head: { method: 'GET', size: 27 } });
    expect(head('\r\n\r\n\r\nGET /_ping HTTP/1.1\r\n\r\n')).toMatchObject({ kind: 'bad', status: 400 });
  });

  it('waits for the rest of the head', () => {
    expect(head('GET /_ping HTTP/1.1\r\nHost: x\r\n')).toEqual({ kind: 'incomplete' });
  });

  it.each([
    ['garbage\r\n\r\n', 400],
    ['GET /_ping HTTP/2.0\r\n\r\n', 400],
    ['GET http://x/_ping HTTP/1.1\r\n\r\n', 400],
    ['GET /_ping HTTP/1.1\r\nno colon\r\n\r\n', 400],
    ['POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n', 400],
    ['POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 400],
    ['POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n', 501],
  ])('refuses %j with %i', (text, status) => {
    expect(head(text)).toMatchObject({ kind: 'bad', status });
  });

  // Request smuggling: heads Go's net/http reads differently from a strict reader (it ends lines
  // at a bare LF, joins continuation lines, parses Content-Length with strconv, ignores
  // Transfer-Encoding on HTTP/1.0). Every one is refused before a byte goes upstream.
  it.each([
    // The attack report's S2.5: Go reads a 4-byte body, a CRLF-only reader none.
    ['bare LF inside the head', 'GET /_ping HTTP/1.1\r\nHost: d\r\nX: a\nContent-Length: 4\r\n\r\nABCD', /bare LF/],
    ['bare LF ending the request line', 'GET /_ping HTTP/1.1\nHost: d\r\n\r\n', /bare LF/],
    ['an LF-only head (no CRLF CRLF will ever come)', 'GET /_ping HTTP/1.1\nHost: d\n\n', /bare LF/],
    ['bare CR inside a value', 'GET /_ping HTTP/1.1\r\nX: a\rContent-Length: 4\r\n\r\n', /bare CR/],
    ['obs-fold continuation line', 'GET /_ping HTTP/1.1\r\nX: a\r\n Content-Length: 4\r\n\r\n', /obs-fold/],
    ['tab continuation line', 'GET /_ping HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n', /obs-fold/],
    ['NUL in a value', 'GET /_ping HTTP/1.1\r\nX: a\x00b\r\n\r\n', /control character/],
    ['vertical tab around a value (JavaScript trim() would drop it, Go keeps it)', 'POST /x HTTP/1.1\r\nContent-Length: 4\x0b\r\n\r\n', /control character/],
    ['DEL in the target', 'GET /_ping\x7f HTTP/1.1\r\n\r\n', /control character/],
    ['space before the colon', 'POST /x HTTP/1.1\r\nContent-Length : 4\r\n\r\n', /malformed header/],
    ['Content-Length with a plus sign', 'POST /x HTTP/1.1\r\nContent-Length: +4\r\n\r\n', /Content-Length/],
    ['Content-Length with a leading zero', 'POST /x HTTP/1.1\r\nContent-Length: 04\r\n\r\n', /Content-Length/],
    ['Content-Length with an inner space', 'POST /x HTTP/1.1\r\nContent-Length: 4 4\r\n\r\n', /Content-Length/],
    ['Content-Length as a list', 'POST /x HTTP/1.1\r\nContent-Length: 4, 4\r\n\r\n', /Content-Length/],
    ['Content-Length twice, equal', 'POST /x HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\n', /Content-Length/],
    ['Content-Length empty', 'POST /x HTTP/1.1\r\nContent-Length:\r\n\r\n', /Content-Length/],
    ['Content-Length in hex', 'POST /x HTTP/1.1\r\nContent-Length: 0x4\r\n\r\n', /Content-Length/],
    ['Transfer-Encoding: Chunked', 'POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n', /Transfer-Encoding/],
    ['Transfer-Encoding twice', 'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', /Transfer-Encoding/],
    ['Transfer-Encoding as a list', 'POST /x HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', /Transfer-Encoding/],
    ['Transfer-Encoding on HTTP/1.0 (Go ignores it there)', 'POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', /HTTP\/1\.0/],
  ])('refuses %s', (_name, text, message) => {
    const parsed = head(text);
    expect(parsed.kind).toBe('bad');
    if (parsed.kind === 'bad') expect(parsed.message).toMatch(message);
  });

  it('refuses a head over the limit', () => {
    expect(head(`GET /${'a'.repeat(MAX_HEAD_BYTES)}`)).toMatchObject({ kind: 'bad', status: 431 });
  });

  it('renders a rewritten head with a new Content-Length and without Expect', () => {
    const parsed = head('POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nX-A: 1\r\n\r\n');
    if (parsed.kind !== 'head') throw new Error('no head');
    expect(renderRequestHead(parsed.head, { length: 42 }).toString()).toBe(
      'POST /containers/create HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nContent-Length: 42\r\n\r\n',
    );
    expect(renderRequestHead(parsed.head, { target: '/build?labels=x' }).toString()).toMatch(/^POST \/build\?labels=x HTTP\/1\.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n/);
  });
});

describe('ChunkedScanner', () => {
  const body = '4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n';

  it('finds the end of the body and decodes it, fed byte by byte', () => {
    const scanner = new ChunkedScanner(true);
    const data = Buffer.from(`${body}NEXT`);
    let used = 0;
    for (let i = 0; i < data.length && !scanner.done; i++) {
      const n = scanner.feed(data.subarray(i, i + 1));
      if (typeof n !== 'number') throw new Error(n.error);
      used += n;
    }
    expect(scanner.done).toBe(true);
    expect(used).toBe(body.length);
    expect(scanner.body().toString()).toBe('Wikipedia in \r\n\r\nchunks.');
  });

  it('stops at the end of the body inside a larger buffer', () => {
    const scanner = new ChunkedScanner(false);
    expect(scanner.feed(Buffer.from(`${body}GET / HTTP/1.1`))).toBe(body.length);
    expect(scanner.done).toBe(true);
  });

  it('refuses a bad size line and missing CRLF after data', () => {
    expect(new ChunkedScanner(false).feed(Buffer.from('zz\r\n'))).toEqual({ error: 'chunked body: bad chunk size "zz"' });
    expect(new ChunkedScanner(false).feed(Buffer.from('1\r\nab\r\n'))).toEqual({ error: 'chunked body: missing CRLF after chunk data' });
  });

  /** Feeds `data` in pieces cut at `cuts`; what it used, or the error, and the decoded body. */
  const scan = (data: Buffer, cuts: number[]) => {
    const scanner = new ChunkedScanner(true);
    let used = 0;
    let from = 0;
    for (const to of [...cuts, data.length]) {
      if (to <= from) continue;
      const n = scanner.feed(data.subarray(from, to));
      if (typeof n !== 'number') return { error: n.error };
      used += n;
      from = to;
      if (scanner.done) break;
    }
    return { used, done: scanner.done, body: scanner.body().toString('latin1') };
  };

  it('the same answer fed whole, byte by byte or cut anywhere, for well-formed and malformed size lines alike', () => {
    const lines = ['1a', '1A', '01a', '1a;x=y', '1a ; x', '1a\t', ' 1a', '1a ', '0000000001a', '00000000001a', '000000000001a', 'zz', '', '1a\rx', '1a;'];
    const random = rng(8);
    for (const line of lines) {
      for (const eol of ['\r\n', '\n']) {
        for (const afterData of ['\r\n', '\n', 'x\r\n', '\r']) {
          const text = `${line}${eol}${'d'.repeat(0x1a)}${afterData}3${eol}abc\r\n0${eol}T: 1\r\n\r\nNEXT`;
          const data = Buffer.from(text, 'latin1');
          const whole = scan(data, []);
          expect(scan(data, Array.from({ length: data.length }, (_, i) => i)), JSON.stringify(text)).toEqual(whole);
          for (let round = 0; round < 20; round++) {
            const cuts = Array.from({ length: random.int(1, 6) }, () => random.int(0, data.length)).sort((a, b) => a - b);
            expect(scan(data, cuts), `${JSON.stringify(text)} cut at ${cuts.join(',')}`).toEqual(whole);
          }
        }
      }
    }
    // What the fast path reads: plain sizes with or without extensions, CRLF or LF.
    expect(scan(Buffer.from('1A;x=y\r\n'.concat('d'.repeat(26), '\n0\n\n')), [])).toEqual({ used: 38, done: true, body: 'd'.repeat(26) });
    expect(scan(Buffer.from('00000000001a\r\n'), [])).toEqual({ used: 14, done: false, body: '' });
    expect(scan(Buffer.from('000000000001a\r\n'), [])).toEqual({ error: 'chunked body: bad chunk size "000000000001a"' });
  });
});

/**
 * The line-by-line reading of a head that parseRequestHead used before its one-match-per-line
 * reading of the common case (stop 16): the reference the randomised test holds it to.
 */
function lineByLineReading(data: Buffer): ReturnType<typeof parseRequestHead> {
  const bad = (message: string, status: 400 | 431 | 501 = 400) => ({ kind: 'bad' as const, status, message });
  const show = (text: string) => JSON.stringify(text.slice(0, 200));
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
  const trim = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');
  const stray = (from: number, to: number) => {
    for (let i = data.indexOf(0x0a, from); i !== -1 && i < to; i = data.indexOf(0x0a, i + 1)) {
      if (i === from || data[i - 1] !== 0x0d) return 'a line of the request head ends with a bare LF (only CR LF is accepted)';
    }
    for (let i = data.indexOf(0x0d, from); i !== -1 && i < to; i = data.indexOf(0x0d, i + 1)) {
      if (i + 1 < to ? data[i + 1] !== 0x0a : to < data.length) return 'a bare CR in the request head (only CR LF is accepted)';
    }
    return undefined;
  };
  let offset = 0;
  for (let n = 0; n < 2 && data.length >= offset + 2 && data[offset] === 0x0d && data[offset + 1] === 0x0a; n++) offset += 2;
  const end = data.indexOf('\r\n\r\n', offset, 'latin1');
  if (end === -1) {
    if (data.length > MAX_HEAD_BYTES) return bad('request head too large', 431);
    const lf = stray(offset, data.length);
    return lf === undefined ? { kind: 'incomplete' } : bad(lf);
  }
  if (end + 4 > MAX_HEAD_BYTES) return bad('request head too large', 431);
  const strayEnd = stray(offset, end + 4);
  if (strayEnd !== undefined) return bad(strayEnd);
  const lines = data.toString('latin1', offset, end).split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  const [method, target, version] = parts;
  if (parts.length !== 3 || !method || !TOKEN.test(method) || !target || !/^HTTP\/1\.[01]$/.test(version ?? '')) return bad(`malformed request line: ${show(requestLine)}`);
  if (!target.startsWith('/')) return bad('the request target must be a path');
  if (CONTROL.test(target)) return bad(`a control character in the request target: ${show(target)}`);
  const headers: Array<readonly [string, string]> = [];
  const lengths: string[] = [];
  const encodings: string[] = [];
  let expectContinue = false;
  for (const line of lines.slice(1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) return bad(`a header line continued on the next line (obs-fold): ${show(line)}`);
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) return bad(`malformed header line: ${show(line)}`);
    const value = trim(line.slice(colon + 1));
    if (CONTROL.test(value)) return bad(`a control character in the value of header ${name}`);
    headers.push([name, value]);
    const lower = name.toLowerCase();
    if (lower === 'content-length') lengths.push(value);
    else if (lower === 'transfer-encoding') encodings.push(value);
    else if (lower === 'expect' && value.toLowerCase() === '100-continue') expectContinue = true;
  }
  let body: { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } = { kind: 'none' };
  if (encodings.length > 0) {
    if (lengths.length > 0) return bad('both Content-Length and Transfer-Encoding');
    if (version === 'HTTP/1.0') return bad('Transfer-Encoding on an HTTP/1.0 request');
    if (encodings.length > 1 || encodings[0] !== 'chunked') return bad(`unsupported Transfer-Encoding: ${show(encodings.join(', '))} (only exactly "chunked")`, 501);
    body = { kind: 'chunked' };
  } else if (lengths.length > 0) {
    const [first] = lengths as [string];
    if (lengths.length > 1 || !/^(?:0|[1-9][0-9]{0,14})$/.test(first)) return bad(`invalid Content-Length: ${show(lengths.join(', '))}`);
    const length = Number(first);
    if (length > 0) body = { kind: 'length', length };
  }
  return { kind: 'head', head: { method, target, version: version as string, headers, body, expectContinue, size: end + 4 } };
}

describe('parseRequestHead against the line-by-line reading', () => {
  it('reads random heads, well formed and not, exactly as the line-by-line reading does', () => {
    const random = rng(16);
    const tricky = [' ', '\t', '\r', '\n', '\r\n', ':', '\x00', '\x01', '\x1f', '\x7f', '\x80', '\xff', '_', '-', '"', '/', '?', '%', 'a', 'Z', '0', '9', ';', ','];
    const mutate = (text: string) => {
      let out = text;
      for (let n = random.int(0, 2); n > 0; n--) {
        const at = random.int(0, out.length);
        const cut = random.int(0, 1);
        out = out.slice(0, at) + random.pick(tricky) + out.slice(at + cut);
      }
      return out;
    };
    const names = ['Host', 'Content-Length', 'content-length', 'CONTENT-LENGTH', 'Transfer-Encoding', 'transfer-encoding', 'Expect', 'EXPECT', 'User-Agent', 'Content-Type', 'X-Registry-Auth', 'Connection', 'Upgrade'];
    const values = ['api.moby.localhost', '12', '0', '007', ' 12 ', '\t12\t', '1,2', 'chunked', 'Chunked', 'gzip', '100-continue', '100-Continue', 'Docker-Client/28.2.2 (linux)', 'application/json', '', ' ', 'a\tb', 'x'.repeat(30)];
    let compared = 0;
    const kinds: Record<string, number> = {};
    for (let round = 0; round < 4000; round++) {
      // Mostly well formed: the one-match reading takes those, the line-by-line one the rest.
      const valid = random.next() < 0.5;
      const method = valid ? random.pick(['GET', 'POST', 'HEAD', 'DELETE']) : random.pick(['GET', 'POST', 'post', 'G ET', '']);
      const target = valid ? random.pick(['/_ping', '/v1.41/containers/create?name=a', '/containers/create', '/v1.41/build?t=x&labels=%7B%7D', '/a\tb', '/\x80']) : random.pick(['/_ping', '*', 'http://x/y', '/a b', '', '/a\x01']);
      const version = valid ? random.pick(['HTTP/1.1', 'HTTP/1.0']) : random.pick(['HTTP/1.1', 'HTTP/2.0', 'http/1.1', 'HTTP/1.1 ']);
      const lines = [`${method} ${target} ${version}`];
      for (let n = random.int(0, 6); n > 0; n--) {
        const name = valid ? random.pick(['Host', 'User-Agent', 'Content-Type', 'X-Registry-Auth', 'Connection', 'Upgrade', 'Content-Length', 'Expect']) : random.pick(names);
        const value = valid && name === 'Content-Length' ? random.pick(['12', '0']) : random.pick(values);
        lines.push(`${name}${valid ? random.pick([':', ': ', ':\t', ':  ']) : random.pick([':', ': ', ' :', ':\t', '::'])}${value}`);
      }
      const clean = valid || random.next() < 0.4;
      const head = lines.map((line) => (clean ? line : random.next() < 0.3 ? mutate(line) : line)).join('\r\n');
      const leading = valid ? random.pick(['', '', '\r\n']) : random.pick(['', '\r\n', '\r\n\r\n', '\r\n\r\n\r\n', '\n']);
      const tail = valid ? random.pick(['\r\n\r\n', '\r\n\r\n{"Image":"b"}', '\r\n\r\nGET /_ping HTTP/1.1\r\n\r\n']) : random.pick(['\r\n\r\n', '\r\n', '\n\n', '\r\r\n\r\n', ' \r\n\r\n']);
      const data = Buffer.from(`${leading}${head}${tail}`, 'latin1');
      expect(parseRequestHead(data), JSON.stringify(data.toString('latin1'))).toEqual(lineByLineReading(data));
      compared++;
      const { kind } = parseRequestHead(data);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    expect(compared).toBe(4000);
    // Both readings were exercised: heads read, refused, and waited for.
    expect(kinds.head).toBeGreaterThan(1000);
    expect(kinds.bad).toBeGreaterThan(1000);
    expect(kinds.incomplete).toBeGreaterThan(100);
  });

  it('finds the end of a head past the first 4 KiB, as the line-by-line reading does', () => {
    const long = `POST /containers/create HTTP/1.1\r\nX-Registry-Auth: ${'a'.repeat(5000)}\r\nContent-Length: 2\r\n\r\n{}`;
    const data = Buffer.from(long, 'latin1');
    expect(parseRequestHead(data)).toEqual(lineByLineReading(data));
    expect(parseRequestHead(data)).toMatchObject({ kind: 'head', head: { body: { kind: 'length', length: 2 } } });
    expect(parseRequestHead(data.subarray(0, 4500))).toEqual({ kind: 'incomplete' });
  });
});

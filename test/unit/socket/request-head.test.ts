import { describe, expect, it } from 'vitest';
import { ChunkedScanner } from '../../../src/socket/chunked.js';
import { MAX_HEAD_BYTES, parseRequestHead, renderRequestHead } from '../../../src/socket/request-head.js';

const head = (text: string) => parseRequestHead(Buffer.from(text, 'latin1'));

describe('parseRequestHead', () => {
  it('frames a request with Content-Length and keeps the header lines', () => {
    const parsed = head('POST /v1.41/containers/create HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Length: 12\r\n\r\n{"Image":"b"}');
    expect(parsed).toMatchObject({
      kind: 'head',
      head: { method: 'POST', target: '/v1.41/containers/create', body: { kind: 'length', length: 12 }, upgrade: false },
    });
    if (parsed.kind === 'head') expect(parsed.head.size).toBe('POST /v1.41/containers/create HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Length: 12\r\n\r\n'.length);
  });

  it('sees chunked bodies, upgrades and Expect', () => {
    const parsed = head('POST /exec/1/start HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n');
    expect(parsed).toMatchObject({ kind: 'head', head: { body: { kind: 'chunked' }, upgrade: true, expectContinue: true } });
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
});

/**
 * The head of one HTTP/1.1 request, parsed from raw bytes: just enough to frame the request
 * (where its body ends), to decide whether it is labelled, and to see a protocol upgrade. The
 * raw bytes are kept: a request that is not rewritten is forwarded exactly as received.
 */

/** Longest request head accepted (Go's net/http default is 1 MiB; Docker's heads are small). */
export const MAX_HEAD_BYTES = 64 * 1024;

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly version: string;
  /** Header lines as received (name, value), in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** How the body is framed. */
  readonly body: { readonly kind: 'none' } | { readonly kind: 'length'; readonly length: number } | { readonly kind: 'chunked' };
  /** The request asks for a protocol switch (`Upgrade` header), as attach, exec start and BuildKit do. */
  readonly upgrade: boolean;
  readonly expectContinue: boolean;
  /** Bytes of the head, the final CRLF CRLF included. */
  readonly size: number;
}

export type HeadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'head'; readonly head: RequestHead }
  | { readonly kind: 'bad'; readonly status: 400 | 431 | 501; readonly message: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const END = Buffer.from('\r\n\r\n');

/** Parses the request head at the start of `data` (leading empty lines skipped, as RFC 9112 allows). */
export function parseRequestHead(data: Buffer): HeadResult {
  let offset = 0;
  while (data.length >= offset + 2 && data[offset] === 0x0d && data[offset + 1] === 0x0a) offset += 2;
  const end = data.indexOf(END, offset);
  if (end === -1) {
    return data.length > MAX_HEAD_BYTES ? { kind: 'bad', status: 431, message: 'request head too large' } : { kind: 'incomplete' };
  }
  if (end + 4 > MAX_HEAD_BYTES) return { kind: 'bad', status: 431, message: 'request head too large' };
  const lines = data.toString('latin1', offset, end).split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  const [method, target, version] = parts;
  if (parts.length !== 3 || !method || !TOKEN.test(method) || !target || !/^HTTP\/1\.[01]$/.test(version ?? '')) {
    return { kind: 'bad', status: 400, message: `malformed request line: ${JSON.stringify(requestLine.slice(0, 200))}` };
  }
  if (!target.startsWith('/')) return { kind: 'bad', status: 400, message: 'the request target must be a path' };
  const headers: Array<readonly [string, string]> = [];
  let lengths: string[] = [];
  let encodings: string[] = [];
  let upgrade = false;
  let expectContinue = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) return { kind: 'bad', status: 400, message: `malformed header line: ${JSON.stringify(line.slice(0, 200))}` };
    const value = line.slice(colon + 1).trim();
    headers.push([name, value]);
    const lower = name.toLowerCase();
    if (lower === 'content-length') lengths = [...lengths, ...value.split(',').map((v) => v.trim())];
    else if (lower === 'transfer-encoding') encodings = [...encodings, ...value.split(',').map((v) => v.trim().toLowerCase())];
    else if (lower === 'upgrade') upgrade = true;
    else if (lower === 'expect' && value.toLowerCase() === '100-continue') expectContinue = true;
  }
  let body: RequestHead['body'] = { kind: 'none' };
  if (encodings.length > 0) {
    if (lengths.length > 0) return { kind: 'bad', status: 400, message: 'both Content-Length and Transfer-Encoding' };
    if (encodings[encodings.length - 1] !== 'chunked' || encodings.indexOf('chunked') !== encodings.length - 1) {
      return { kind: 'bad', status: 501, message: `unsupported Transfer-Encoding: ${encodings.join(', ')}` };
    }
    body = { kind: 'chunked' };
  } else if (lengths.length > 0) {
    const first = lengths[0] as string;
    if (!/^\d{1,15}$/.test(first) || lengths.some((v) => v !== first)) {
      return { kind: 'bad', status: 400, message: `invalid Content-Length: ${lengths.join(', ')}` };
    }
    const length = Number(first);
    if (length > 0) body = { kind: 'length', length };
  }
  return { kind: 'head', head: { method, target, version: version as string, headers, body, upgrade, expectContinue, size: end + 4 } };
}

/**
 * A rewritten head: `target` in the request line, the body framed by a new Content-Length
 * (`length`), or left as it was (undefined); `Expect` dropped when the body is sent at once.
 */
export function renderRequestHead(head: RequestHead, change: { target?: string; length?: number }): Buffer {
  const lines = [`${head.method} ${change.target ?? head.target} ${head.version}`];
  for (const [name, value] of head.headers) {
    const lower = name.toLowerCase();
    if (change.length !== undefined && (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'expect')) continue;
    lines.push(`${name}: ${value}`);
  }
  if (change.length !== undefined) lines.push(`Content-Length: ${change.length}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

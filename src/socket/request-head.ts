/**
 * The head of one HTTP/1.1 request, parsed from raw bytes: just enough to frame the request
 * (where its body ends) and to route it. The raw bytes are kept: a request that is not rewritten
 * is forwarded exactly as received.
 *
 * The relay and the engine must see the same requests in the same bytes, or a request hidden
 * from the relay reaches the engine unlabelled (request smuggling). dockerd reads requests with
 * Go's net/http, which is lenient: it ends lines at a bare LF, joins obs-fold continuation lines,
 * trims only spaces and tabs, and (before Go 1.20) takes control characters in header values.
 * So the relay reads only the strict form, where Go reads exactly what the relay reads, and
 * refuses everything else with 400 before a byte of it goes upstream:
 *
 * - every line ends with CR LF; a CR or LF anywhere else in the head is refused;
 * - no header line starts with a space or a tab (obs-fold);
 * - a header name is a token, a header value has no control character but tab;
 * - at most one `Content-Length`, plain decimal (`0` or no leading zero, no sign, no list);
 * - at most one `Transfer-Encoding`, exactly `chunked`, not with `Content-Length`, and not on an
 *   HTTP/1.0 request (Go ignores it there and reads the body by `Content-Length`).
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
  readonly expectContinue: boolean;
  /** Bytes of the head, the final CRLF CRLF (and any empty lines before the request line) included. */
  readonly size: number;
}

export type HeadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'head'; readonly head: RequestHead }
  | { readonly kind: 'bad'; readonly status: 400 | 431 | 501; readonly message: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A control character other than horizontal tab (what Go 1.20+ refuses in a header value). */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const CONTENT_LENGTH = /^(?:0|[1-9][0-9]{0,14})$/;
const END = Buffer.from('\r\n\r\n');
const CR = 0x0d;
const LF = 0x0a;
/**
 * Empty lines accepted before a request line: Go's server discards up to 4 CR or LF bytes, and
 * only after a POST (RFC 9112 §2.2's tolerance for old clients). Two CRLFs at most here; more, or
 * where Go would not discard them, is still forwarded only when well formed, and Go refuses it.
 */
const MAX_LEADING_CRLF = 2;

const bad = (message: string, status: 400 | 431 | 501 = 400): HeadResult => ({ kind: 'bad', status, message });
const show = (text: string) => JSON.stringify(text.slice(0, 200));

/** Parses the request head at the start of `data`. */
export function parseRequestHead(data: Buffer): HeadResult {
  let offset = 0;
  for (let n = 0; n < MAX_LEADING_CRLF && data.length >= offset + 2 && data[offset] === CR && data[offset + 1] === LF; n++) offset += 2;
  const end = data.indexOf(END, offset);
  if (end === -1) {
    if (data.length > MAX_HEAD_BYTES) return bad('request head too large', 431);
    // A bare LF already seen in what is there: refuse now rather than wait for a CRLF CRLF
    // that a client speaking LF-only HTTP would never send.
    const lf = strayLineEnd(data, offset, data.length);
    return lf === undefined ? { kind: 'incomplete' } : bad(lf);
  }
  if (end + 4 > MAX_HEAD_BYTES) return bad('request head too large', 431);
  const stray = strayLineEnd(data, offset, end + 4);
  if (stray !== undefined) return bad(stray);
  const lines = data.toString('latin1', offset, end).split('\r\n');
  const requestLine = lines[0] ?? '';
  const parts = requestLine.split(' ');
  const [method, target, version] = parts;
  if (parts.length !== 3 || !method || !TOKEN.test(method) || !target || !/^HTTP\/1\.[01]$/.test(version ?? '')) {
    return bad(`malformed request line: ${show(requestLine)}`);
  }
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
    const value = trimSpaceTab(line.slice(colon + 1));
    if (CONTROL.test(value)) return bad(`a control character in the value of header ${name}`);
    headers.push([name, value]);
    const lower = name.toLowerCase();
    if (lower === 'content-length') lengths.push(value);
    else if (lower === 'transfer-encoding') encodings.push(value);
    else if (lower === 'expect' && value.toLowerCase() === '100-continue') expectContinue = true;
  }
  let body: RequestHead['body'] = { kind: 'none' };
  if (encodings.length > 0) {
    if (lengths.length > 0) return bad('both Content-Length and Transfer-Encoding');
    if (version === 'HTTP/1.0') return bad('Transfer-Encoding on an HTTP/1.0 request');
    if (encodings.length > 1 || encodings[0] !== 'chunked') {
      return bad(`unsupported Transfer-Encoding: ${show(encodings.join(', '))} (only exactly "chunked")`, 501);
    }
    body = { kind: 'chunked' };
  } else if (lengths.length > 0) {
    const [first] = lengths as [string];
    if (lengths.length > 1 || !CONTENT_LENGTH.test(first)) return bad(`invalid Content-Length: ${show(lengths.join(', '))}`);
    const length = Number(first);
    if (length > 0) body = { kind: 'length', length };
  }
  return { kind: 'head', head: { method, target, version: version as string, headers, body, expectContinue, size: end + 4 } };
}

/** Why the bytes `[from, to)` hold a CR or LF that is not part of a CR LF pair, or undefined. */
function strayLineEnd(data: Buffer, from: number, to: number): string | undefined {
  for (let i = data.indexOf(LF, from); i !== -1 && i < to; i = data.indexOf(LF, i + 1)) {
    if (i === from || data[i - 1] !== CR) return 'a line of the request head ends with a bare LF (only CR LF is accepted)';
  }
  for (let i = data.indexOf(CR, from); i !== -1 && i < to; i = data.indexOf(CR, i + 1)) {
    // A CR at the very end of what arrived may still be followed by its LF.
    if (i + 1 < to ? data[i + 1] !== LF : to < data.length) return 'a bare CR in the request head (only CR LF is accepted)';
  }
  return undefined;
}

/** Go's textproto trims spaces and tabs only, not other whitespace. */
function trimSpaceTab(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
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

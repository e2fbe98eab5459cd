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
/** How much of a request is read as text to find its head's end (Docker's heads are under 2 KiB). */
const HEAD_WINDOW_BYTES = 4096;
const CR = 0x0d;
const LF = 0x0a;
/**
 * Empty lines accepted before a request line: Go's server discards up to 4 CR or LF bytes, and
 * only after a POST (RFC 9112 §2.2's tolerance for old clients). Two CRLFs at most here; more, or
 * where Go would not discard them, is still forwarded only when well formed, and Go refuses it.
 */
const MAX_LEADING_CRLF = 2;

type Bad = Extract<HeadResult, { kind: 'bad' }>;
const bad = (message: string, status: 400 | 431 | 501 = 400): Bad => ({ kind: 'bad', status, message });
const show = (text: string) => JSON.stringify(text.slice(0, 200));

/** Parses the request head at the start of `data`. */
export function parseRequestHead(data: Buffer): HeadResult {
  let offset = 0;
  for (let n = 0; n < MAX_LEADING_CRLF && data.length >= offset + 2 && data[offset] === CR && data[offset + 1] === LF; n++) offset += 2;
  // The end of the head, looked for in text (a String search, cheaper than a Buffer's from cold
  // code), in the first bytes where a head that long lies there, in the whole buffer otherwise.
  const window = data.toString('latin1', offset, Math.min(data.length, offset + HEAD_WINDOW_BYTES));
  const found = window.indexOf('\r\n\r\n');
  const end = found !== -1 ? offset + found : window.length < HEAD_WINDOW_BYTES ? -1 : data.indexOf(END, offset);
  if (end === -1) {
    if (data.length > MAX_HEAD_BYTES) return bad('request head too large', 431);
    // A bare LF already seen in what is there: refuse now rather than wait for a CRLF CRLF
    // that a client speaking LF-only HTTP would never send.
    const lf = strayLineEnd(data, offset, data.length);
    return lf === undefined ? { kind: 'incomplete' } : bad(lf);
  }
  if (end + 4 > MAX_HEAD_BYTES) return bad('request head too large', 431);
  // The common case, a head in the strict form, is read with one match per line; anything else
  // (and every refusal, with its message) takes the line-by-line reading below.
  const lines = readStrictLines(found !== -1 ? window.slice(0, found + 2) : data.toString('latin1', offset, end + 2)) ?? readLines(data, offset, end);
  if (lines.kind === 'bad') return lines;
  const { method, target, version, headers } = lines;
  const lengths: string[] = [];
  const encodings: string[] = [];
  let expectContinue = false;
  for (const [name, value] of headers) {
    // Only names of these lengths can be one of the three: the others are not lower-cased.
    if (name.length !== 14 && name.length !== 17 && name.length !== 6) continue;
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
  return { kind: 'head', head: { method, target, version, headers, body, expectContinue, size: end + 4 } };
}

interface HeadLines {
  readonly kind: 'lines';
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly headers: Array<readonly [string, string]>;
}

/**
 * A request line and a header line in the strict form, each read in one match: what the
 * line-by-line reading accepts (its checks are the character classes here), and nothing else.
 */
const STRICT_REQUEST_LINE = /([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\/[^ \x00-\x08\x0a-\x1f\x7f]*) (HTTP\/1\.[01])\r\n/y;
const STRICT_HEADER_LINE = /([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*)\r\n/y;

/**
 * The lines of `text` (a head without its final empty line: every line ends with CR LF) when all
 * of them are in the strict form, or undefined. No CR or LF is taken but at the end of a line, so
 * such a head has no stray line end. The common case: one RegExp match per line, instead of a
 * split, several tests and a trim per line (the socket's code mostly runs before V8 optimizes it).
 */
function readStrictLines(text: string): HeadLines | undefined {
  STRICT_REQUEST_LINE.lastIndex = 0;
  const request = STRICT_REQUEST_LINE.exec(text);
  if (!request) return undefined;
  const headers: Array<readonly [string, string]> = [];
  let at = STRICT_REQUEST_LINE.lastIndex;
  while (at < text.length) {
    STRICT_HEADER_LINE.lastIndex = at;
    const line = STRICT_HEADER_LINE.exec(text);
    if (!line) return undefined;
    at = STRICT_HEADER_LINE.lastIndex;
    let value = line[2] as string;
    const last = value.charCodeAt(value.length - 1);
    if (last === 0x20 || last === 0x09) value = trimSpaceTab(value);
    headers.push([line[1] as string, value]);
  }
  return { kind: 'lines', method: request[1] as string, target: request[2] as string, version: request[3] as string, headers };
}

/** The lines of the head `data[offset, end)`, read and checked one by one, or why it is refused. */
function readLines(data: Buffer, offset: number, end: number): HeadLines | Bad {
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
  for (const line of lines.slice(1)) {
    if (line.startsWith(' ') || line.startsWith('\t')) return bad(`a header line continued on the next line (obs-fold): ${show(line)}`);
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon);
    if (!TOKEN.test(name)) return bad(`malformed header line: ${show(line)}`);
    const value = trimSpaceTab(line.slice(colon + 1));
    if (CONTROL.test(value)) return bad(`a control character in the value of header ${name}`);
    headers.push([name, value]);
  }
  return { kind: 'lines', method, target, version: version as string, headers };
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
  return Buffer.from(renderRequestHeadText(head, change), 'latin1');
}

/** {@link renderRequestHead} as text (one character per byte). */
export function renderRequestHeadText(head: RequestHead, change: { target?: string; length?: number }): string {
  let text = `${head.method} ${change.target ?? head.target} ${head.version}\r\n`;
  for (const [name, value] of head.headers) {
    // Only names of these lengths can be one of the three dropped: the others are not lower-cased.
    if (change.length !== undefined && (name.length === 14 || name.length === 17 || name.length === 6)) {
      const lower = name.toLowerCase();
      if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'expect') continue;
    }
    text += `${name}: ${value}\r\n`;
  }
  if (change.length !== undefined) text += `Content-Length: ${change.length}\r\n`;
  return `${text}\r\n`;
}

/**
 * Chunked transfer coding (RFC 9112 §7.1) for request bodies, incrementally: a scanner that
 * finds where a chunked body ends in a stream of bytes without copying the data (pass-through),
 * and the same scanner collecting the decoded data (bodies that are rewritten).
 */

/** Longest chunk-size line, extensions included, and longest trailer section accepted. */
const MAX_LINE = 4096;
const MAX_TRAILERS = 16 * 1024;

type Phase = 'size' | 'data' | 'data-crlf' | 'trailers' | 'done';

/** The size parsed by the last successful sizeLine() call. */
let parsedSize = 0;

const hexValue = (byte: number): number => {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
};

/**
 * A chunk-size line that lies whole in `data` from `at` and is plainly well formed (1 to 12 hex
 * digits, then CRLF, LF or `;` extensions): where it ends, its size in `parsedSize`. -1 for
 * anything else, which the line-by-line path then reads (and, if it must, refuses) as before.
 */
function sizeLine(data: Buffer, at: number): number {
  let size = 0;
  let i = at;
  for (; i < data.length && i - at <= 12; i++) {
    const digit = hexValue(data[i] as number);
    if (digit === -1) break;
    size = size * 16 + digit;
  }
  const digits = i - at;
  if (digits === 0 || digits > 12 || i >= data.length) return -1;
  let end: number;
  if (data[i] === 0x0a) end = i + 1;
  else if (data[i] === 0x0d && data[i + 1] === 0x0a) end = i + 2;
  else if (data[i] === 0x3b) {
    const nl = data.indexOf(0x0a, i);
    if (nl === -1) return -1;
    end = nl + 1;
  } else return -1;
  if (end - at > MAX_LINE) return -1;
  parsedSize = size;
  return end;
}

/** The CRLF (or bare LF) after chunk data, whole in `data` from `at`: where it ends, or -1. */
function crlf(data: Buffer, at: number): number {
  if (data[at] === 0x0a) return at + 1;
  if (data[at] === 0x0d && data[at + 1] === 0x0a) return at + 2;
  return -1;
}

export class ChunkedScanner {
  private phase: Phase = 'size';
  private remaining = 0;
  private line = '';
  private trailerBytes = 0;
  /** Decoded data, when collecting. */
  readonly chunks: Buffer[] = [];
  decodedLength = 0;

  constructor(private readonly collect: boolean) {}

  get done(): boolean {
    return this.phase === 'done';
  }

  /**
   * Consumes bytes of `data` from `start`; returns how many belong to the body (all of them
   * unless the body ends inside `data`), or an error message for a malformed body.
   */
  feed(data: Buffer, start = 0): number | { error: string } {
    let i = start;
    while (i < data.length && this.phase !== 'done') {
      if (this.phase === 'data') {
        const take = Math.min(this.remaining, data.length - i);
        if (this.collect) this.chunks.push(data.subarray(i, i + take));
        this.decodedLength += take;
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.phase = 'data-crlf';
        continue;
      }
      // line-oriented phases; first the common case, a whole line in `data`, without strings
      if (this.line === '') {
        const fast = this.phase === 'size' ? sizeLine(data, i) : this.phase === 'data-crlf' ? crlf(data, i) : -1;
        if (fast !== -1) {
          if (this.phase === 'size') {
            this.remaining = parsedSize;
            this.phase = this.remaining === 0 ? 'trailers' : 'data';
          } else {
            this.phase = 'size';
          }
          i = fast;
          continue;
        }
      }
      const nl = data.indexOf(0x0a, i);
      const stop = nl === -1 ? data.length : nl + 1;
      this.line += data.toString('latin1', i, stop);
      if (this.phase === 'trailers') this.trailerBytes += stop - i;
      i = stop;
      if (this.line.length > MAX_LINE || this.trailerBytes > MAX_TRAILERS) return { error: 'chunked body: line too long' };
      if (nl === -1) break;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.phase === 'data-crlf') {
        if (line !== '') return { error: 'chunked body: missing CRLF after chunk data' };
        this.phase = 'size';
      } else if (this.phase === 'size') {
        const size = line.split(';')[0]?.trim() ?? '';
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) return { error: `chunked body: bad chunk size ${JSON.stringify(size.slice(0, 20))}` };
        this.remaining = parseInt(size, 16);
        this.phase = this.remaining === 0 ? 'trailers' : 'data';
      } else if (this.phase === 'trailers') {
        if (line === '') this.phase = 'done';
      }
    }
    return i - start;
  }

  /** The decoded body (when collecting). */
  body(): Buffer {
    return Buffer.concat(this.chunks, this.decodedLength);
  }
}

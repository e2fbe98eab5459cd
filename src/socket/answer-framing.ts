/**
 * Where each of the engine's answers begins and ends on one connection, for one decision: does
 * the answer to a request that may take the connection over (route.ts: attach, its websocket,
 * exec start, session, grpc) really take it over? Only then may the relay stop reading the
 * client's bytes as HTTP requests; until then every request is read, and labelled where it
 * creates something.
 *
 * An answer takes the connection over when it is a 101 (Switching Protocols, what those
 * endpoints answer to a request with `Upgrade`), or a 200 with Content-Type
 * `application/vnd.docker.raw-stream` or `multiplexed-stream` (what attach and exec start answer
 * without `Upgrade`, writing straight to the hijacked connection). Both only to such a request:
 * from API 1.42 a logs answer is also a 200 raw-stream, an ordinary HTTP answer after which the
 * engine reads the next request.
 *
 * Answers come in request order (HTTP/1.1), and a client may send several requests before the
 * first answer. So the framer follows every answer from the first: its head, then its body by
 * Content-Length, chunked coding or the connection's end (no body for HEAD, 1xx, 204, 304), and
 * decides on the answer to the request it is waiting for, not on whatever head comes first. The
 * body is only counted (chunk size lines are read), never copied.
 */
import { ChunkedScanner } from './chunked.js';

/** An answer head longer than this is not one dockerd writes. */
const MAX_ANSWER_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
/** How much of the engine's bytes is read as text to find an answer head's end. */
const HEAD_WINDOW_BYTES = 4096;
const RAW_STREAM = /^application\/vnd\.docker\.(?:raw|multiplexed)-stream\b/i;
/** An answer's status line, at the start of its head: the status code. */
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: |\r\n|$)/;
const EMPTY = Buffer.alloc(0);

export type AnswerVerdict =
  /** Nothing was decided by these bytes. */
  | { readonly kind: 'none' }
  /** The answer to the request that may take over came, and it does not: the connection stays HTTP. */
  | { readonly kind: 'stays-http' }
  /** It does: every later byte, both ways, belongs to the taken-over connection. */
  | { readonly kind: 'taken-over' }
  /** The engine's bytes cannot be framed as answers: the relay cannot follow this connection. */
  | { readonly kind: 'lost'; readonly message: string };

interface Asked {
  readonly method: string;
  readonly mayTakeOver: boolean;
  readonly tap: AnswerTap | undefined;
  readonly watch: ((chunk: Buffer) => void) | undefined;
}

/**
 * Reads one answer's end: its status and the last {@link TAP_TAIL_BYTES} of its decoded body
 * (the image ID an image build, commit or import ends with), once the body has ended. Not
 * called for an answer whose body ends only with the connection.
 */
export type AnswerTap = (answer: { readonly status: number; readonly tail: string }) => void;

/** The part of a tapped answer's body that is kept: its end. */
export const TAP_TAIL_BYTES = 64 * 1024;

/** The end of a tapped answer's decoded body, kept as it goes by (bounded). */
class Tail {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(
    readonly status: number,
    readonly tap: AnswerTap,
    readonly watch?: (chunk: Buffer) => void,
  ) {}
  add(data: Buffer): void {
    if (data.length === 0) return;
    this.watch?.(data);
    // Copied: the engine's buffers are passed on to the client and may be reused.
    this.parts.push(Buffer.from(data.subarray(Math.max(0, data.length - TAP_TAIL_BYTES))));
    this.size += Math.min(data.length, TAP_TAIL_BYTES);
    while (this.parts.length > 1 && this.size - (this.parts[0] as Buffer).length >= TAP_TAIL_BYTES) this.size -= (this.parts.shift() as Buffer).length;
  }
  end(): void {
    const body = Buffer.concat(this.parts);
    this.tap({ status: this.status, tail: body.subarray(Math.max(0, body.length - TAP_TAIL_BYTES)).toString('utf8') });
  }
}

type State =
  | { readonly kind: 'head'; head: Buffer }
  | { readonly kind: 'length'; remaining: number; readonly tail: Tail | undefined }
  | { readonly kind: 'chunked'; readonly scanner: ChunkedScanner; readonly tail: Tail | undefined }
  /** A body that ends with the connection, or a connection taken over, or lost: nothing more to frame. */
  | { readonly kind: 'to-end' };

export class AnswerFramer {
  private readonly asked: Asked[] = [];
  private state: State = { kind: 'head', head: EMPTY };
  /** Final answer heads read so far (interim 1xx answers not counted): the nth answers the nth request. */
  answersStarted = 0;

  /**
   * A request went to the engine: its answer comes after those of the requests before it. `tap`
   * reads the end of that answer (see {@link AnswerTap}); `watch`, with a tap, each piece of its
   * decoded body as it goes by (not kept: copy what is needed).
   */
  expect(method: string, mayTakeOver: boolean, tap?: AnswerTap, watch?: (chunk: Buffer) => void): void {
    this.asked.push({ method, mayTakeOver, tap, watch });
  }

  /** The engine's next bytes (not kept: a partial head is copied). */
  feed(data: Buffer): AnswerVerdict {
    let verdict: AnswerVerdict = { kind: 'none' };
    let i = 0;
    while (i < data.length) {
      const state = this.state;
      if (state.kind === 'to-end') break;
      if (state.kind === 'length') {
        const take = Math.min(state.remaining, data.length - i);
        state.tail?.add(data.subarray(i, i + take));
        state.remaining -= take;
        i += take;
        if (state.remaining === 0) {
          this.state = { kind: 'head', head: EMPTY };
          state.tail?.end();
        }
        continue;
      }
      if (state.kind === 'chunked') {
        const used = state.scanner.feed(data, i);
        if (typeof used !== 'number') return this.lose(`the engine's chunked answer: ${used.error}`);
        if (state.tail) for (const chunk of state.scanner.chunks.splice(0)) state.tail.add(chunk);
        i += used;
        if (state.scanner.done) {
          this.state = { kind: 'head', head: EMPTY };
          state.tail?.end();
        }
        continue;
      }
      // An answer head: where it ends, in what was kept of it plus these bytes.
      const known = state.head.length;
      const joined = known ? Buffer.concat([state.head, data.subarray(i)]) : data.subarray(i);
      // Looked for in text first (a String search, cheaper than a Buffer's from cold code): an
      // answer head is a few hundred bytes.
      const from = Math.max(0, known - 3);
      const window = joined.toString('latin1', 0, Math.min(joined.length, HEAD_WINDOW_BYTES));
      const found = window.indexOf('\r\n\r\n', from);
      const end = found !== -1 ? found : window.length < HEAD_WINDOW_BYTES ? -1 : joined.indexOf(HEAD_END, from);
      if (end === -1) {
        if (joined.length > MAX_ANSWER_HEAD_BYTES) return this.lose('an answer head over 64 KiB');
        state.head = Buffer.from(joined);
        break;
      }
      i += end + 4 - known;
      const decided = this.onHead(found !== -1 ? window.slice(0, found) : joined.toString('latin1', 0, end));
      if (decided.kind === 'lost') return decided;
      if (decided.kind !== 'none') verdict = decided;
    }
    return verdict;
  }

  private onHead(head: string): AnswerVerdict {
    const status = STATUS_LINE.exec(head);
    if (!status) {
      const first = head.indexOf('\r\n');
      return this.lose(`an answer that does not start with an HTTP/1.x status line: ${JSON.stringify((first === -1 ? head : head.slice(0, first)).slice(0, 80))}`);
    }
    const code = Number(status[1]);
    const asked = this.asked[0];
    if (!asked) return this.lose(`an answer (${code}) to no request`);
    if (code >= 100 && code < 200 && code !== 101) {
      // Interim (100 Continue): the final answer to the same request follows.
      this.state = { kind: 'head', head: EMPTY };
      return { kind: 'none' };
    }
    this.asked.shift();
    this.answersStarted += 1;
    const headers = answerHeaders(head);
    if (!headers.ok) return this.lose(headers.message);
    const { contentType, encodings, lengths } = headers;
    if (code === 101 || (code === 200 && RAW_STREAM.test(contentType ?? ''))) {
      if (!asked.mayTakeOver) {
        if (code === 101) return this.lose(`a 101 answer to ${asked.method}, a request that cannot take the connection over`);
      } else {
        this.state = { kind: 'to-end' };
        return { kind: 'taken-over' };
      }
    }
    const verdict: AnswerVerdict = asked.mayTakeOver ? { kind: 'stays-http' } : { kind: 'none' };
    const tail = asked.tap ? new Tail(code, asked.tap, asked.watch) : undefined;
    if (asked.method === 'HEAD' || code === 204 || code === 304) {
      this.state = { kind: 'head', head: EMPTY };
      tail?.end();
    } else if (encodings) {
      if (encodings.length !== 1 || encodings[0]?.toLowerCase() !== 'chunked') return this.lose(`an answer with Transfer-Encoding ${JSON.stringify(encodings.join(', '))}`);
      // Collecting only when tapped: the chunks are taken from the scanner as they come.
      this.state = { kind: 'chunked', scanner: new ChunkedScanner(tail !== undefined), tail };
    } else if (lengths) {
      const [first] = lengths as [string];
      if (!/^\d{1,15}$/.test(first) || lengths.some((length) => length !== first)) return this.lose(`an answer with Content-Length ${JSON.stringify(lengths.join(', '))}`);
      const remaining = Number(first);
      if (remaining > 0) this.state = { kind: 'length', remaining, tail };
      else {
        this.state = { kind: 'head', head: EMPTY };
        tail?.end();
      }
    } else this.state = { kind: 'to-end' };
    return verdict;
  }

  private lose(message: string): AnswerVerdict {
    this.state = { kind: 'to-end' };
    return { kind: 'lost', message };
  }
}

/** What the framer reads of an answer's header lines: three of them. */
export type AnswerHeaders =
  | { readonly ok: true; readonly contentType: string | undefined; readonly encodings: string[] | undefined; readonly lengths: string[] | undefined }
  | { readonly ok: false; readonly message: string };

/**
 * The header lines of answer head `head` (its text up to the empty line; the status line first):
 * each must be `name: value`; the first Content-Type and every Transfer-Encoding and
 * Content-Length value (names in any case, values trimmed). Read line by line in the text,
 * without splitting it or lower-casing every name: the socket's code mostly runs before V8
 * optimizes it.
 */
export function answerHeaders(head: string): AnswerHeaders {
  let contentType: string | undefined;
  let encodings: string[] | undefined;
  let lengths: string[] | undefined;
  let start = head.indexOf('\r\n');
  while (start !== -1) {
    start += 2;
    const next = head.indexOf('\r\n', start);
    const end = next === -1 ? head.length : next;
    const colon = head.indexOf(':', start);
    if (colon <= start || colon >= end) return { ok: false, message: `a malformed header line in an answer: ${JSON.stringify(head.slice(start, end).slice(0, 80))}` };
    const length = colon - start;
    // Only names of these lengths can be one of the three: the others are not lower-cased.
    if (length === 12 || length === 14 || length === 17) {
      const name = head.slice(start, colon).toLowerCase();
      if (name === 'content-type') contentType ??= head.slice(colon + 1, end).trim();
      else if (name === 'transfer-encoding') (encodings ??= []).push(head.slice(colon + 1, end).trim());
      else if (name === 'content-length') (lengths ??= []).push(head.slice(colon + 1, end).trim());
    }
    start = next;
  }
  return { ok: true, contentType, encodings, lengths };
}

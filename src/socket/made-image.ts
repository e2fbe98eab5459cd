/**
 * Which image an engine answer says was made, as a pure function of the answer's status and the
 * end of its body (answer-framing.ts taps it). The session records these IDs: an image carries
 * the socket's labels also when it was only made FROM one of the session's images (dockerd
 * copies labels into child images and containers), so the label alone cannot tell the session's
 * own images; the answer can.
 *
 * - `POST /build`: the JSON message stream; the image is the last `{"aux":{"ID":"sha256:…"}}`
 *   (the legacy builder from API 1.30, and BuildKit's `{"id":"moby.image.id","aux":{…}}`). A
 *   quiet build (`q=1`, `docker build -q`) of the legacy builder answers one message only,
 *   `{"stream":"sha256:…\n"}`; a stream message is taken only when it is the whole answer
 *   (a build's own output, e.g. an `echo` in a RUN step, comes among other messages).
 * - `POST /commit`: `{"Id":"sha256:…"}` (201).
 * - an import (`POST /images/create` without `fromImage`): the message stream; the image is the
 *   last `{"status":"sha256:…"}`.
 *
 * A stream that ends with an `error` message made no image. Lines that do not parse (the first
 * one of a tail cut mid-line) are skipped.
 */
import { isFullImageId } from '../docker/refs.js';

export type ImageMaking = 'build' | 'commit' | 'import';

export function madeImageId(making: ImageMaking, status: number, tail: string): string | undefined {
  if (status < 200 || status >= 300) return undefined;
  let made: string | undefined;
  const lines = tail.split(/\r?\n/).filter((line) => line.trim() !== '');
  for (const line of lines) {
    const text = line.trim();
    if (text[0] !== '{') continue;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      continue;
    }
    if (typeof message !== 'object' || message === null) continue;
    const fields = message as Record<string, unknown>;
    // A build or import that failed part way answers 200 and ends with an error message.
    if (fields.error !== undefined || fields.errorDetail !== undefined) return undefined;
    const id = making === 'build' ? auxId(fields.aux) ?? (lines.length === 1 ? quietId(fields.stream) : undefined) : making === 'commit' ? fields.Id : fields.status;
    if (typeof id === 'string' && isFullImageId(id)) made = id;
  }
  return made;
}

/**
 * The intermediate images a build made on its way to `made`: its parents, nearest first, up to
 * the first one that existed when the build started (`existed`: a cached step or the base, which
 * may be another process's image) or that the listing does not know. Only the legacy builder
 * leaves such parents (BuildKit's images have none). Pure.
 */
export function newAncestors(made: string, parents: ReadonlyMap<string, string | undefined>, existed: { has(id: string): boolean }): string[] {
  const found: string[] = [];
  const seen = new Set([made]);
  for (let id = parents.get(made); id !== undefined && parents.has(id) && !existed.has(id) && !seen.has(id); id = parents.get(id)) {
    seen.add(id);
    found.push(id);
  }
  return found;
}

/** A line of a build answer longer than this is not one the cache scan needs (step output). */
const MAX_SCANNED_LINE = 4096;

/**
 * The steps a legacy build took from the cache, read from its answer as it goes by (the whole
 * answer, not its tail: a later step's output can be longer than the tail): after a
 * `{"stream":" ---> Using cache\n"}` message, the next ` ---> <ID>` names the image reused. Such
 * an image existed when the step ran, maybe made by another process after the socket listed the
 * images before the build (while the build's context was uploading): never the build's own. A
 * quiet build (`q=1`) says nothing of its steps.
 */
export class CacheScan {
  /** The reused images' short IDs (12 hex digits or more). */
  readonly reused = new Set<string>();
  private partial = '';
  private afterCache = false;

  feed(chunk: Buffer): void {
    const text = this.partial + chunk.toString('latin1');
    const lines = text.split('\n');
    const last = lines.pop() ?? '';
    this.partial = last.length > MAX_SCANNED_LINE ? '' : last;
    for (const line of lines) if (line.length <= MAX_SCANNED_LINE && line.includes('---')) this.line(line);
  }

  /** Whether full image ID `id` is one a step reused. */
  has(id: string): boolean {
    const hex = id.slice('sha256:'.length);
    for (const short of this.reused) if (hex.startsWith(short)) return true;
    return false;
  }

  private line(line: string): void {
    let stream: unknown;
    try {
      stream = (JSON.parse(line) as Record<string, unknown>).stream;
    } catch {
      return;
    }
    if (typeof stream !== 'string') return;
    if (/^ ---> Using cache\s*$/.test(stream)) {
      this.afterCache = true;
      return;
    }
    const step = /^ ---> ([0-9a-f]{12,64})\s*$/.exec(stream);
    if (step && this.afterCache) this.reused.add(step[1] as string);
    if (step || stream.startsWith('Step ')) this.afterCache = false;
  }
}

function quietId(stream: unknown): unknown {
  return typeof stream === 'string' ? stream.trim() : undefined;
}

function auxId(aux: unknown): unknown {
  return typeof aux === 'object' && aux !== null ? (aux as Record<string, unknown>).ID : undefined;
}

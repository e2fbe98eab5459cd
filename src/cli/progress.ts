/**
 * The progress line's writer: nothing for the first second (a quick run stays silent), then
 * one line on stderr redrawn in place (`\r` + erase to end of line) when it changes (an event,
 * or the elapsed seconds, checked every 250 ms), erased when the run ends so the summary starts on a clean line.
 */
import { cleanupCandidates } from '../cleaner/plan.js';
import type { Engine } from '../docker/engine.js';
import { renderProgressLine, type ProgressEvent } from '../render/progress.js';

export interface ProgressWriter {
  update(event: ProgressEvent): void;
  /** Erase the line (if it was ever shown) and stop the timer. */
  done(): void;
}

export interface ProgressWriterOptions {
  /** What is being done, e.g. `Removing images`. */
  readonly what: string;
  /** Quiet period before the line appears; default 1000 ms. */
  readonly delayMs?: number;
  readonly now?: () => number;
}

const ERASE_LINE = '\r\u001b[K';

export function createProgressWriter(stream: { write(text: string): unknown }, options: ProgressWriterOptions): ProgressWriter {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const delay = options.delayMs ?? 1000;
  let last: ProgressEvent = { done: 0 };
  let shown: string | undefined;
  let finished = false;
  const draw = () => {
    if (finished || now() - started < delay) return;
    const line = renderProgressLine(options.what, last, now() - started);
    if (line === shown) return; // nothing new: no redraw, no flicker
    shown = line;
    stream.write(`${ERASE_LINE}${line}`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    update(event) {
      last = event;
      draw();
    },
    done() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (shown !== undefined) stream.write(ERASE_LINE);
    },
  };
}

/** A writer that writes nothing (no TTY, --json, CI…). */
export const silentProgress: ProgressWriter = { update() {}, done() {} };

/**
 * Progress of a sweep read from the docker calls about to run (a client's `onCommand`): each
 * `container|network|volume rm` counts its objects. The total is not known up front.
 */
export function countObjectRemovals(onProgress: (event: ProgressEvent) => void): {
  onCommand: (args: readonly string[]) => void;
  onRequest: (request: { readonly method: string; readonly path: string }) => void;
} {
  let done = 0;
  return {
    // The CLI transport: one `container|network|volume rm A B …` per batch.
    onCommand: (args) => {
      if (!['container', 'network', 'volume'].includes(args[0] ?? '') || args[1] !== 'rm') return;
      done += args.slice(2).filter((arg) => !arg.startsWith('-')).length;
      onProgress({ done });
    },
    // The API: one DELETE per object.
    onRequest: (request) => {
      if (request.method !== 'DELETE' || !/^(?:\/v[\d.]+)?\/(?:containers|networks|volumes)\//.test(request.path)) return;
      done += 1;
      onProgress({ done });
    },
  };
}

/**
 * The same progress read from the image cleaner's {@link Engine} calls: its first listing of
 * every image gives the total and the sizes of the candidates (the cleaner's own choice, see
 * `cleanupCandidates`), each removal answer counts its images as done. The engine is otherwise
 * unchanged.
 */
export function observeEngineCleanup(engine: Engine, onProgress: (event: ProgressEvent) => void): Engine {
  const sizes = new Map<string, number>();
  let total: number | undefined;
  let done = 0;
  let bytes = 0;
  // A scope is observed too, with the same counts (one cleanup, told as one).
  const observed = (base: Engine): Engine => ({
    ...base,
    ping: () => base.ping(),
    inspectImage: (id) => base.inspectImage(id),
    listContainers: (query) => base.listContainers(query),
    tagImage: (id, repo, tag) => base.tagImage(id, repo, tag),
    scope: () => observed(base.scope()),
    async listImages(query) {
      const images = await base.listImages(query);
      if (query?.all && total === undefined) {
        const candidates = cleanupCandidates(images);
        for (const image of candidates) sizes.set(image.id, image.size);
        total = candidates.length;
        onProgress({ done, total, bytes });
      }
      return images;
    },
    async removeImages(refs) {
      const answers = await base.removeImages(refs);
      for (const answer of answers.values()) {
        done += 1;
        if (answer.kind === 'removed') for (const id of answer.deleted) bytes += sizes.get(id) ?? 0;
      }
      onProgress({ done: total === undefined ? done : Math.min(done, total), total, bytes });
      return answers;
    },
  });
  return observed(engine);
}

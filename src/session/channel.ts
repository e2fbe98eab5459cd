/**
 * The channel between a session's runner and its watchdog: a socket pair made at spawn (the
 * watchdog's fd 4, see processes.ts). Only the two processes hold it (Node opens it close-on-exec,
 * so the runner's test workers do not inherit it), so nothing else on the machine can ask the
 * watchdog anything, and no signal goes to a PID that may have been reused.
 *
 * Lines of text:
 *   runner → watchdog  `close`          close the session socket (server.ts close: stop
 *                                       accepting, end connections, creates in flight answered)
 *   watchdog → runner  `closed {json}`  done; the JSON is the socket's CloseReport
 * and its end: when the runner's end closes (teardown finished, or the runner died, even by
 * SIGKILL), the watchdog looks at the session at once instead of at its next poll; when the
 * watchdog's end closes, the runner knows the watchdog is gone.
 */
import type { Socket } from 'node:net';
import { NOTHING_CLOSED, type CloseReport } from '../socket/close-report.js';

export const CLOSE_REQUEST = 'close';
const CLOSED = 'closed';

/** Pure: complete lines of `buffered` and what is left after the last newline. */
export function splitLines(buffered: string): { lines: string[]; rest: string } {
  const parts = buffered.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((line) => line !== ''), rest };
}

/** Pure: the watchdog's answer to `close`. */
export function renderClosed(report: CloseReport): string {
  return `${CLOSED} ${JSON.stringify(report)}\n`;
}

/** Pure: the report in a `closed` line, or undefined for any other line. A garbled report reads as nothing closed. */
export function parseClosed(line: string): CloseReport | undefined {
  if (line !== CLOSED && !line.startsWith(`${CLOSED} `)) return undefined;
  try {
    const raw = JSON.parse(line.slice(CLOSED.length + 1)) as Record<string, unknown>;
    const count = (key: keyof CloseReport) => (typeof raw[key] === 'number' && Number.isFinite(raw[key]) ? (raw[key] as number) : 0);
    return { dropped: count('dropped'), answered: count('answered'), cutOff: count('cutOff'), ms: count('ms') };
  } catch {
    return NOTHING_CLOSED;
  }
}

/** The watchdog's answer to a close request, or why there is none. */
export type CloseAnswer =
  | { readonly kind: 'closed'; readonly report: CloseReport; readonly ms: number }
  /** No answer in time (a watchdog stopped or overloaded): the caller goes on without it. */
  | { readonly kind: 'timeout'; readonly ms: number }
  /** The watchdog's end is closed: it is not running. */
  | { readonly kind: 'gone'; readonly ms: number };

/** The runner's (or the signal cleaner's) end. */
export interface WatchdogChannel {
  /** Asks the watchdog to close the session socket and waits for its answer, at most `timeoutMs`. */
  closeSocket(timeoutMs: number): Promise<CloseAnswer>;
  /** When the watchdog's end was seen closed (it ended or died); undefined while it is open or after `end()`. */
  goneAt(): number | undefined;
  /** Closes this end: the watchdog then checks the session record and ends when the session is over. */
  end(): void;
}

export function openChannel(socket: Socket, onGone?: () => void): WatchdogChannel {
  let gone: number | undefined;
  let ended = false;
  let buffered = '';
  const waiting = new Set<(report: CloseReport | undefined) => void>();
  const markGone = () => {
    if (gone !== undefined || ended) return;
    gone = Date.now();
    for (const wake of waiting) wake(undefined);
    onGone?.();
  };
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const split = splitLines(buffered + text);
    buffered = split.rest;
    for (const line of split.lines) {
      const report = parseClosed(line);
      if (report) for (const wake of waiting) wake(report);
    }
  });
  socket.on('end', markGone);
  socket.on('close', markGone);
  socket.on('error', markGone);
  return {
    goneAt: () => gone,
    closeSocket(timeoutMs) {
      const started = performance.now();
      const elapsed = () => performance.now() - started;
      if (gone !== undefined || ended) return Promise.resolve({ kind: 'gone', ms: elapsed() });
      return new Promise<CloseAnswer>((resolve) => {
        const wake = (report: CloseReport | undefined) => {
          waiting.delete(wake);
          clearTimeout(timer);
          resolve(report ? { kind: 'closed', report, ms: elapsed() } : { kind: 'gone', ms: elapsed() });
        };
        const timer = setTimeout(() => {
          waiting.delete(wake);
          resolve({ kind: 'timeout', ms: elapsed() });
        }, timeoutMs);
        waiting.add(wake);
        socket.write(`${CLOSE_REQUEST}\n`);
      });
    },
    end() {
      ended = true;
      for (const wake of waiting) wake(undefined);
      socket.destroy();
    },
  };
}

/** The watchdog's end: answers each `close` with `onClose`'s report; `onEnd` when the runner's end closes. */
export function serveChannel(socket: Socket, handlers: { readonly onClose: () => Promise<CloseReport>; readonly onEnd: () => void }): void {
  let buffered = '';
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    handlers.onEnd();
  };
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    const split = splitLines(buffered + text);
    buffered = split.rest;
    for (const line of split.lines) {
      if (line !== CLOSE_REQUEST) continue;
      void handlers.onClose().then(
        (report) => {
          if (!socket.destroyed) socket.write(renderClosed(report));
        },
        () => {
          if (!socket.destroyed) socket.write(renderClosed(NOTHING_CLOSED));
        },
      );
    }
  });
  socket.on('end', end);
  socket.on('close', end);
  socket.on('error', end);
}

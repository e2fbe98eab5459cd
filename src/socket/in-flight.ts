/**
 * Create requests in flight to the engine, for closing the session socket without leaving an
 * object behind: a create the engine has received finishes in the daemon even when its
 * connection is dropped (measured on dockerd 20.10: every `POST /containers/create` cut 0-20 ms
 * after it was written still made its container). So at close, a connection whose create went up
 * and has no answer yet is waited for (bounded) before it is ended; every other connection is
 * ended at once.
 *
 * The relay sends a labelled create upstream in one write, head and body together (the body is
 * collected to merge the label); `startsCreate` recognises that write by its request line.
 * test/unit/socket/server-close.test.ts checks this holds through the real relay.
 */
import type { Socket } from 'node:net';
import { labelTarget } from './rewrite.js';

/** Longest request line looked at: Docker's create targets are short. */
const MAX_LINE = 8 * 1024;

/** Pure: whether `chunk`, written to the engine, starts a container, network or volume create. */
export function startsCreate(chunk: Uint8Array): boolean {
  // 'POST ' first: every other write (bodies, tunnels, other requests) is out after 5 bytes.
  if (chunk.length < 5 || chunk[0] !== 0x50 || chunk[1] !== 0x4f || chunk[2] !== 0x53 || chunk[3] !== 0x54 || chunk[4] !== 0x20) return false;
  const head = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(chunk.length, MAX_LINE));
  const end = head.indexOf('\r\n');
  if (end === -1) return false;
  const parts = head.toString('latin1', 0, end).split(' ');
  return parts.length === 3 && labelTarget(parts[0] ?? '', parts[1] ?? '') === 'body';
}

/**
 * One engine connection's create state. `watchCreates` wraps the socket's `write`: the only way to see
 * what the relay sends without parsing the stream again (src/socket/connection.ts stays as it is).
 */
export interface CreateWatch {
  /** A create went up and no byte has come back since. */
  awaiting(): boolean;
  /** Resolves true at the engine's first byte of answer, false when `ms` passed or the connection ended first. */
  answer(ms: number): Promise<boolean>;
}

export function watchCreates(upstream: Socket): CreateWatch {
  // Watched by events, not by `bytesRead`: an engine connection can be a Duplex of our own (an
  // ssh:// engine's command, upstream.ts) that has no byte counters.
  let pending = false;
  const waiters = new Set<(answered: boolean) => void>();
  const settle = (answered: boolean) => {
    for (const wake of waiters) wake(answered);
    waiters.clear();
  };
  const onAnswer = () => {
    pending = false;
    settle(true);
  };
  upstream.once('close', () => settle(false));
  const write = upstream.write;
  upstream.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    if (!pending && chunk instanceof Uint8Array && startsCreate(chunk)) {
      pending = true;
      // The relay reads this connection already (flowing): one more listener changes nothing.
      upstream.once('data', onAnswer);
    }
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof upstream.write;
  const awaiting = () => pending && !upstream.destroyed;
  return {
    awaiting,
    answer(ms) {
      if (!awaiting()) return Promise.resolve(!pending);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve(false);
        }, ms);
        const done = (answered: boolean) => {
          clearTimeout(timer);
          resolve(answered);
        };
        waiters.add(done);
      });
    },
  };
}

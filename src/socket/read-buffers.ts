/**
 * The engine's bytes read into reused buffers (net.connect's public `onread` option) instead of
 * the stream path's fresh 64 KiB allocation per read. A long answer (`docker cp` out, logs,
 * pulls) is read 64 KiB at a time. Without that allocation, and without the kernel copying each
 * read into cold memory, the socket's CPU per 256 MiB `docker cp` out was 15 to 32% lower in
 * interleaved runs (docs/socket-benchmark.md, stop 14).
 *
 * The catch: Node writes from the caller's memory without a copy, so the bytes of a read that
 * the kernel did not take at once stay in a buffer Node still reads from. Such a buffer is
 * lent to that write and comes back to the pool only in the write's callback; the next read
 * lands in another one. A buffer whose write completed at once (the usual case while the
 * client keeps up) is read into again.
 *
 * Only unix and plain TCP upstreams read this way; TLS and command upstreams keep 'data' events.
 */
import type { OnReadOpts, Socket } from 'node:net';

/** One read's size: libuv's own. */
export const READ_BUFFER_BYTES = 64 * 1024;
/** Free buffers kept for reuse across connections; a buffer returned beyond this is left to the GC. */
export const POOL_KEEP = 16;

/** Free read buffers, shared by one process's connections (one event loop: no locks). */
export class BufferPool {
  private readonly free: Buffer[] = [];
  /** Buffers made so far (tests). */
  created = 0;

  constructor(
    readonly size = READ_BUFFER_BYTES,
    readonly keep = POOL_KEEP,
  ) {}

  take(): Buffer {
    const buffer = this.free.pop();
    if (buffer) return buffer;
    this.created++;
    // Never read beyond the bytes a read wrote into it: no need to zero it.
    return Buffer.allocUnsafeSlow(this.size);
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }

  /** Free buffers right now (tests). */
  get idle(): number {
    return this.free.length;
  }
}

export const sharedPool = new BufferPool();

/**
 * The reads of one engine connection. `onread` goes to net.connect; `onBytes` gets each read's
 * bytes, a view valid only during the call unless it passes them to {@link forward}.
 */
export class UpstreamReads {
  private current: Buffer | undefined;
  private lent = false;
  private closed = false;
  readonly onread: OnReadOpts;

  constructor(
    private readonly pool: BufferPool,
    onBytes: (data: Buffer) => void,
  ) {
    this.onread = {
      // Node asks once before the first read and again after every read.
      buffer: () => {
        if (this.current === undefined || this.lent) {
          this.current = this.pool.take();
          this.lent = false;
        }
        return this.current;
      },
      callback: (length, buffer) => {
        onBytes((buffer as Buffer).subarray(0, length));
        return true;
      },
    };
  }

  /**
   * Writes `data` (the bytes of the read being handled) to `to`; returns what `write()` did.
   * When the kernel did not take them all at once, the read's buffer stays Node's until the
   * write's callback.
   */
  forward(to: Socket, data: Buffer): boolean {
    const holder: { buffer: Buffer | undefined } = { buffer: undefined };
    const ok = to.write(data, () => {
      // A destroyed socket's writes may still be queued in the kernel's view: drop the buffer.
      if (holder.buffer !== undefined && !to.destroyed) this.pool.give(holder.buffer);
    });
    // Bytes still queued in the socket (ours last among them): Node reads them from this buffer
    // later, so it is lent until the callback. An empty queue means the kernel took them all.
    if (to.writableLength > 0 && this.current !== undefined && data.buffer === this.current.buffer) {
      holder.buffer = this.current;
      this.lent = true;
    }
    return ok;
  }

  /** The connection is closed: its current buffer goes back unless a write holds it. */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.current !== undefined && !this.lent) this.pool.give(this.current);
    this.current = undefined;
  }
}

/**
 * The last bytes of a request body, held back from the engine until the relay lets them go.
 *
 * A quiet build (`q=1`) says nothing of its steps, so the socket cannot read which of them came
 * from the cache. It lists the images a second time once the client's context has arrived, and
 * every image in that listing existed before the build could make any (connection.ts): another
 * terminal's build of the same steps that finished while the context uploaded is then known as
 * not the build's own. For the listing to come before the build's first step, the end of the
 * context waits: the legacy builder (moby 20.10 `builder/remotecontext.FromArchive`) starts no
 * step before its tar reader has read the archive's end (two zero blocks; a compressed
 * archive's end is in its last bytes too), so the engine gets the last {@link HELD_BODY_BYTES}
 * bytes of the body only after the listing.
 */

/**
 * How many bytes of a quiet build's body wait for the listing: the end of a tar padded to
 * GNU tar's 10 KiB records, or of a compressed one, lies within them (the docker CLI's own tar
 * ends with exactly two zero blocks, then the chunked body's last line).
 */
export const HELD_BODY_BYTES = 64 * 1024;

/** The last `limit` bytes pushed so far; push() gives back what may go to the engine now. */
export class HeldTail {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit = HELD_BODY_BYTES) {}

  /**
   * Takes `bytes` in; returns the bytes that are no longer among the last `limit`, oldest first
   * (views of the pushed buffers: nothing is copied).
   */
  push(bytes: Buffer): Buffer[] {
    const out: Buffer[] = [];
    if (bytes.length === 0) return out;
    this.parts.push(bytes);
    this.size += bytes.length;
    while (this.size > this.limit) {
      const first = this.parts[0] as Buffer;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.parts.shift();
        out.push(first);
        this.size -= first.length;
      } else {
        out.push(first.subarray(0, excess));
        this.parts[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
    return out;
  }

  /** Everything still held, oldest first; nothing is held after. */
  release(): Buffer[] {
    const all = this.parts;
    this.parts = [];
    this.size = 0;
    return all;
  }
}

/** The cleaner's result: data, rendered by `render/` and printed as JSON by the CLI. */

export interface ContainerRef {
  /** Full ID, or the 12-hex prefix when only the daemon's message named it. */
  readonly id: string;
  readonly name?: string;
  readonly state?: string;
}

export type SkipReason =
  /** Used by a running (or paused, restarting) container. */
  | 'in-use-running'
  /** Used by an exited or created-never-started container. */
  | 'in-use-stopped'
  /** Used by a container whose state the daemon did not tell. */
  | 'in-use'
  /** Other images are built on it. */
  | 'has-children'
  /** It has tags (it stopped being dangling). */
  | 'tagged'
  /** Several repository references point at it. */
  | 'multiple-repositories'
  /** Untagged but still has a repository digest (pulled by digest); kept unless `removeDigested`. */
  | 'digested'
  /** Already removed by someone else. */
  | 'gone'
  /**
   * It changed after the listing (gained a tag, a digest, a container or a child) and Docker kept
   * it when its temporary reference was removed: left alone.
   */
  | 'changed';

export interface RemovedImage {
  readonly id: string;
  /** Size in bytes as Docker reports it (shared layers included). */
  readonly size: number;
  /** Which step removed it. */
  readonly step: 'prune' | 'remove';
  /**
   * An untagged parent that Docker removed together with its child (hidden from the dangling
   * listing while it had that child). Its size is not known: `size` is 0.
   */
  readonly withChild?: true;
}

export interface SkippedImage {
  readonly id: string;
  readonly reason: SkipReason;
  readonly containers: readonly ContainerRef[];
  readonly size: number;
  /** The daemon's own words, when the skip came from its answer. */
  readonly message?: string;
  /**
   * The temporary reference (`docker-janitor-remove:…`) Docker kept on it (a container appeared
   * in the window): a later clean removes that reference, never forced, once the image is unused.
   */
  readonly temporaryReference?: string;
}

export interface FailedImage {
  readonly id: string;
  readonly message: string;
}

export interface CleanResult {
  readonly dryRun: boolean;
  /** Removed images; in a dry run, the images that would be removed. */
  readonly removed: readonly RemovedImage[];
  readonly skipped: readonly SkippedImage[];
  readonly failed: readonly FailedImage[];
  /**
   * Images whose fate is not known: the engine stopped answering while they were being removed,
   * and did not answer again when the cleaner re-read it. Neither removed nor failed; a later
   * clean finds them (and their temporary references) if they are still there. Absent when empty
   * (and in results written by older versions).
   */
  readonly unknown?: readonly FailedImage[];
  /** Dangling images left alone because they did not match the age or label filters. */
  readonly filtered: number;
  /**
   * Bytes reclaimed: Docker's own "Total reclaimed space" of the prune plus the sizes of the
   * images removed one by one (which can count layers shared with other images).
   */
  readonly bytesReclaimed: number;
  /**
   * The daemon's server-side prune. Never run by this version (it is not exact on the engines we
   * know, see docs/safety.md): `ran` is false and `skippedBecause` says why.
   */
  readonly prune: { readonly ran: boolean; readonly reclaimed: number; readonly skippedBecause?: string };
  /**
   * Things the user must know: a removal answer that untagged a reference other than our
   * temporary one, a temporary reference left behind. Empty when all went as planned. Always
   * present in what `cleanImages` returns (optional for results written by older versions).
   */
  readonly warnings?: readonly string[];
  readonly durationMs: number;
}

/** What a session teardown did: data, rendered by `render/` and returned by `teardown()`. */
import type { CleanResult } from '../cleaner/result.js';

export type ResourceKind = 'container' | 'network' | 'volume';

export interface ResourceRef {
  readonly kind: ResourceKind;
  /** Full ID (containers, networks) or name (volumes). */
  readonly id: string;
  readonly name?: string;
}

export interface FailedResource extends ResourceRef {
  readonly message: string;
  /** Docker gave no answer to this removal in time: it may still happen. */
  readonly noAnswer?: true;
  /** Never sent: an earlier request of the same cleanup got no answer in time. */
  readonly notSent?: true;
}

export interface ResourceOutcomes {
  readonly removed: readonly ResourceRef[];
  /** Kept on purpose (keepOnFailure): stopped, not removed. */
  readonly kept: readonly ResourceRef[];
  readonly failed: readonly FailedResource[];
}

export interface TeardownResult {
  readonly sessionId: string;
  readonly containers: ResourceOutcomes;
  readonly networks: ResourceOutcomes;
  readonly volumes: ResourceOutcomes;
  /** The image cleaner's result; undefined when `images: 'off'` or Docker was unreachable. */
  readonly images: CleanResult | undefined;
  /**
   * Why nothing could be cleaned when Docker is missing or unreachable (the error's first line);
   * undefined when Docker answered.
   */
  readonly dockerUnavailable?: string;
  /**
   * Not everything the session names could be removed (engine down or hung, a removal that
   * failed): the session's record is kept, and the watchdog, the next run or
   * `docker-janitor sweep --session <id>` retry.
   */
  readonly incomplete?: boolean;
  /** dryRun: `removed` lists what would have been removed; nothing was. */
  readonly dryRun?: boolean;
  /** Problems that did not stop the teardown (Docker unreachable, a listing that failed). */
  readonly warnings: readonly string[];
  /** True when anything failed or warned: what `failOnCleanupError` acts on. */
  readonly hasProblems: boolean;
  readonly durationMs: number;
}

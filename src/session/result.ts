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
  /** Problems that did not stop the teardown (Docker unreachable, a listing that failed). */
  readonly warnings: readonly string[];
  /** True when anything failed or warned: what `failOnCleanupError` acts on. */
  readonly hasProblems: boolean;
  readonly durationMs: number;
}

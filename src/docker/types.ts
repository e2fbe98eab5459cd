/** What the cleaner knows about images and containers, mapped from Docker's machine-readable output. */

export interface ImageInfo {
  /** Full ID, `sha256:…`. */
  readonly id: string;
  /** Real tags only (`<none>:<none>` is dropped). */
  readonly repoTags: readonly string[];
  /** Real repository digests only (`<none>@<none>` is dropped). */
  readonly repoDigests: readonly string[];
  /** Parent image ID (legacy builder only), or undefined. */
  readonly parent: string | undefined;
  /** Creation time, milliseconds since the epoch. */
  readonly created: number;
  /** Size in bytes, as Docker reports it (shared layers included). */
  readonly size: number;
  readonly labels: Readonly<Record<string, string>>;
}

export type ContainerState = 'running' | 'paused' | 'restarting' | 'created' | 'exited' | 'dead' | 'removing';

export interface ContainerInfo {
  /** Full container ID. */
  readonly id: string;
  /** Name without the leading slash. */
  readonly name: string;
  /** Full ID of the image it uses, `sha256:…`. */
  readonly imageId: string;
  readonly state: ContainerState | (string & {});
}

/** Running in the sense of "removing its image cannot be forced". */
export function isRunning(container: Pick<ContainerInfo, 'state'>): boolean {
  return container.state === 'running' || container.state === 'paused' || container.state === 'restarting';
}

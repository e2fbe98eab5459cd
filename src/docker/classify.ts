/**
 * Turns the daemon's answer to `docker image rm ID` (no force) into an outcome. Docker's
 * conflict answer is the last guard against races, so every wording we know is recognised:
 * Docker Engine (graph driver and containerd image store) and Podman.
 */

export type RemoveFailureReason =
  | 'in-use-running'
  | 'in-use-stopped'
  | 'in-use'
  | 'has-children'
  | 'multiple-repositories'
  | 'gone'
  | 'other';

export interface ClassifiedFailure {
  readonly reason: RemoveFailureReason;
  /** The container named by the daemon (12-hex or full ID), when it names one. */
  readonly container?: string;
  /** The 12-hex image prefix named in a conflict line, when there is one. */
  readonly imagePrefix?: string;
  /** The image reference echoed in a "No such image" line, when there is one. */
  readonly reference?: string;
  readonly message: string;
}

const RULES: ReadonlyArray<{ pattern: RegExp; reason: RemoveFailureReason }> = [
  // Engine: "conflict: unable to delete 2aba318ec17d (cannot be forced) - image is being used by running container 9a38c082494b"
  { pattern: /image is being used by running container ([0-9a-f]{12,64})/i, reason: 'in-use-running' },
  // Engine: "… (must be forced) - image is being used by stopped container 9412fd669243"
  { pattern: /image is being used by stopped container ([0-9a-f]{12,64})/i, reason: 'in-use-stopped' },
  // Engine, by tag: "… (must force) - container 9a38c082494b is using its referenced image 2aba318ec17d"
  { pattern: /container ([0-9a-f]{12,64}) is using its referenced image/i, reason: 'in-use' },
  // Podman: "image used by <64 hex>: image is in use by a container: …"
  { pattern: /image used by ([0-9a-f]{12,64}): image is in use by a container/i, reason: 'in-use' },
  { pattern: /image is in use by a container/i, reason: 'in-use' },
  // Engine (graph driver): "… (cannot be forced) - image has dependent child images"; Podman: "… dependent children"
  { pattern: /dependent child(?:ren| images)/i, reason: 'has-children' },
  { pattern: /image is referenced in (?:multiple|one or more) repositories/i, reason: 'multiple-repositories' },
  // Podman: "unable to delete image \"…\" by ID with more than one tag ([…]): please force removal"
  { pattern: /by ID with more than one tag/i, reason: 'multiple-repositories' },
  // Engine: "No such image: sha256:…"; Podman: "…: image not known"
  { pattern: /No such image|image not known/i, reason: 'gone' },
];

export function classifyRemoveFailure(line: string): ClassifiedFailure {
  const message = line.trim();
  const prefix = /unable to delete ([0-9a-f]{12,64})\b/i.exec(message)?.[1];
  for (const { pattern, reason } of RULES) {
    const match = pattern.exec(message);
    if (!match) continue;
    // The CLI can double the line ("no such image: X: No such image: X"): X without the colon.
    const reference = reason === 'gone' ? /No such image:\s*(\S+?):?(?=\s|$)/i.exec(message)?.[1] : undefined;
    return {
      reason,
      message,
      ...(match[1] ? { container: match[1] } : {}),
      ...(prefix ? { imagePrefix: prefix } : {}),
      ...(reference ? { reference } : {}),
    };
  }
  return { reason: 'other', message, ...(prefix ? { imagePrefix: prefix } : {}) };
}

/** Two prunes at once: the daemon refuses the second. Retrying later is the answer. */
export function isPruneAlreadyRunning(text: string): boolean {
  return /a prune operation is already running/i.test(text);
}

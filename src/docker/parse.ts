/** Pure parsers of docker CLI output. Fed recorded output in unit tests. */
import { DockerOutputError } from './errors.js';
import { isFullImageId } from './refs.js';
import type { ContainerInfo, ImageInfo } from './types.js';

const NONE_TAG = '<none>:<none>';
const NONE_DIGEST = '<none>@<none>';

/** Lines of `-q --no-trunc` output, de-duplicated (multi-tag images repeat), order kept. */
export function parseIdLines(stdout: string): string[] {
  const seen = new Set<string>();
  for (const line of stdout.split('\n')) {
    const id = line.trim();
    if (id) seen.add(id);
  }
  return [...seen];
}

interface RawImageInspect {
  Id?: unknown;
  RepoTags?: unknown;
  RepoDigests?: unknown;
  Parent?: unknown;
  Created?: unknown;
  Size?: unknown;
  Config?: { Labels?: unknown } | null;
}

/** `docker image inspect ID…` prints one JSON array (empty `[]` when all were missing). */
export function parseImageInspect(stdout: string): ImageInfo[] {
  const text = stdout.trim();
  if (!text) return [];
  const raw = JSON.parse(text) as unknown;
  if (!Array.isArray(raw)) throw new Error('docker image inspect did not print a JSON array');
  return raw.map((item: RawImageInspect) => mapImage(item));
}

export function mapImage(raw: RawImageInspect): ImageInfo {
  if (typeof raw.Id !== 'string') throw new Error('image inspect entry without an Id');
  const created = typeof raw.Created === 'string' ? Date.parse(raw.Created) : Number.NaN;
  return {
    id: raw.Id,
    repoTags: strings(raw.RepoTags).filter((tag) => tag !== NONE_TAG),
    repoDigests: strings(raw.RepoDigests).filter((digest) => digest !== NONE_DIGEST),
    parent: typeof raw.Parent === 'string' && raw.Parent !== '' ? raw.Parent : undefined,
    created: Number.isNaN(created) ? 0 : created,
    size: typeof raw.Size === 'number' ? raw.Size : 0,
    labels: labelsOf(raw.Config?.Labels),
  };
}

/** The `--format` used with `docker container inspect` so that one call maps every container. */
export const CONTAINER_FORMAT = '[{{json .Id}},{{json .Name}},{{json .Image}},{{json .State.Status}}]';

/** One line per container, as printed with {@link CONTAINER_FORMAT}. */
export function parseContainerLines(stdout: string): ContainerInfo[] {
  const containers: ContainerInfo[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const [id, name, imageId, state] = JSON.parse(line) as Array<string | undefined>;
    if (!id || !imageId) continue;
    containers.push({ id, name: (name ?? '').replace(/^\//, ''), imageId, state: state ?? 'unknown' });
  }
  return containers;
}

/** `Deleted: sha256:…` lines of `docker image rm` (image IDs and auto-removed parents). */
export function parseDeletedIds(stdout: string): Set<string> {
  const ids = new Set<string>();
  for (const match of stdout.matchAll(/^\s*deleted:\s*(sha256:[0-9a-f]{64})\s*$/gim)) {
    if (match[1]) ids.add(match[1]);
  }
  return ids;
}

/** The daemon's error lines of a (batched) `docker image rm`, without the common prefix. */
export function parseErrorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.replace(/^Error response from daemon:\s*/, '').replace(/^Error:\s*/, ''));
}

export interface PruneOutput {
  /** `deleted:` IDs: image IDs mixed with layer IDs. */
  readonly deleted: Set<string>;
  /** `untagged:` references (digests of digest-only images). */
  readonly untagged: string[];
  /** The daemon's "Total reclaimed space", in bytes. */
  readonly reclaimed: number;
}

export function parsePruneOutput(stdout: string): PruneOutput {
  const deleted = parseDeletedIds(stdout);
  const total = /Total reclaimed space:\s*([0-9.]+\s*[kKMGTP]?i?B)/.exec(stdout);
  return { deleted, untagged: parseUntaggedLines(stdout), reclaimed: total?.[1] ? parseHumanSize(total[1]) : 0 };
}

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  PB: 1e15,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
  TIB: 1024 ** 4,
};

/** Docker prints sizes with decimal units (`40.5MB`, `6B`, `1.2kB`). */
export function parseHumanSize(text: string): number {
  const match = /^([0-9.]+)\s*([a-zA-Z]+)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return 0;
  const unit = UNITS[match[2].toUpperCase()];
  return unit === undefined ? 0 : Math.round(Number.parseFloat(match[1]) * unit);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function labelsOf(value: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) if (typeof item === 'string') labels[key] = item;
  }
  return labels;
}

/** `untagged: X` / `Untagged: X` lines of `docker image prune` and `docker image rm`. */
export function parseUntaggedLines(stdout: string): string[] {
  const refs: string[] = [];
  for (const match of stdout.matchAll(/^\s*untagged:\s*(\S+)\s*$/gim)) if (match[1]) refs.push(match[1]);
  return refs;
}

/** What one argument of a batched `docker image rm` printed on stdout. */
export interface ImageRmSegment {
  readonly untagged: string[];
  readonly deleted: string[];
}

/**
 * Split the stdout of a batched `docker image rm A B …` into one segment per argument that
 * succeeded, in order. Each success prints `Untagged:` lines then `Deleted:` lines (its own ID
 * first, then untagged parents). A segment starts at an `Untagged:` line that follows a
 * `Deleted:` line, at `Untagged: <reference argument>`, or at `Deleted: <ID argument>` when that
 * argument has no error line of its own (`starts`): an ID argument that failed, or was already
 * deleted as a parent, only ever shows up inside another argument's segment.
 */
export function splitImageRmOutput(stdout: string, references: ReadonlySet<string>, starts: ReadonlySet<string> = new Set()): ImageRmSegment[] {
  const segments: ImageRmSegment[] = [];
  let current: ImageRmSegment | undefined;
  let sawDeleted = false;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    const untagged = /^untagged:\s*(\S+)$/i.exec(line)?.[1];
    const deleted = /^deleted:\s*(\S+)$/i.exec(line)?.[1];
    if (untagged) {
      if (!current || sawDeleted || references.has(normalizeReference(untagged))) {
        current = { untagged: [], deleted: [] };
        segments.push(current);
        sawDeleted = false;
      }
      current.untagged.push(untagged);
    } else if (deleted) {
      if (!current || (starts.has(deleted) && current.deleted.length > 0)) {
        current = { untagged: [], deleted: [] };
        segments.push(current);
      }
      current.deleted.push(deleted);
      sawDeleted = true;
    }
  }
  return segments;
}

/** Docker prints `docker.io/library/x:1` as `x:1`. */
export function normalizeReference(reference: string): string {
  return reference.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

/**
 * Parse a command's stdout with `parse`; output it cannot read becomes a {@link DockerOutputError}
 * naming the command, instead of a parser's exception.
 */
export function parseOutput<T>(result: { readonly args: readonly string[]; readonly stdout: string }, parse: (stdout: string) => T): T {
  try {
    return parse(result.stdout);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw new DockerOutputError(result.args, `${reason} (output starts ${JSON.stringify(result.stdout.slice(0, 60))})`, { cause: error });
  }
}

/** {@link parseIdLines} for `image ls --quiet --no-trunc`: every line must be a full `sha256:` ID. */
export function parseImageIdLines(stdout: string): string[] {
  const ids = parseIdLines(stdout);
  const bad = ids.find((id) => !isFullImageId(id));
  if (bad !== undefined) throw new Error(`not a full image ID: ${JSON.stringify(bad.slice(0, 80))}`);
  return ids;
}

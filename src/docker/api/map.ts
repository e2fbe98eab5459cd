/**
 * Pure mappers from Engine API JSON to the types of `../types.ts` and `../engine.ts`. Fed recorded
 * Docker and Podman payloads in unit tests.
 */
import { classifyRemoveFailure } from '../classify.js';
import { mapImage } from '../parse.js';
import type { CreateEvent, FullImageId, ImageRemoval, LabelFilters, ObjectRemoval, PruneAnswer } from '../engine.js';
import { matchesLabelFilters } from '../labels.js';
import type { ContainerInfo, ImageInfo } from '../types.js';

const NONE_TAG = '<none>:<none>';
const NONE_DIGEST = '<none>@<none>';

/** One entry of `GET /images/json`. */
export function mapImageSummary(raw: unknown): ImageInfo | undefined {
  if (!isObject(raw) || typeof raw.Id !== 'string') return undefined;
  const parent = typeof raw.ParentId === 'string' && raw.ParentId !== '' ? raw.ParentId : undefined;
  return {
    id: raw.Id,
    repoTags: strings(raw.RepoTags).filter((tag) => tag !== NONE_TAG),
    repoDigests: strings(raw.RepoDigests).filter((digest) => digest !== NONE_DIGEST),
    parent,
    created: typeof raw.Created === 'number' ? raw.Created * 1000 : 0,
    size: typeof raw.Size === 'number' ? raw.Size : 0,
    labels: labelsOf(raw.Labels),
  };
}

/** `GET /images/{id}/json` (same shape as `docker image inspect`). */
export function mapImageInspect(raw: unknown): ImageInfo | undefined {
  // The same JSON as `docker image inspect`: one mapper for both transports.
  return isObject(raw) && typeof raw.Id === 'string' ? mapImage(raw) : undefined;
}

/** One entry of `GET /containers/json`. */
export function mapContainerSummary(raw: unknown): ContainerInfo | undefined {
  if (!isObject(raw) || typeof raw.Id !== 'string' || typeof raw.ImageID !== 'string') return undefined;
  const name = strings(raw.Names)[0] ?? '';
  const state = typeof raw.State === 'string' ? raw.State : 'unknown';
  return { id: raw.Id, name: name.replace(/^\//, ''), imageId: raw.ImageID, state };
}

/** The answer of `DELETE /images/{ref}` (no force), by status. */
export function mapImageDelete(status: number, body: unknown, text: string): ImageRemoval {
  if (status === 200) {
    const deleted: FullImageId[] = [];
    const untagged: string[] = [];
    for (const item of Array.isArray(body) ? body : []) {
      if (!isObject(item)) continue;
      if (typeof item.Deleted === 'string' && item.Deleted.startsWith('sha256:')) deleted.push(item.Deleted as FullImageId);
      if (typeof item.Untagged === 'string') untagged.push(item.Untagged);
    }
    return deleted.length > 0 ? { kind: 'removed', deleted, untagged } : { kind: 'untagged', untagged };
  }
  const message = messageOf(body, text);
  if (status === 404) return { kind: 'gone', message };
  if (status === 409) {
    const classified = classifyRemoveFailure(message);
    switch (classified.reason) {
      case 'gone':
        return { kind: 'gone', message };
      case 'other':
        return { kind: 'failed', message };
      default:
        return { kind: 'conflict', reason: classified.reason, containers: classified.container ? [classified.container] : [], message };
    }
  }
  return { kind: 'failed', message: `${status}: ${message}` };
}

/** The answer of `POST /images/prune`. */
export function mapPrune(body: unknown): PruneAnswer {
  const deleted = new Set<string>();
  const untagged: string[] = [];
  if (isObject(body)) {
    for (const item of Array.isArray(body.ImagesDeleted) ? body.ImagesDeleted : []) {
      if (!isObject(item)) continue;
      if (typeof item.Deleted === 'string') deleted.add(item.Deleted);
      if (typeof item.Untagged === 'string') untagged.push(item.Untagged);
    }
  }
  const reclaimed = isObject(body) && typeof body.SpaceReclaimed === 'number' ? body.SpaceReclaimed : 0;
  return { deleted, untagged, reclaimed };
}

/** A DELETE or stop of a container, network or volume: 2xx/304 done, 404 gone, else failed. */
export function mapObjectAnswer(status: number, body: unknown, text: string): ObjectRemoval {
  if ((status >= 200 && status < 300) || status === 304) return { kind: 'removed' };
  if (status === 404) return { kind: 'gone' };
  return { kind: 'failed', message: `${status}: ${messageOf(body, text)}` };
}

/**
 * One line of `GET /events` (a JSON object). `timeNano` is read from the text: it does not fit a
 * double. Undefined for anything but a container create event.
 */
export function mapCreateEvent(line: string): CreateEvent | undefined {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(event)) return undefined;
  const type = event.Type;
  const action = event.Action ?? event.status;
  if ((type !== undefined && type !== 'container') || action !== 'create') return undefined;
  const actor = isObject(event.Actor) ? event.Actor : {};
  const id = typeof actor.ID === 'string' ? actor.ID : typeof event.id === 'string' ? event.id : undefined;
  if (!id) return undefined;
  const nano = /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
  return { id, labels: labelsOf(actor.Attributes), timeNano: nano ? BigInt(nano) : undefined };
}

/** The daemon's `{"message": …}`, or the raw text. */
export function messageOf(body: unknown, text: string): string {
  if (isObject(body) && typeof body.message === 'string') return body.message;
  return text.trim().slice(0, 300);
}

/** Docker filter strings (`label=k=v`, `until=3600s`, `label!=k`) → the API's `map[string][]string`. */
export function filtersJson(entries: ReadonlyArray<readonly [string, string]>): string {
  const filters: Record<string, string[]> = {};
  for (const [key, value] of entries) (filters[key] ??= []).push(value);
  return JSON.stringify(filters);
}

/** `label=k=v` → [`label`, `k=v`]; `label!=k` → [`label!`, `k`]. */
export function splitFilter(filter: string): [string, string] {
  const at = filter.indexOf('=');
  if (at <= 0) throw new TypeError(`not a Docker filter: "${filter}" (expected KEY=VALUE)`);
  return [filter.slice(0, at), filter.slice(at + 1)];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Whether one entry of a listing (`GET /containers/json`, `/networks`, `/volumes`) carries the
 * labels the listing was filtered by: checked here too, so an engine or proxy that ignored the
 * filter cannot widen what is removed (labels.ts).
 */
export function carriesLabels(raw: unknown, filters: LabelFilters | undefined): boolean {
  return !filters || filters.length === 0 || (isObject(raw) && matchesLabelFilters(labelsOf(raw.Labels), filters));
}

function labelsOf(value: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (isObject(value)) for (const [key, item] of Object.entries(value)) if (typeof item === 'string') labels[key] = item;
  return labels;
}

/**
 * The session socket's own image listing (`GET /images/json?all=1`, the intermediate images
 * too), on a connection of its own to the same engine (volume-create.ts's agent): which images
 * exist, each with its parent. Taken before a build goes to the engine and again once its answer
 * named the image, it tells the intermediate images that build made (made-image.ts
 * `newAncestors`) from the cached steps it reused, which may be another process's images.
 */
import type http from 'node:http';
import { ownRequest } from './own-request.js';

/** Image ID -> its parent's ID (undefined: none). */
export type ImageParents = ReadonlyMap<string, string | undefined>;

/** The largest listing read (about 1.5 KiB per image on Engine 20.10: some 40,000 images). */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/**
 * Every image on the engine with its parent, through `agent`; undefined when the engine did not
 * answer with a listing within `timeoutMs` (never rejects).
 */
export async function listImageParents(agent: http.Agent, timeoutMs: number): Promise<ImageParents | undefined> {
  const answer = await ownRequest(agent, { method: 'GET', path: '/images/json?all=1', timeoutMs, maxBytes: MAX_LISTING_BYTES, oversize: 'give-up' });
  return answer.kind === 'answer' && answer.status === 200 ? imageParents(answer.body.toString('utf8')) : undefined;
}

/** The parents in an `/images/json` answer (`Id`, `ParentId`: "" for none); undefined when it is not one. Pure. */
export function imageParents(body: string): ImageParents | undefined {
  let listing: unknown;
  try {
    listing = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(listing)) return undefined;
  const parents = new Map<string, string | undefined>();
  for (const entry of listing as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { Id: id, ParentId: parent } = entry as Record<string, unknown>;
    if (typeof id !== 'string') return undefined;
    parents.set(id, typeof parent === 'string' && parent !== '' ? parent : undefined);
  }
  return parents;
}

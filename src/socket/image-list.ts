/**
 * The session socket's own image listing (`GET /images/json?all=1`, the intermediate images
 * too), on a connection of its own to the same engine (volume-create.ts's agent): which images
 * exist, each with its parent. Taken before a build goes to the engine and again once its answer
 * named the image, it tells the intermediate images that build made (made-image.ts
 * `newAncestors`) from the cached steps it reused, which may be another process's images.
 */
import http from 'node:http';

/** Image ID -> its parent's ID (undefined: none). */
export type ImageParents = ReadonlyMap<string, string | undefined>;

/** The largest listing read (about 1.5 KiB per image on Engine 20.10: some 40,000 images). */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/**
 * Every image on the engine with its parent, through `agent`; undefined when the engine did not
 * answer with a listing within `timeoutMs` (never rejects).
 */
export function listImageParents(agent: http.Agent, timeoutMs: number): Promise<ImageParents | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (parents: ImageParents | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(parents);
    };
    const request = http.request({ agent, method: 'GET', path: '/images/json?all=1', headers: { Host: 'docker' } });
    const timer = setTimeout(() => {
      request.destroy();
      done(undefined);
    }, timeoutMs);
    request.on('error', () => done(undefined));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_LISTING_BYTES) {
          request.destroy();
          return done(undefined);
        }
        chunks.push(chunk);
      });
      response.on('error', () => done(undefined));
      response.on('end', () => done(response.statusCode === 200 ? imageParents(Buffer.concat(chunks).toString('utf8')) : undefined));
    });
    request.end();
  });
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

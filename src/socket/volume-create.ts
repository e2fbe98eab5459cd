/**
 * A request the session socket makes on its own (own-request.ts; image-list.ts has the other): `POST
 * /volumes/create` for a named volume a container create is about to make (implicit-volumes.ts),
 * with the session label, on a connection of its own to the same engine (any upstream: unix,
 * TCP, TLS, ssh). dockerd answers 201 with the volume whether it created it or it existed
 * already; an existing volume is returned unchanged, labels included, so a volume that was there
 * before, or that another client created first, never gets the session label.
 */
import type http from 'node:http';
import { nodeHttp } from '../docker/builtins.js';
import type { Duplex } from 'node:stream';
import type { ImplicitVolume } from './implicit-volumes.js';
import { ownRequest } from './own-request.js';
import { labelsJson, type Labels } from './rewrite.js';

export type VolumeCreation = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly message: string };

/** The body of the volume create for `volume`, its own labels with `labels` merged in. */
export function volumeCreateBody(volume: ImplicitVolume, labels: Labels): string {
  const merged = new Map([...Object.entries(volume.labels), ...Object.entries(labels)]);
  return `{"Name":${JSON.stringify(volume.name)},"Driver":${JSON.stringify(volume.driver)},"DriverOpts":${labelsJson(new Map(Object.entries(volume.driverOpts)))},"Labels":${labelsJson(merged)}}`;
}

/**
 * The agent for the volume creates, on connections from `connect()` (any upstream). Kept alive
 * (`keepAlive`, for a unix or TCP engine): one connection reused saves a connect per create, and
 * closes after `idleMs` idle. Not kept alive for an ssh command connection, which would hold an
 * ssh login open for the whole run.
 */
export function volumeAgent(connect: () => Duplex, keepAlive: boolean, idleMs = 5_000): http.Agent {
  const agent = new (nodeHttp().Agent)({ keepAlive, maxSockets: 4, ...(keepAlive ? { timeout: idleMs } : {}) });
  // node:http takes any Duplex as a connection (its types ask for a net.Socket), but may make
  // socket calls on it: a command connection (upstream.ts) has none of them.
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    const connection = connect() as Duplex & Record<string, unknown>;
    for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref']) {
      if (typeof connection[method] !== 'function') connection[method] = () => connection;
    }
    return connection;
  };
  return agent;
}

/**
 * Creates `volume` on the engine through `agent` (volumeAgent), unversioned (the engine's own API
 * version). Never rejects: a failure is an outcome with the status to answer the client with.
 */
export async function createVolume(agent: http.Agent, volume: ImplicitVolume, labels: Labels, timeoutMs: number): Promise<VolumeCreation> {
  const what = `creating volume ${JSON.stringify(volume.name)} for the container`;
  const body = Buffer.from(volumeCreateBody(volume, labels));
  const answer = await ownRequest(agent, { method: 'POST', path: '/volumes/create', body, timeoutMs, maxBytes: 64 * 1024, oversize: 'keep-start' });
  if (answer.kind === 'timeout') return { ok: false, status: 504, message: `${what}: no answer from the engine in ${timeoutMs} ms` };
  if (answer.kind !== 'answer') return { ok: false, status: 502, message: `${what}: the engine connection failed: ${answer.kind === 'failed' ? answer.reason : 'answer too long'}` };
  const { status } = answer;
  if (status === 200 || status === 201) return { ok: true };
  const text = answer.body.toString('utf8');
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: the text as it is
  }
  return { ok: false, status: status >= 400 && status < 600 ? status : 502, message: `${what}: ${message.slice(0, 500) || `answer ${status}`}` };
}

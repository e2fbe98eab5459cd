/**
 * The session socket: a unix socket (never TCP) that relays the Docker Engine API to the real
 * engine and labels what is created through it. It gives full access to the engine, so it is
 * only created inside a directory that is the caller's own and closed to everyone else (0700),
 * and the socket file itself is 0600.
 *
 * Closing it stops accepting, removes the file and ends every connection at once, except one
 * whose create request (container, network, volume) already went to the engine: that one is
 * ended when the engine's answer starts (the object then exists, for a listing to find), or
 * after `inFlightMs` (connection.ts says why: the daemon finishes a create whose connection is
 * dropped). A named volume the socket is creating for a container create (volume-create.ts) is
 * waited for the same way, and so is the image listing after a build (image-list.ts: it records
 * the images the build made). It resolves when that is done, with what it did.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createServer, type OnReadOpts, type Socket } from 'node:net';
import type { Agent } from 'node:http';
import { dirname } from 'node:path';
import { checkPrivateDir } from '../private/dir.js';
import { listImageParents, type ImageParents } from './image-list.js';
import { relayConnection, type RelayedConnection } from './connection.js';
import { DEFAULT_IN_FLIGHT_MS, type CloseReport } from './close-report.js';
import type { ImplicitVolume } from './implicit-volumes.js';
import { socketPathProblem } from './path-limit.js';
import type { Labels } from './rewrite.js';
import { BUFFER_BYTES, connectUpstream, describeUpstream, type Upstream } from './upstream.js';
import { createVolume, volumeAgent, type VolumeCreation } from './volume-create.js';
import { warmUpSteps } from './warm-up.js';

/** A create body larger than this is refused with 413 (Docker's own are a few KiB). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** How long the socket waits for the engine to create a container's named volume. */
export const VOLUME_CREATE_TIMEOUT_MS = 60_000;
/** How long a build waits for the socket's image listing (then it goes without: image-list.ts). */
export const IMAGE_LIST_TIMEOUT_MS = 30_000;

export interface SessionSocketOptions {
  /** Where to listen: a path in a directory owned by this user with mode 0700. */
  readonly path: string;
  /**
   * A descriptor already bound and listening at `path` (see bind.ts: setup binds, the watchdog
   * serves). Without it, the socket is bound here.
   */
  readonly fd?: number;
  readonly upstream: Upstream;
  /** Merged into the containers, networks and volumes created through the socket, e.g. `{ 'docker-janitor.session': id }`. */
  readonly labels: Labels;
  /**
   * The labels of one image made through the socket (a build, a commit, an import), asked once per
   * request (session/names.ts `imageLabelsFor`); default none, and such requests pass unchanged.
   */
  readonly imageLabels?: () => Labels;
  /**
   * Called with the ID of each image made through the socket with `imageLabels` (a build, a
   * commit, an import), once the engine's answer names it, and of each intermediate image a
   * build made (the socket lists the images before and after it); the session records them as
   * its own.
   */
  readonly onImageMade?: (id: string) => void;
  readonly maxBodyBytes?: number;
  /** Called with a line about each rejected request or failed engine connection. */
  readonly onProblem?: (message: string) => void;
}

export interface SessionSocket {
  readonly path: string;
  readonly upstream: string;
  /** Connections open right now. */
  connections(): number;
  /**
   * Stops listening, removes the socket file, ends every connection; a create already sent to
   * the engine first gets its answer (at most `inFlightMs`, default {@link DEFAULT_IN_FLIGHT_MS}).
   * Later calls return the first call's promise.
   */
  close(options?: { readonly inFlightMs?: number }): Promise<CloseReport>;
}

export class SessionSocketError extends Error {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SessionSocketError';
  }
}

export async function startSessionSocket(options: SessionSocketOptions): Promise<SessionSocket> {
  const { path } = options;
  const tooLong = options.fd === undefined ? socketPathProblem(path) : undefined;
  if (tooLong) throw new SessionSocketError(`session socket ${path}: ${tooLong}`, path);
  const dir = checkPrivateDir(dirname(path));
  if (!dir.ok) throw new SessionSocketError(`session socket ${path}: its directory ${dirname(path)} ${dir.reason}`, path);
  if (options.fd === undefined && existsSync(path)) throw new SessionSocketError(`session socket ${path}: the path already exists`, path);
  /** Each open client connection, with its relay (what it knows of creates in flight). */
  const connections = new Map<Socket, RelayedConnection>();
  // Named volumes the relay creates before a container create, and the image listings around a
  // build: kept-alive engine connections of their own (not for an ssh command upstream), and the
  // creates in flight, for close.
  // Made by the first such request (node:http loads then: docker/builtins.ts).
  let agent: Agent | undefined;
  const volumes = () => (agent ??= volumeAgent(() => connectUpstream(options.upstream), !('command' in options.upstream)));
  const volumeCreates = new Set<Promise<VolumeCreation>>();
  // The image listings in flight: the one after a build records the images it made (connection.ts).
  const imageListings = new Set<Promise<ImageParents | undefined>>();
  // The images recorded as made through this socket, for a build answered from the cache.
  const made = new Set<string>();
  const onImageMade = options.onImageMade
    ? (id: string) => {
        made.add(id);
        options.onImageMade?.(id);
      }
    : undefined;
  const listImages = () => inFlight(imageListings, listImageParents(volumes(), IMAGE_LIST_TIMEOUT_MS));
  const relay = {
    labels: options.labels,
    imageLabels: options.imageLabels ?? (() => ({})),
    ...(onImageMade ? { onImageMade, listImages, madeHere: (id: string) => made.has(id) } : {}),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    createVolume: (volume: ImplicitVolume) => inFlight(volumeCreates, createVolume(volumes(), volume, options.labels, VOLUME_CREATE_TIMEOUT_MS)),
    connectUpstream: (onread?: OnReadOpts) => connectUpstream(options.upstream, onread),
    ...(options.onProblem ? { onProblem: options.onProblem } : {}),
  };
  const server = createServer({ allowHalfOpen: true, highWaterMark: BUFFER_BYTES }, (client) => {
    connections.set(client, relayConnection(client, relay));
    client.once('close', () => connections.delete(client));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) => reject(new SessionSocketError(`session socket ${path}: cannot listen: ${cause.message}`, path, { cause })));
    if (options.fd !== undefined) server.listen({ fd: options.fd }, () => resolve());
    else server.listen({ path, exclusive: true }, () => resolve());
  });
  // The directory is already private; the file is made owner-only too before anyone is told of it.
  try {
    chmodSync(path, 0o600);
  } catch (cause) {
    // Nothing left listening (it would keep the process alive): closed before saying why.
    server.close();
    throw new SessionSocketError(`session socket ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, path, { cause });
  }
  server.on('error', (error) => options.onProblem?.(`session socket: ${error.message}`));
  let closing: Promise<CloseReport> | undefined;
  const close = async (inFlightMs: number): Promise<CloseReport> => {
    const started = performance.now();
    server.close();
    try {
      // One unlink (rmSync would load and walk its tree code, cold in this process, for one file).
      unlinkSync(path);
    } catch {
      // removed already (teardown removes the path first)
    }
    let dropped = 0;
    let answered = 0;
    let cutOff = 0;
    const waits: Array<Promise<void>> = [];
    for (const [client, relayed] of connections) {
      if (relayed.awaitingCreate()) {
        // No further request from this client; the one in flight gets its answer first.
        client.pause();
        waits.push(
          relayed.createAnswered(inFlightMs).then((ok) => {
            if (ok) answered += 1;
            else cutOff += 1;
            client.destroy();
          }),
        );
      } else {
        dropped += 1;
        client.destroy();
      }
    }
    for (const creation of volumeCreates) {
      waits.push(
        settledWithin(creation, inFlightMs).then((ok) => {
          if (ok) answered += 1;
          else cutOff += 1;
        }),
      );
    }
    // A build answered just before the close: the images it made are recorded before teardown
    // reads them (else they would stay, not known as the run's). Not counted as creates.
    for (const listing of imageListings) waits.push(settledWithin(listing, inFlightMs).then(() => undefined));
    await Promise.all(waits);
    agent?.destroy();
    return { dropped, answered, cutOff, ms: performance.now() - started };
  };
  // The create path's first runs, before a client's (warm-up.ts): one step per turn of the event
  // loop once the socket serves, while no client is connected (a client's own requests warm it
  // up then), none after it closed.
  const steps = warmUpSteps(options.labels);
  const warmUp = () => {
    const step = steps.shift();
    if (step === undefined || closing !== undefined || connections.size > 0) return;
    step();
    setImmediate(warmUp);
  };
  setImmediate(warmUp);
  return {
    path,
    upstream: describeUpstream(options.upstream),
    connections: () => connections.size,
    close(closeOptions = {}) {
      closing ??= close(closeOptions.inFlightMs ?? DEFAULT_IN_FLIGHT_MS);
      return closing;
    },
  };
}

/** `promise` (one that never rejects), kept in `set` until it settles: close waits for what is in flight. */
function inFlight<T>(set: Set<Promise<T>>, promise: Promise<T>): Promise<T> {
  set.add(promise);
  void promise.then(() => set.delete(promise));
  return promise;
}

/** True when `promise` settles within `ms`, false otherwise. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

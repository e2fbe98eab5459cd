/**
 * One client connection of the session socket, relayed to one upstream connection.
 *
 * Client to engine, the relay reads request heads only to frame requests: a request that is not
 * labelled goes on as its own bytes (head and body, Content-Length or chunked) as they arrive; a
 * create call's body is collected (up to a cap), labelled and sent with a new Content-Length (a
 * container create first gets the named volumes it would make created with the session label); a
 * build's request line gets the labels, and the last 64 KiB of a quiet build's body wait for
 * a second image listing (held-tail.ts). Requests are routed as dockerd routes them (route.ts) and
 * read only in the form dockerd reads the same way (request-head.ts). Engine to client, bytes are
 * relayed untouched; the answer framer (answer-framing.ts) follows them only to decide, for a
 * request to an endpoint that may take the connection over (attach, exec start, BuildKit's
 * session and grpc), whether its own answer makes the connection a plain two-way tunnel (101, or
 * a raw-stream 200) or leaves it HTTP. Nothing else ends the reading of requests.
 *
 * The relay also tells the server, for closing the socket without leaving an object behind,
 * whether a create it sent upstream is still unanswered: a create the engine has received
 * finishes in the daemon even when its connection is dropped (measured on dockerd 20.10: every
 * `POST /containers/create` cut 0-20 ms after it was written still made its container), so at
 * close such a connection is waited for (bounded) until the answer to that create starts, as the
 * answer framer counts answers; every other connection is ended at once.
 */
import type { OnReadOpts, Socket } from 'node:net';
import { AnswerFramer, type AnswerTap } from './answer-framing.js';
import { ChunkedScanner } from './chunked.js';
import { HeldTail } from './held-tail.js';
import { errorResponse } from './error-response.js';
import { implicitVolumesOf, type ImplicitVolume } from './implicit-volumes.js';
import type { ImageParents } from './image-list.js';
import { CacheScan, madeImageId, newAncestors } from './made-image.js';
import { sharedPool, UpstreamReads } from './read-buffers.js';
import { parseRequestHead, renderRequestHead, renderRequestHeadText, type RequestHead } from './request-head.js';
import { appendLabelChange, buildFormBody, labelEdit, labelledRequest, mergeBuildLabels, readBody, type Labels, type Rewrite } from './rewrite.js';
import { isQuietBuild, routeOf } from './route.js';
import type { VolumeCreation } from './volume-create.js';

export interface RelayOptions {
  /** Merged into the labels of the containers, networks and volumes created through the socket. */
  readonly labels: Labels;
  /**
   * The labels of one image made through the socket (a build, a commit, an import), asked once per
   * request. They must not include a session's container label: containers (and images) made
   * from an image inherit its labels, also those another client makes directly on the engine.
   */
  readonly imageLabels: () => Labels;
  /**
   * An image made through the socket (a build, commit or import answered with its ID), and each
   * intermediate image a build made on its way (made-image.ts `newAncestors`). Never throws.
   */
  readonly onImageMade?: (id: string) => void;
  /**
   * Every image on the engine with its parent (image-list.ts), undefined when not known. A build
   * waits for it before it goes to the engine, and asks again once its answer named the image.
   */
  readonly listImages?: () => Promise<ImageParents | undefined>;
  /** Whether `id` was given to `onImageMade` already (by any connection of this socket). */
  readonly madeHere?: (id: string) => boolean;
  /** Largest create body collected for labelling; a larger one is answered 413. */
  readonly maxBodyBytes: number;
  /**
   * A new engine connection. It hands its reads to `onread` where it can (unix, plain TCP),
   * and emits 'data' otherwise.
   */
  readonly connectUpstream: (onread?: OnReadOpts) => Socket;
  /** Creates a named volume a container create would make, with the session label (volume-create.ts). */
  readonly createVolume: (volume: ImplicitVolume) => Promise<VolumeCreation>;
  /** Problems worth a log line: a rejected request, an upstream that failed. Never thrown. */
  readonly onProblem?: (message: string) => void;
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');
const EMPTY = Buffer.alloc(0);

type Mode =
  | { kind: 'head' }
  | { kind: 'length'; remaining: number; takeover: boolean; hold?: BodyHold }
  | { kind: 'chunked'; scanner: ChunkedScanner; takeover: boolean; hold?: BodyHold }
  | { kind: 'collect'; head: RequestHead; container: boolean; scanner: ChunkedScanner | undefined; remaining: number; chunks: Buffer[]; size: number }
  /**
   * Creating a container's named volumes before its create goes up, or listing the images before
   * a build goes up: the client's bytes wait.
   */
  | { kind: 'waiting' }
  | { kind: 'await-answer' }
  | { kind: 'tunnel' }
  | { kind: 'closed' };

/**
 * A body whose last bytes wait (held-tail.ts): `ended` is called once the whole body arrived,
 * with the bytes still held; it sends them when it is done.
 */
interface BodyHold {
  readonly tail: HeldTail;
  readonly ended: (held: Buffer[]) => void;
}

/** What the server reads of one relayed connection when the socket closes. */
export interface RelayedConnection {
  /** A create request went to the engine and the answer to it has not started yet. */
  awaitingCreate(): boolean;
  /**
   * Resolves true when the answer to the last create sent to the engine has started (at once
   * when it has), false when `ms` passed or the engine connection ended first.
   */
  createAnswered(ms: number): Promise<boolean>;
}

/** dockerd reads a container start's body (a pre-1.24 host config) when it is longer than this, or chunked. */
const START_BODY_BYTES = 7;

export function relayConnection(client: Socket, options: RelayOptions): RelayedConnection {
  // The engine's bytes: each read's, as they come (read-buffers.ts), relayed to the client.
  const reads = new UpstreamReads(sharedPool, (data) => onUpstreamBytes(data, true));
  const upstream = options.connectUpstream(reads.onread);
  let mode: Mode = { kind: 'head' };
  let pending: Buffer = EMPTY;
  let clientEnded = false;
  let upstreamEnded = false;
  /** Bytes relayed to the client since the last request went upstream (0: no answer started). */
  let answered = 0;
  let requestSent = false;
  /** Set when the engine could not be reached at all: the first request is answered 502 with it. */
  let unreachable: string | undefined;
  let connected = false;
  const answers = new AnswerFramer();
  /** The answer to the request that may take the connection over, when it came before that request's body ended. */
  let earlyAnswer: 'taken-over' | 'stays-http' | undefined;
  /** Requests sent to the engine so far, and the number among them of the last create (0: none). */
  let requestsUp = 0;
  let lastCreate = 0;
  const createWaiters = new Set<(answered: boolean) => void>();
  const createUnanswered = () => lastCreate > answers.answersStarted;
  const settleCreate = (answered: boolean) => {
    for (const wake of createWaiters) wake(answered);
    createWaiters.clear();
  };
  upstream.once('connect', () => (connected = true));
  upstream.once('secureConnect', () => (connected = true));

  const problem = (message: string) => options.onProblem?.(message);
  /**
   * Quiet builds on this connection whose second listing is not taken yet (their body has not
   * ended): told there is none when the connection closes first.
   */
  const unlisted = new Set<(listing: undefined) => void>();
  const noSecondListing = () => {
    for (const listed of unlisted) listed(undefined);
    unlisted.clear();
  };

  // ---- writes with backpressure -----------------------------------------------------------
  let clientPaused = false;
  let upstreamPaused = false;
  const toUpstream = (data: Buffer) => {
    if (data.length === 0 || upstream.destroyed) return;
    if (!upstream.write(data) && !clientPaused) {
      clientPaused = true;
      client.pause();
      upstream.once('drain', () => {
        clientPaused = false;
        client.resume();
      });
    }
  };
  /** `read`: `data` is the engine's read being handled (its buffer is reused unless the write holds it). */
  const toClient = (data: Buffer, read = false) => {
    if (data.length === 0 || client.destroyed) return;
    if (!(read ? reads.forward(client, data) : client.write(data)) && !upstreamPaused) {
      upstreamPaused = true;
      upstream.pause();
      client.once('drain', () => {
        upstreamPaused = false;
        upstream.resume();
      });
    }
  };

  /**
   * Answers the client with our own error and closes both sides. A request refused before it
   * went upstream always gets the answer (the client, not pipelining, has read the previous
   * one); after it went upstream, only while no byte of the engine's answer has been relayed.
   */
  const fail = (status: number, message: string, sentUpstream = false) => {
    if (mode.kind === 'closed') return;
    mode = { kind: 'closed' };
    pending = EMPTY;
    problem(`${status} ${message}`);
    upstream.destroy();
    if (client.destroyed) return;
    if ((!sentUpstream || answered === 0) && client.writable) client.end(errorResponse(status, message));
    else client.destroy();
  };

  const requestGoesUp = (bytes: Buffer, head: RequestHead, kind: 'plain' | 'may-take-over' | 'create' = 'plain', tap?: AnswerTap, watch?: (chunk: Buffer) => void) => {
    answered = 0;
    requestSent = true;
    earlyAnswer = undefined;
    answers.expect(head.method, kind === 'may-take-over', tap, watch);
    requestsUp += 1;
    if (kind === 'create') lastCreate = requestsUp;
    toUpstream(bytes);
  };

  const afterRequest = (takeover: boolean) => {
    if (!takeover || earlyAnswer === 'stays-http') mode = { kind: 'head' };
    else mode = earlyAnswer === 'taken-over' ? { kind: 'tunnel' } : { kind: 'await-answer' };
  };

  const startBody = (head: RequestHead, takeover: boolean, hold?: BodyHold) => {
    const held = hold ? { hold } : {};
    if (head.body.kind === 'length') mode = { kind: 'length', remaining: head.body.length, takeover, ...held };
    else if (head.body.kind === 'chunked') mode = { kind: 'chunked', scanner: new ChunkedScanner(false), takeover, ...held };
    else afterRequest(takeover);
  };

  /** Body bytes of the current request: to the engine, or through its hold. */
  const bodyUp = (bytes: Buffer, hold: BodyHold | undefined) => {
    if (!hold) return toUpstream(bytes);
    for (const part of hold.tail.push(bytes)) toUpstream(part);
  };
  /** The body ended: the next request, or (held) the hold decides when. */
  const bodyEnded = (takeover: boolean, hold: BodyHold | undefined) => {
    if (!hold) return afterRequest(takeover);
    mode = { kind: 'waiting' };
    hold.ended(hold.tail.release());
  };

  const sendCollected = (collect: Extract<Mode, { kind: 'collect' }>) => {
    // A body that came in one read is used where it lies (nothing keeps it past this call).
    const body = collect.scanner ? collect.scanner.body() : collect.chunks.length === 1 ? (collect.chunks[0] as Buffer) : Buffer.concat(collect.chunks, collect.size);
    // Decoded and parsed once, for the label merge and the implicit volumes alike.
    const read = readBody(body.toString('utf8'));
    const edit = labelEdit(read, options.labels);
    if (!edit.ok) return fail(400, `${collect.head.method} ${collect.head.target}: ${edit.message}`);
    // The head and the labelled body in one buffer, one write.
    const labelled = labelledRequest((length) => renderRequestHeadText(collect.head, { length }), body, read.text, edit.value);
    const volumes = collect.container ? implicitVolumesOf(read.text, read.layout) : { ok: true as const, volumes: [] };
    if (!volumes.ok) return fail(400, `${collect.head.method} ${collect.head.target}: ${volumes.message}`);
    if (volumes.volumes.length === 0) {
      requestGoesUp(labelled, collect.head, 'create');
      return afterRequest(false);
    }
    // The named volumes first, each with the session label, then the create: the client's
    // later bytes wait in `pending` meanwhile.
    mode = { kind: 'waiting' };
    void (async () => {
      for (const volume of volumes.volumes) {
        const created = await options.createVolume(volume);
        if (mode.kind !== 'waiting') return;
        if (!created.ok) return fail(created.status, created.message);
      }
      requestGoesUp(labelled, collect.head, 'create');
      afterRequest(false);
      work();
    })();
  };

  /**
   * The hold of a quiet build's body: once the whole context arrived, the images are listed
   * again (`listed` gets the listing), and then the engine gets the context's last bytes.
   */
  const uploadHold = (listed: (listing: ImageParents | undefined) => void): BodyHold | undefined => {
    const { listImages } = options;
    if (!listImages) return undefined;
    unlisted.add(listed);
    return {
      tail: new HeldTail(),
      ended: (held) => {
        unlisted.delete(listed);
        void listImages().then((listing) => {
          listed(listing);
          if (mode.kind !== 'waiting') return;
          for (const part of held) toUpstream(part);
          afterRequest(false);
          work();
        });
      },
    };
  };

  const onHead = (head: RequestHead, raw: Buffer) => {
    if (unreachable !== undefined) return fail(502, unreachable);
    const route = routeOf(head.method, head.target);
    if (route.kind === 'refused') return fail(400, route.message);
    if (route.kind === 'start' && (head.body.kind === 'chunked' || (head.body.kind === 'length' && head.body.length > START_BODY_BYTES))) {
      return fail(400, `${head.method} ${head.target.slice(0, 200)}: a container start with a body (a host config, before API 1.24) is not accepted: give the host config to the create`);
    }
    if (route.kind === 'create') {
      if (head.body.kind === 'length' && head.body.length > options.maxBodyBytes) {
        return fail(413, `${head.method} ${head.target}: body of ${head.body.length} bytes is over the ${options.maxBodyBytes}-byte limit`);
      }
      if (head.expectContinue) toClient(CONTINUE);
      const collect: Extract<Mode, { kind: 'collect' }> = {
        kind: 'collect',
        head,
        container: route.object === 'containers',
        scanner: head.body.kind === 'chunked' ? new ChunkedScanner(true) : undefined,
        remaining: head.body.kind === 'length' ? head.body.length : 0,
        chunks: [],
        size: 0,
      };
      mode = collect;
      if (head.body.kind === 'none') sendCollected(collect);
      return;
    }
    const takeover = route.kind === 'takeover';
    if (route.kind === 'build' || route.kind === 'changes') {
      // dockerd reads these options from a form body too, where a value wins over the query's.
      const form = buildFormBody(head.headers);
      if (form !== undefined) return fail(400, `${head.method} ${head.target.slice(0, 200)}: ${form}`);
      const labels = options.imageLabels();
      if (Object.keys(labels).length === 0) requestGoesUp(raw, head);
      else {
        const rewritten: Rewrite<string> = route.kind === 'build' ? mergeBuildLabels(head.target, labels) : { ok: true, value: appendLabelChange(head.target, labels) };
        if (!rewritten.ok) return fail(400, `${head.method} ${head.target.slice(0, 200)}: ${rewritten.message}`);
        // The answer names the image made: the session records it as its own (made-image.ts).
        const making = route.kind === 'build' ? 'build' : route.making;
        const { onImageMade, listImages } = options;
        const labelled = renderRequestHead(head, { target: rewritten.value });
        /**
         * Records the image the answer names. For a build, `existed` is the listing before it,
         * `cache` the steps its answer said it took from the cache, `afterUpload` a quiet build's
         * listing once its context arrived: none of those images are the build's own.
         */
        const tapFor =
          (existed?: ImageParents, cache?: CacheScan, afterUpload?: Promise<ImageParents | undefined>): AnswerTap =>
          ({ status, tail }) => {
            const id = madeImageId(making, status, tail);
            if (id === undefined || !onImageMade) return;
            // A build answered wholly from the cache names an image that existed before it: the
            // run's only when this socket made it. One with the same steps made outside the
            // socket (its labels copied on purpose) is not.
            if (existed?.has(id) && !options.madeHere?.(id)) return problem(`build answered with ${id}, an image that existed before it and was not made through this socket: not recorded as the run's`);
            onImageMade(id);
            // A legacy build's intermediate images: the session's too. Its cached steps are not
            // (another process's untagged image may be one): teardown keeps those (cleaner/plan.ts).
            if (!existed || !listImages) return;
            void Promise.all([afterUpload, listImages()]).then(([second, now]) => {
              const before = { has: (image: string) => existed.has(image) || second?.has(image) === true || cache?.has(image) === true };
              if (now) for (const ancestor of newAncestors(id, now, before)) onImageMade(ancestor);
            });
          };
        if (route.kind !== 'build' || !onImageMade || !listImages) {
          requestGoesUp(labelled, head, 'plain', onImageMade ? tapFor() : undefined);
        } else {
          // Which images existed before the build: the engine's cache may reuse them.
          mode = { kind: 'waiting' };
          void listImages().then((existed) => {
            if (mode.kind !== 'waiting') return;
            // The steps the build took from the cache, from its whole answer (a legacy build that is not quiet).
            const cache = new CacheScan();
            // A quiet build's answer says nothing of its steps: the images listed once its context
            // arrived, before the engine could start a step (held-tail.ts), are not its own either.
            // No body (a context the engine fetches itself, `remote=`): nothing to list it after.
            const uploaded = deferred<ImageParents | undefined>();
            const hold = isQuietBuild(head.target) && head.body.kind !== 'none' ? uploadHold(uploaded.resolve) : undefined;
            requestGoesUp(labelled, head, 'plain', tapFor(existed, cache, hold && uploaded.promise), (chunk) => cache.feed(chunk));
            startBody(head, false, hold);
            work();
          });
          return;
        }
      }
    } else {
      requestGoesUp(raw, head, takeover ? 'may-take-over' : 'plain');
    }
    startBody(head, takeover);
  };

  /** Works through `pending` as far as the current mode allows. */
  const work = () => {
    while (pending.length > 0) {
      const m = mode;
      if (m.kind === 'head') {
        const parsed = parseRequestHead(pending);
        if (parsed.kind === 'incomplete') break;
        if (parsed.kind === 'bad') return fail(parsed.status, parsed.message);
        const raw = pending.subarray(0, parsed.head.size);
        pending = pending.subarray(parsed.head.size);
        onHead(parsed.head, raw);
      } else if (m.kind === 'length') {
        const take = Math.min(m.remaining, pending.length);
        bodyUp(take === pending.length ? pending : pending.subarray(0, take), m.hold);
        pending = pending.subarray(take);
        m.remaining -= take;
        if (m.remaining === 0) bodyEnded(m.takeover, m.hold);
      } else if (m.kind === 'chunked') {
        const used = m.scanner.feed(pending);
        if (typeof used !== 'number') return fail(400, used.error, true);
        bodyUp(used === pending.length ? pending : pending.subarray(0, used), m.hold);
        pending = pending.subarray(used);
        if (m.scanner.done) bodyEnded(m.takeover, m.hold);
      } else if (m.kind === 'collect') {
        let used: number;
        if (m.scanner) {
          const fed = m.scanner.feed(pending);
          if (typeof fed !== 'number') return fail(400, fed.error);
          used = fed;
          m.size = m.scanner.decodedLength;
        } else {
          used = Math.min(m.remaining, pending.length);
          m.chunks.push(pending.subarray(0, used));
          m.remaining -= used;
          m.size += used;
        }
        pending = pending.subarray(used);
        if (m.size > options.maxBodyBytes) {
          return fail(413, `${m.head.method} ${m.head.target}: body over the ${options.maxBodyBytes}-byte limit`);
        }
        if (m.scanner ? m.scanner.done : m.remaining === 0) sendCollected(m);
      } else if (m.kind === 'tunnel') {
        toUpstream(pending);
        pending = EMPTY;
      } else {
        // await-answer and waiting hold the bytes until they are done; closed drops them.
        if (m.kind === 'closed') pending = EMPTY;
        break;
      }
    }
    passEndUpstream();
  };

  /** The client half-closed: pass it on once everything before it went up. */
  const passEndUpstream = () => {
    if (!clientEnded || pending.length > 0 || upstream.destroyed) return;
    if (mode.kind === 'collect') return fail(400, 'the request body ended early');
    if (mode.kind === 'await-answer' || mode.kind === 'waiting' || mode.kind === 'closed') return;
    upstream.end();
  };

  /** The engine's bytes, followed as answers: the one to a request that may take over decides. */
  const onAnswerBytes = (data: Buffer) => {
    const verdict = answers.feed(data);
    if (createWaiters.size > 0 && !createUnanswered()) settleCreate(true);
    if (verdict.kind === 'none') return;
    if (verdict.kind === 'lost') {
      problem(`the engine's answers cannot be followed on this connection (${verdict.message}): closing it`);
      mode = { kind: 'closed' };
      pending = EMPTY;
      upstream.destroy();
      client.destroy();
      return;
    }
    if (mode.kind !== 'await-answer') {
      // The answer came before the request's body ended: afterRequest decides.
      earlyAnswer = verdict.kind;
      return;
    }
    mode = verdict.kind === 'taken-over' ? { kind: 'tunnel' } : { kind: 'head' };
    work();
  };

  // ---- events -----------------------------------------------------------------------------
  client.on('data', (data: Buffer) => {
    if (mode.kind === 'tunnel' && pending.length === 0) return toUpstream(data);
    if (mode.kind === 'closed') return;
    pending = pending.length ? Buffer.concat([pending, data]) : data;
    work();
  });
  client.on('end', () => {
    clientEnded = true;
    passEndUpstream();
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => {
    mode = { kind: 'closed' };
    upstream.destroy();
    noSecondListing();
  });

  function onUpstreamBytes(data: Buffer, read: boolean): void {
    answered += data.length;
    toClient(data, read);
    // The framer copies what it keeps of these bytes.
    if (mode.kind !== 'tunnel' && mode.kind !== 'closed') onAnswerBytes(data);
  }
  // TLS and command connections (no `onread`).
  upstream.on('data', (data: Buffer) => onUpstreamBytes(data, false));
  upstream.on('end', () => {
    upstreamEnded = true;
    if (mode.kind === 'closed' || client.destroyed) return;
    if (requestSent && answered === 0) fail(502, 'the engine closed the connection before answering', true);
    else client.end();
  });
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (mode.kind === 'closed') return;
    const message = `the engine connection failed: ${error.code ?? error.message}`;
    if (requestSent && answered === 0) return fail(502, message, true);
    if (!connected && !requestSent) {
      // Nothing asked yet: answer the first request with the reason instead of a bare reset.
      problem(message);
      unreachable = message;
      if (mode.kind === 'head' && pending.length > 0) work();
      return;
    }
    problem(message);
    mode = { kind: 'closed' };
    client.destroy();
  });
  upstream.on('close', () => {
    reads.release();
    settleCreate(false);
    if (mode.kind === 'closed' || upstreamEnded || unreachable !== undefined) return;
    if (requestSent && answered === 0) fail(502, 'the engine closed the connection before answering', true);
    else {
      mode = { kind: 'closed' };
      client.destroy();
    }
  });

  const awaitingCreate = () => createUnanswered() && !upstream.destroyed;
  return {
    awaitingCreate,
    createAnswered(ms) {
      if (!awaitingCreate()) return Promise.resolve(!createUnanswered());
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          createWaiters.delete(done);
          resolve(false);
        }, ms);
        const done = (answered: boolean) => {
          clearTimeout(timer);
          resolve(answered);
        };
        createWaiters.add(done);
      });
    },
  };
}

/** A promise with its resolve at hand. */
function deferred<T>(): { readonly promise: Promise<T>; readonly resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

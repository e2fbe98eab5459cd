/**
 * The `Engine` over the Engine API (unix socket, or TCP with TLS). Every request goes through
 * `http.ts` (timeout, negotiated version, typed transport errors); every answer through the pure
 * mappers of `map.ts`. Image removal is `DELETE /images/{ref}` with no query at all: there is
 * no force here, at any layer.
 */
import type {
  ContainerQuery,
  CreateEvent,
  Engine,
  FullImageId,
  ImageQuery,
  ImageRef,
  ImageRemoval,
  LabelFilters,
  ObjectKind,
  ObjectRemoval,
  PruneAnswer,
  Subscription,
} from '../engine.js';
import { isPruneAlreadyRunning } from '../classify.js';
import { DockerApiError, DockerError, DockerNotAnEngineError, DockerNotSentError, DockerTimeoutError } from '../errors.js';
import { refText } from '../refs.js';
import type { ContainerInfo, ImageInfo } from '../types.js';
import { createApiHttp, type Answer, type ApiHttp, type RequestRecord, type Target } from './http.js';
import {
  carriesLabels,
  filtersJson,
  mapContainerSummary,
  mapCreateEvent,
  mapImageDelete,
  mapImageInspect,
  mapImageSummary,
  mapObjectAnswer,
  mapPrune,
  messageOf,
  splitFilter,
} from './map.js';

export interface ApiEngineOptions {
  readonly target: Target;
  /** For messages: `unix:///var/run/docker.sock`, `docker context "x" (tcp://…)`. */
  readonly endpoint: string;
  readonly timeoutMs?: number | undefined;
  /**
   * Container, network and volume removals (and lookups) in flight at once. Default
   * {@link OBJECT_CONCURRENCY}, as the docker CLI's `docker rm` does.
   */
  readonly concurrency?: number | undefined;
  /** Image removals in flight at once. Default {@link IMAGE_CONCURRENCY}. */
  readonly imageConcurrency?: number | undefined;
  /** Called before every request is sent (method and path with query): for tests' records. */
  readonly onRequest?: ((request: RequestRecord) => void) | undefined;
}

export const DEFAULT_API_TIMEOUT_MS = 60_000;
/** The docker CLI removes containers 50 at a time (docker/cli `parallelOperation`, `defaultParallel`). */
export const OBJECT_CONCURRENCY = 50;
/** Image removals at once: the daemon writes its reference store on every untag, so more does not go faster. */
export const IMAGE_CONCURRENCY = 8;
/** Connections kept besides the removals': listings asked while removals run. */
const SPARE_SOCKETS = 4;

export function createApiEngine(options: ApiEngineOptions): Engine {
  const concurrency = Math.max(1, options.concurrency ?? OBJECT_CONCURRENCY);
  const imageConcurrency = Math.max(1, options.imageConcurrency ?? IMAGE_CONCURRENCY);
  const http = createApiHttp({
    target: options.target,
    endpoint: options.endpoint,
    timeoutMs: options.timeoutMs ?? DEFAULT_API_TIMEOUT_MS,
    onRequest: options.onRequest,
    maxSockets: Math.max(concurrency, imageConcurrency) + SPARE_SOCKETS,
  });
  return engineOver(http, options);
}

/** The engine over one view of the HTTP client (its circuit breaker: see `scope()`). */
function engineOver(http: ApiHttp, options: ApiEngineOptions): Engine {
  const timeoutMs = options.timeoutMs ?? DEFAULT_API_TIMEOUT_MS;
  const concurrency = Math.max(1, options.concurrency ?? OBJECT_CONCURRENCY);
  const imageConcurrency = Math.max(1, options.imageConcurrency ?? IMAGE_CONCURRENCY);
  const { endpoint } = options;

  /** A request whose 2xx answer is JSON; anything else is a DockerApiError. */
  const json = async (method: string, path: string, query?: Record<string, string | number | boolean | undefined>): Promise<unknown> => {
    const answer = await http.request(method, path, query ? { query } : {});
    if (answer.status < 200 || answer.status >= 300) throw apiError(method, path, answer);
    return parseJson(endpoint, method, path, answer);
  };

  const labelFilters = (labels: LabelFilters | undefined, extra: Array<[string, string]> = []) => {
    const entries: Array<[string, string]> = [...extra, ...(labels ?? []).map((label): [string, string] => ['label', label])];
    return entries.length ? filtersJson(entries) : undefined;
  };

  const objectRemoval = async (method: string, path: string, query?: Record<string, string | number>, timeout?: number): Promise<ObjectRemoval> => {
    const answer = await http.request(method, path, { ...(query ? { query } : {}), ...(timeout ? { timeoutMs: timeout } : {}) });
    return mapObjectAnswer(answer.status, tryJson(answer.body), answer.body);
  };

  const each = async <K, V>(keys: readonly K[], work: (key: K) => Promise<V>, limit = concurrency): Promise<Map<K, V>> => {
    const results = await inParallel(keys, limit, work);
    return new Map(keys.map((key, index) => [key, results[index] as V]));
  };

  /**
   * `each` for removals: when the engine stops answering part-way (gone, timed out), the
   * answers already given are kept and the rest are `failed` with the error's line. Only when
   * not one request got an answer and none timed out does the error itself go up: the engine
   * could not be asked.
   *
   * The client's circuit breaker (http.ts) covers the whole engine (or scope): after the first
   * request that times out, in this call or an earlier one, nothing more is sent. The timed-out ones are
   * `noAnswer` (the daemon may still carry them out); the rest are `notSent`, at once.
   */
  const removals = async <K, V>(
    keys: readonly K[],
    work: (key: K) => Promise<V>,
    failed: (message: string, flags: { noAnswer?: true; notSent?: true }) => V,
    limit = concurrency,
  ): Promise<Map<K, V>> => {
    let firstError: unknown;
    let answered = 0;
    let silent = false;
    const results = await each(keys, async (key): Promise<V> => {
      try {
        const value = await work(key);
        answered++;
        return value;
      } catch (error) {
        if (!(error instanceof DockerError)) throw error;
        firstError ??= error;
        if (error instanceof DockerNotSentError) {
          silent = true;
          return failed(firstLine(error.message), { notSent: true });
        }
        if (error instanceof DockerTimeoutError) {
          silent = true;
          return failed(`no answer in time: it may still happen (${firstLine(error.message)})`, { noAnswer: true });
        }
        return failed(error.message, {});
      }
    }, limit);
    if (firstError !== undefined && answered === 0 && !silent) throw firstError;
    return results;
  };
  const failedImage = (message: string, flags: { noAnswer?: true; notSent?: true }): ImageRemoval => ({ kind: 'failed', message, ...flags });
  const failedObject = (message: string, flags: { noAnswer?: true; notSent?: true }): ObjectRemoval => ({ kind: 'failed', message, ...flags });

  const stopTimeout = (seconds: number) => timeoutMs + Math.max(0, seconds) * 1000;

  return {
    endpoint,
    transport: 'api',
    timeoutMs,

    async ping() {
      await http.ping();
    },

    async listImages(query: ImageQuery = {}): Promise<ImageInfo[]> {
      const filters = labelFilters(query.labels, query.dangling ? [['dangling', 'true']] : []);
      const body = await json('GET', '/images/json', { ...(query.all ? { all: 1 } : {}), filters });
      return arrayOf(endpoint, 'GET /images/json', body).flatMap((raw) => mapImageSummary(raw) ?? []);
    },

    async inspectImage(id: FullImageId) {
      const answer = await http.request('GET', `/images/${encodePath(id)}/json`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw apiError('GET', '/images/{id}/json', answer);
      return mapImageInspect(parseJson(endpoint, 'GET', '/images/{id}/json', answer));
    },

    async listContainers(query: ContainerQuery = {}): Promise<ContainerInfo[]> {
      const body = await json('GET', '/containers/json', { all: 1, filters: labelFilters(query.labels) });
      return arrayOf(endpoint, 'GET /containers/json', body).flatMap((raw) => (carriesLabels(raw, query.labels) ? (mapContainerSummary(raw) ?? []) : []));
    },

    async listNetworks(labels) {
      const body = await json('GET', '/networks', { filters: labelFilters(labels) });
      return arrayOf(endpoint, 'GET /networks', body).flatMap((raw) => (isRecord(raw) && typeof raw.Id === 'string' && carriesLabels(raw, labels) ? [raw.Id] : []));
    },

    async listVolumes(labels) {
      const body = await json('GET', '/volumes', { filters: labelFilters(labels) });
      const volumes = isRecord(body) && Array.isArray(body.Volumes) ? body.Volumes : [];
      return volumes.flatMap((raw: unknown) => (isRecord(raw) && typeof raw.Name === 'string' && carriesLabels(raw, labels) ? [raw.Name] : []));
    },

    async labelValues(key) {
      const filters = labelFilters([key]);
      const [containers, networks, volumes] = await Promise.all([
        json('GET', '/containers/json', { all: 1, filters }),
        json('GET', '/networks', { filters }),
        json('GET', '/volumes', { filters }),
      ]);
      const values = new Set<string>();
      const add = (raw: unknown) => {
        const labels = isRecord(raw) ? raw.Labels : undefined;
        const value = isRecord(labels) ? labels[key] : undefined;
        if (typeof value === 'string' && value !== '') values.add(value);
      };
      for (const raw of arrayOf(endpoint, 'GET /containers/json', containers)) add(raw);
      for (const raw of arrayOf(endpoint, 'GET /networks', networks)) add(raw);
      for (const raw of isRecord(volumes) && Array.isArray(volumes.Volumes) ? (volumes.Volumes as unknown[]) : []) add(raw);
      return values;
    },

    async resolve(kind: ObjectKind, ids) {
      const base = kind === 'container' ? '/containers' : kind === 'network' ? '/networks' : '/volumes';
      const suffix = kind === 'container' ? '/json' : '';
      const answers = await each([...new Set(ids)], async (id) => {
        const answer = await http.request('GET', `${base}/${encodePath(id)}${suffix}`);
        if (answer.status === 404) return undefined;
        if (answer.status !== 200) throw apiError('GET', `${base}/{id}${suffix}`, answer);
        const body = tryJson(answer.body);
        const value = isRecord(body) ? (kind === 'volume' ? body.Name : body.Id) : undefined;
        return typeof value === 'string' ? value : undefined;
      });
      const resolved = new Map<string, string>();
      for (const [id, value] of answers) if (value !== undefined) resolved.set(id, value);
      return resolved;
    },

    async tagImage(id, repo, tag) {
      const answer = await http.request('POST', `/images/${encodePath(id)}/tag`, { query: { repo, tag } });
      if (answer.status === 201 || answer.status === 200) return 'tagged';
      if (answer.status === 404) return 'gone';
      throw apiError('POST', '/images/{id}/tag', answer);
    },

    async removeImages(refs: readonly ImageRef[]): Promise<Map<ImageRef, ImageRemoval>> {
      // Check every ref before the first request: a bad one stops the whole call.
      const texts = new Map(refs.map((ref) => [ref, refText(ref)]));
      return removals(
        refs,
        async (ref) => {
          // `force` is never sent; `noprune` only when asked (by default untagged parents go too).
          const answer = await http.request('DELETE', `/images/${encodePath(texts.get(ref) as string)}`, ref.keepParents ? { query: { noprune: '1' } } : undefined);
          return mapImageDelete(answer.status, tryJson(answer.body), answer.body);
        },
        failedImage,
        imageConcurrency,
      );
    },

    async pruneDanglingImages(filters): Promise<PruneAnswer> {
      const entries: Array<[string, string]> = [['dangling', 'true']];
      for (const filter of filters) {
        const entry = splitFilter(filter);
        // `dangling` is always true here: a prune with dangling=false removes every unused image.
        if (entry[0] !== 'dangling') entries.push(entry);
      }
      for (let attempt = 0; ; attempt++) {
        const answer = await http.request('POST', '/images/prune', { query: { filters: filtersJson(entries) } });
        if (answer.status === 200) return mapPrune(parseJson(endpoint, 'POST', '/images/prune', answer));
        if (attempt < 5 && isPruneAlreadyRunning(answer.body)) {
          await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
          continue;
        }
        throw apiError('POST', '/images/prune', answer);
      }
    },

    async removeContainers(ids, { stopTimeoutSeconds }) {
      return removals(ids, async (id) => {
        if (stopTimeoutSeconds > 0) {
          const stopped = await objectRemoval('POST', `/containers/${encodePath(id)}/stop`, { t: stopTimeoutSeconds }, stopTimeout(stopTimeoutSeconds));
          if (stopped.kind === 'gone') return stopped;
        }
        return objectRemoval('DELETE', `/containers/${encodePath(id)}`, { force: 1, v: 1 });
      }, failedObject);
    },

    async stopContainers(ids, { stopTimeoutSeconds }) {
      const seconds = Math.max(0, stopTimeoutSeconds);
      return removals(ids, (id) => objectRemoval('POST', `/containers/${encodePath(id)}/stop`, { t: seconds }, stopTimeout(seconds)), failedObject);
    },

    async removeNetworks(ids) {
      return removals(ids, (id) => objectRemoval('DELETE', `/networks/${encodePath(id)}`), failedObject);
    },

    async removeVolumes(names) {
      return removals(names, (name) => objectRemoval('DELETE', `/volumes/${encodePath(name)}`), failedObject);
    },

    async containerCreateEvents({ sinceMs, untilMs }): Promise<CreateEvent[]> {
      const answer = await http.request('GET', '/events', {
        query: { since: eventTime(sinceMs), until: eventTime(untilMs), filters: CREATE_FILTERS },
        // The daemon holds the answer until `until`: give it that long on top.
        timeoutMs: timeoutMs + Math.max(0, untilMs - Date.now()),
      });
      if (answer.status !== 200) throw apiError('GET', '/events', answer);
      return answer.body.split('\n').flatMap((line) => (line.trim() ? (mapCreateEvent(line) ?? []) : []));
    },

    watchContainerCreates(sinceMs, onEvent): Subscription {
      return http.stream('/events', { query: { since: eventTime(sinceMs), filters: CREATE_FILTERS } }, (line) => {
        const event = mapCreateEvent(line);
        if (event) onEvent(event);
      });
    },

    scope() {
      return engineOver(http.scope(), options);
    },

    close() {
      http.close();
    },
  };
}

const CREATE_FILTERS = filtersJson([
  ['type', 'container'],
  ['event', 'create'],
]);

/** Milliseconds → Docker's `seconds.nanoseconds` timestamp. */
export function eventTime(ms: number): string {
  const whole = Math.floor(ms);
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')}000000`;
}

/** Path segments as Docker's router takes them: `/` and `:` and `@` stay (references contain them). */
export function encodePath(text: string): string {
  return encodeURIComponent(text).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/gi, '@');
}

async function inParallel<K, V>(keys: readonly K[], limit: number, work: (key: K) => Promise<V>): Promise<V[]> {
  const results: V[] = new Array<V>(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      results[index] = await work(keys[index] as K);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, keys.length) }, worker));
  return results;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A 2xx answer that must be JSON: junk means what answers is not an engine. */
function parseJson(endpoint: string, method: string, path: string, answer: Answer): unknown {
  try {
    return JSON.parse(answer.body);
  } catch {
    throw new DockerNotAnEngineError(endpoint, `${method} ${path} answered ${answer.status} with no JSON: ${answer.body.trim().slice(0, 80)}`);
  }
}

function arrayOf(endpoint: string, what: string, body: unknown): unknown[] {
  if (!Array.isArray(body)) throw new DockerNotAnEngineError(endpoint, `${what} did not answer a JSON array`);
  return body;
}

function apiError(method: string, path: string, answer: Answer): DockerApiError {
  return new DockerApiError(`${method} ${path}`, answer.status, messageOf(tryJson(answer.body), answer.body));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

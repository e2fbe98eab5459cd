/**
 * The `Engine` over the docker CLI: a thin mapping onto `client.ts`, `images.ts`, `resources.ts`,
 * `parse.ts` and `classify.ts`. For endpoints only the CLI reaches (`ssh://`, exotic contexts),
 * an explicit docker path, or an explicit choice. execa is loaded on the first call, so a process
 * that only ever uses the API engine never loads it.
 *
 * Image removal is `docker image rm REF…`, never with `-f`.
 */
import { classifyRemoveFailure } from './classify.js';
import type { DockerClient, DockerClientOptions, DockerResult } from './client.js';
import type { CreateEvent, Engine, FullImageId, ImageRef, ImageRemoval, LabelFilters, ObjectKind, ObjectRemoval, Subscription } from './engine.js';
import { cliEndpointLabel } from './endpoint.js';
import { DockerCommandError, DockerNotAnEngineError, DockerNotSentError, DockerTimeoutError, DockerUnreachableError } from './errors.js';
import { chunks, inspectImages, listContainers, pruneDanglingImages } from './images.js';
import { labelCheckFormat, parseLabelChecked } from './labels.js';
import { normalizeReference, parseErrorLines, parseIdLines, parseOutput, parseUntaggedLines, splitImageRmOutput } from './parse.js';
import { isFullImageId, refText } from './refs.js';
import {
  containerCreateEventsArgs,
  inspectKindArgs,
  mapObjectErrors,
  parseCreateEvents,
  removeContainersArgs,
  removeNetworksArgs,
  removeVolumesArgs,
  stopContainersArgs,
  listLabelValuesArgs,
} from './resources.js';

export type CliEngineOptions = DockerClientOptions | { readonly client: DockerClient };

export const DEFAULT_CLI_TIMEOUT_MS = 60_000;

export function createCliEngine(options: CliEngineOptions = {}): Engine {
  return cliEngine(options, new Set(), true);
}

/**
 * One engine object (the first, or a scope): its circuit breaker is its own (see
 * withTypedTimeouts). Every call is a process of its own, so a scope shares nothing else but
 * `everyFollow`, which the first one's close() ends.
 */
function cliEngine(options: CliEngineOptions, everyFollow: Set<Subscription>, root: boolean): Engine {
  let client: Promise<DockerClient> | undefined;
  const endpoint = 'client' in options ? options.client.endpoint : cliEndpointLabel(cliEnv(options));
  const docker = (): Promise<DockerClient> =>
    (client ??= ('client' in options ? Promise.resolve(options.client) : import('./client.js').then((module) => module.createDockerClient(options))).then(
      (raw) => withTypedTimeouts(raw, endpoint),
    ));
  const timeoutMs = 'client' in options ? options.client.timeoutMs : (options.timeoutMs ?? DEFAULT_CLI_TIMEOUT_MS);
  /** Follows in progress (`docker events` processes), ended by close() too. */
  const follows = new Set<Subscription>();

  /** Run a batched object command; every argument gets an outcome from the answer. */
  const objects = async (args: readonly string[], operands: readonly string[], extra?: { timeoutMs?: number }): Promise<Map<string, ObjectRemoval>> => {
    const result = await (await docker()).run(args, { allowFailure: true, ...extra });
    return objectOutcomes(operands, result);
  };

  return {
    endpoint,
    transport: 'cli',
    timeoutMs,

    async ping() {
      const client = await docker();
      try {
        await client.run(['version', '--format', '{{.Server.APIVersion}}']);
      } catch (error) {
        // The CLI reached something that answers, but not as an engine (a 500, garbage).
        if (error instanceof DockerCommandError && !error.timedOut) {
          throw new DockerNotAnEngineError(endpoint, error.stderr.trim() || error.shortMessage, { cause: error });
        }
        throw error;
      }
    },

    async listImages(query = {}) {
      const args = ['image', 'ls', ...(query.all ? ['--all'] : []), '--quiet', '--no-trunc'];
      if (query.dangling) args.push('--filter', 'dangling=true');
      for (const label of query.labels ?? []) args.push('--filter', `label=${label}`);
      const client = await docker();
      const ids = parseIdLines((await client.run(args)).stdout);
      return ids.length ? inspectImages(client, ids) : [];
    },

    async inspectImage(id) {
      return (await inspectImages(await docker(), [id]))[0];
    },

    async listContainers(query = {}) {
      return listContainers(await docker(), query.labels ?? []);
    },

    async listNetworks(labels) {
      return labelledList(await docker(), ['network', 'ls', '--no-trunc'], '.ID', labels);
    },

    async listVolumes(labels) {
      return labelledList(await docker(), ['volume', 'ls'], '.Name', labels);
    },

    async labelValues(key) {
      const client = await docker();
      const results = await Promise.all(listLabelValuesArgs(key).map((args) => client.run(args)));
      const values = new Set<string>();
      for (const result of results) for (const line of result.stdout.split('\n')) if (line.trim()) values.add(line.trim());
      return values;
    },

    async resolve(kind: ObjectKind, ids) {
      const resolved = new Map<string, string>();
      const unique = [...new Set(ids)];
      const client = await docker();
      for (const batch of chunks(unique)) {
        const result = await client.run(inspectKindArgs(kind, batch), { allowFailure: true });
        // inspect prints the found ones in argument order and names each missing one on stderr.
        const missing = mapObjectErrors(batch, result.stderr);
        if (result.exitCode !== 0 && missing.size === 0) throw new DockerCommandError(result.args, result.exitCode, result.stderr, false);
        const found = batch.filter((id) => !missing.has(id));
        const lines = result.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
        found.forEach((id, index) => {
          const value = lines[index];
          if (value) resolved.set(id, value);
        });
      }
      return resolved;
    },

    async tagImage(id: FullImageId, repo, tag) {
      const result = await (await docker()).run(['image', 'tag', id, `${repo}:${tag}`], { allowFailure: true });
      if (result.exitCode === 0) return 'tagged';
      if (/no such image/i.test(result.stderr)) return 'gone';
      throw new DockerCommandError(result.args, result.exitCode, result.stderr, false);
    },

    async removeImages(refs) {
      const texts = new Map(refs.map((ref) => [ref, refText(ref)]));
      const client = await docker();
      const outcomes = new Map<ImageRef, ImageRemoval>();
      // IDs and references in separate batches: then every success's output is one clear segment.
      // Those that keep their parents (--no-prune) in batches of their own.
      const byId = refs.filter((ref) => 'id' in ref && !ref.keepParents);
      const byReference = refs.filter((ref) => !('id' in ref) && !ref.keepParents);
      const keepingParents = refs.filter((ref) => ref.keepParents);
      // The engine went away part-way: the answers printed before are true (those images are
      // gone), the rest failed, and no further batch is sent. Nothing answered at all: it throws.
      let lost: DockerUnreachableError | undefined;
      for (const group of [byId, byReference, ...(keepingParents.length > 0 ? [keepingParents.filter((ref) => 'id' in ref), keepingParents.filter((ref) => !('id' in ref))] : [])]) {
        for (const batch of chunks(group)) {
          const operands = batch.map((ref) => texts.get(ref) as string);
          if (lost) {
            for (const ref of batch) outcomes.set(ref, { kind: 'failed', message: lost.message });
            continue;
          }
          let result: Pick<DockerResult, 'stdout' | 'stderr' | 'exitCode'>;
          try {
            // No -f, ever. The daemon removes images one at a time: a large batch gets time in proportion.
            result = await client.run(['image', 'rm', ...(batch[0]?.keepParents ? ['--no-prune'] : []), ...operands], {
              allowFailure: true,
              timeoutMs: Math.max(client.timeoutMs, operands.length * 2_000),
            });
          } catch (error) {
            if (!(error instanceof DockerUnreachableError) || (outcomes.size === 0 && error.stdout.trim() === '')) throw error;
            lost = error;
            result = { stdout: error.stdout, stderr: '', exitCode: 1 };
          }
          const answers = imageRmOutcomes(operands, result);
          batch.forEach((ref, index) => {
            const answer = answers[index] as ImageRemoval;
            outcomes.set(ref, lost && answer.kind === 'failed' ? { kind: 'failed', message: lost.message } : answer);
          });
        }
      }
      return new Map(refs.map((ref) => [ref, outcomes.get(ref) as ImageRemoval]));
    },

    async pruneDanglingImages(filters) {
      const client = await docker();
      const safe = filters.filter((filter) => !/^dangling=/.test(filter));
      const output = await pruneDanglingImages(client, safe);
      return { deleted: output.deleted, untagged: output.untagged, reclaimed: output.reclaimed };
    },

    async removeContainers(ids, { stopTimeoutSeconds }) {
      if (ids.length === 0) return new Map();
      const steps = removeContainersArgs(ids, stopTimeoutSeconds);
      let answer = new Map<string, ObjectRemoval>();
      for (const args of steps) {
        answer = await objects(args, ids, args[1] === 'stop' ? { timeoutMs: timeoutMs + stopTimeoutSeconds * 1000 } : undefined);
      }
      return answer;
    },

    async stopContainers(ids, { stopTimeoutSeconds }) {
      if (ids.length === 0) return new Map();
      return objects(stopContainersArgs(ids, stopTimeoutSeconds), ids, { timeoutMs: timeoutMs + Math.max(0, stopTimeoutSeconds) * 1000 });
    },

    async removeNetworks(ids) {
      return ids.length ? objects(removeNetworksArgs(ids), ids) : new Map();
    },

    async removeVolumes(names) {
      return names.length ? objects(removeVolumesArgs(names), names) : new Map();
    },

    async containerCreateEvents({ sinceMs, untilMs }): Promise<CreateEvent[]> {
      const client = await docker();
      const result = await client.run(containerCreateEventsArgs(cliTime(sinceMs), cliTime(untilMs)), {
        timeoutMs: timeoutMs + Math.max(0, untilMs - Date.now()),
      });
      return parseCreateEvents(result.stdout);
    },

    watchContainerCreates(sinceMs, onEvent): Subscription {
      let stopped = false;
      const subscription: Subscription = {
        stop() {
          stopped = true;
          stream?.stop();
          follows.delete(subscription);
          everyFollow.delete(subscription);
        },
        get done() {
          return done;
        },
      };
      let stream: { stop(): void; done: Promise<void> } | undefined;
      const done = docker().then((client) => {
        if (stopped) return;
        const args = containerCreateEventsArgs(cliTime(sinceMs));
        stream = client.stream(args, (line) => {
          for (const event of parseCreateEvents(line)) onEvent(event);
        });
        return stream.done;
      }).catch(() => undefined);
      follows.add(subscription);
      everyFollow.add(subscription);
      void done.finally(() => {
        follows.delete(subscription);
        everyFollow.delete(subscription);
      });
      return subscription;
    },

    scope() {
      return cliEngine(options, everyFollow, false);
    },

    close() {
      // Every call is its own process: only follows are still open (a scope's own; the first
      // engine's close ends its scopes' too).
      for (const follow of [...(root ? everyFollow : follows)]) follow.stop();
    },
  };
}

/**
 * A call that got no answer in time is the same typed error at both transports, and trips the
 * same circuit breaker as the API's (api/http.ts): after it, no further docker command of this
 * engine is run; each fails at once with a DockerNotSentError. One engine, or scope, per
 * teardown, clean or sweep: the next one asks afresh.
 */
function withTypedTimeouts(client: DockerClient, endpoint: string): DockerClient {
  let frozen: DockerTimeoutError | undefined;
  const what = (args: readonly string[]) => `docker ${args.slice(0, 2).join(' ')}`;
  const convert = (error: unknown, args: readonly string[]): unknown =>
    error instanceof DockerCommandError && error.timedOut
      ? new DockerTimeoutError(endpoint, error.timeoutMs ?? client.timeoutMs, what(args), { cause: error })
      : error;
  return {
    ...client,
    async run(args, options) {
      if (frozen) throw new DockerNotSentError(frozen, what(args));
      try {
        return await client.run(args, options);
      } catch (error) {
        const typed = convert(error, args);
        if (typed instanceof DockerTimeoutError) frozen ??= typed;
        throw typed;
      }
    },
  };
}

/** Milliseconds → the `seconds.nanoseconds` the CLI's --since/--until take. */
function cliTime(ms: number): string {
  const whole = Math.floor(ms);
  return `${Math.floor(whole / 1000)}.${String(whole % 1000).padStart(3, '0')}000000`;
}

function cliEnv(options: DockerClientOptions): Record<string, string | undefined> {
  const env = { ...(options.env ?? process.env) };
  if (options.host !== undefined) env.DOCKER_HOST = options.host;
  else if (options.context !== undefined) {
    env.DOCKER_CONTEXT = options.context;
    delete env.DOCKER_HOST;
  }
  return env;
}

/** Outcomes of `docker container|network|volume rm|stop A B …` from its answer. */
function objectOutcomes(operands: readonly string[], result: DockerResult): Map<string, ObjectRemoval> {
  const failures = result.exitCode === 0 ? new Map() : mapObjectErrors(operands, result.stderr);
  const printed = new Set(parseIdLines(result.stdout));
  const outcomes = new Map<string, ObjectRemoval>();
  for (const operand of operands) {
    const failure = failures.get(operand);
    if (failure) outcomes.set(operand, failure.gone ? { kind: 'gone' } : { kind: 'failed', message: failure.message });
    // rm/stop echo every argument they handled.
    else if (printed.has(operand)) outcomes.set(operand, { kind: 'removed' });
    // `rm --force` says nothing, and exits 0, for a container that does not exist.
    else if (result.exitCode === 0) outcomes.set(operand, { kind: 'gone' });
    else outcomes.set(operand, { kind: 'failed', message: firstLine(result.stderr) || `docker ${result.args.join(' ')} failed` });
  }
  return outcomes;
}

/**
 * Outcomes of one batched `docker image rm` whose operands are all IDs or all references, in
 * operand order. Errors are mapped back by the 12-hex prefix or the echoed reference; successes
 * by the `Deleted:` ID (IDs) or the `Untagged:` line (references).
 */
export function imageRmOutcomes(operands: readonly string[], result: Pick<DockerResult, 'stdout' | 'stderr' | 'exitCode'>): ImageRemoval[] {
  const references = new Set(operands.filter((operand) => !isFullImageId(operand)).map(normalizeReference));
  const errors = parseErrorLines(result.stderr).map(classifyRemoveFailure);
  const used = new Set<number>();
  const errorFor = (operand: string) => {
    const index = errors.findIndex(
      (error, at) =>
        !used.has(at) &&
        ((error.imagePrefix !== undefined && operand.replace(/^sha256:/, '').startsWith(error.imagePrefix)) ||
          (error.reference !== undefined && (error.reference === operand || normalizeReference(error.reference) === normalizeReference(operand))) ||
          error.message.includes(`"${operand}"`) ||
          error.message.includes(` ${operand} `)),
    );
    if (index === -1) return undefined;
    used.add(index);
    return errors[index];
  };
  const failures = new Map(operands.map((operand) => [operand, errorFor(operand)]));
  const starts = new Set(operands.filter((operand) => isFullImageId(operand) && failures.get(operand) === undefined));
  const segments = splitImageRmOutput(result.stdout, references, starts);
  return operands.map((operand): ImageRemoval => {
    // Its own segment, or a Deleted: line in another's (a parent removed with its child) wins
    // over an error line: the image is gone either way.
    const segment = isFullImageId(operand)
      ? segments.find((candidate) => candidate.deleted.includes(operand))
      : segments.find((candidate) => candidate.untagged[0] !== undefined && normalizeReference(candidate.untagged[0]) === normalizeReference(operand));
    if (segment) {
      const deleted = segment.deleted.filter(isFullImageId);
      return deleted.length ? { kind: 'removed', deleted, untagged: segment.untagged } : { kind: 'untagged', untagged: segment.untagged };
    }
    const error = failures.get(operand);
    if (!error) return { kind: 'failed', message: firstLine(result.stderr) || 'docker image rm gave no answer for it' };
    switch (error.reason) {
      case 'gone':
        return { kind: 'gone', message: error.message };
      case 'other':
        return { kind: 'failed', message: error.message };
      default:
        return { kind: 'conflict', reason: error.reason, containers: error.container ? [error.container] : [], message: error.message };
    }
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/**
 * `network ls` / `volume ls` with label filters: IDs (or names), each one's labels checked here
 * too (labels.ts), so a CLI or engine that ignored the filter cannot widen what is removed.
 */
async function labelledList(client: DockerClient, base: readonly string[], idField: string, labels: LabelFilters): Promise<string[]> {
  const args = [...base];
  for (const label of labels) args.push('--filter', `label=${label}`);
  if (labels.length === 0) return parseIdLines((await client.run([...args, '--quiet'])).stdout);
  return parseOutput(await client.run([...args, '--format', labelCheckFormat(idField, labels)]), (stdout) => parseLabelChecked(stdout, labels));
}

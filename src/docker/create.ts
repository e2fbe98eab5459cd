/**
 * The one place that turns the `docker` options into an {@link Engine}: the endpoint resolved
 * once (`endpoint.ts`), then the transport. `auto` takes the Engine API for a unix socket or TCP
 * and the docker CLI for `ssh://` and other CLI-only endpoints, or when a docker path is given.
 */
import { createApiEngine } from './api/engine.js';
import type { RequestRecord } from './api/http.js';
import { createCliEngine } from './cli-engine.js';
import type { Engine, Transport } from './engine.js';
import { describeEndpoint, type ResolvedEndpoint } from './endpoint.js';
import { endpointFromOptions, type EndpointOptions } from './endpoint-here.js';
import { DockerEndpointError, DockerNotFoundError, DockerNotInstalledError, DockerUnreachableError } from './errors.js';

export type TransportChoice = 'auto' | Transport;

export interface EngineOptions extends EndpointOptions {
  readonly transport?: TransportChoice | undefined;
  /** `docker.path` / `--docker-path`: the docker CLI to run (makes `auto` choose the CLI). */
  readonly path?: string | undefined;
  readonly timeoutMs?: number | undefined;
  /** Records of what goes out, for tests: API requests and CLI argument arrays. */
  readonly onRequest?: ((request: RequestRecord) => void) | undefined;
  readonly onCommand?: ((args: readonly string[]) => void) | undefined;
}

export interface ChosenEngine {
  readonly engine: Engine;
  readonly endpoint: ResolvedEndpoint;
  readonly transport: Transport;
  /** One line for warnings: `unix:///var/run/docker.sock (api)`. */
  readonly description: string;
}

export function engineFromOptions(options: EngineOptions = {}): ChosenEngine {
  const env = options.env ?? process.env;
  const choice = options.transport ?? 'auto';
  const endpoint = endpointFromOptions(options);
  // No transport reaches it (the docker CLI refuses it too): said before anything is asked.
  if (endpoint.kind === 'invalid') throw new DockerEndpointError(describeEndpoint(endpoint), endpoint.reason);
  const dockerPath = options.path ?? env.DOCKER_JANITOR_DOCKER_PATH;
  const apiReachable = endpoint.kind === 'unix' || endpoint.kind === 'tcp';
  const useApi = choice === 'api' || (choice === 'auto' && apiReachable && dockerPath === undefined);

  if (useApi) {
    if (endpoint.kind === 'none') throw new DockerNotFoundError(endpoint.tried);
    if (endpoint.kind === 'cli-only') {
      throw new DockerUnreachableError(endpoint.url, '', {
        message: `${describeEndpoint(endpoint)} can only be reached through the docker CLI (${endpoint.reason}); use --transport auto or cli.`,
      });
    }
    const description = describeEndpoint(endpoint);
    const engine = createApiEngine({
      target: endpoint.kind === 'unix' ? { kind: 'unix', socketPath: endpoint.socketPath } : { kind: 'tcp', host: endpoint.host, port: endpoint.port, tls: endpoint.tls },
      endpoint: description,
      timeoutMs: options.timeoutMs,
      onRequest: options.onRequest,
    });
    return { engine, endpoint, transport: 'api', description: `${description} (api)` };
  }

  const cli = createCliEngine({
    ...(dockerPath !== undefined ? { dockerPath } : {}),
    ...(options.host !== undefined ? { host: options.host } : options.context !== undefined ? { context: options.context } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    env,
    ...(options.onCommand ? { onCommand: options.onCommand } : {}),
  });
  // An explicit docker path that does not exist is named as such (DockerNotInstalledError), not as "no engine found".
  const engine = endpoint.kind === 'none' && choice === 'auto' && dockerPath === undefined ? notFoundWhenNoCli(cli, endpoint.tried) : cli;
  const where = endpoint.kind === 'none' ? cli.endpoint : describeEndpoint(endpoint);
  return { engine, endpoint, transport: 'cli', description: `${where} (cli)` };
}

/** No socket found and no CLI either: one error naming every place tried. */
function notFoundWhenNoCli(engine: Engine, tried: readonly string[]): Engine {
  const wrap =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        if (error instanceof DockerNotInstalledError) throw new DockerNotFoundError(tried, { cause: error });
        throw error;
      }
    };
  return {
    ...engine,
    ping: wrap(engine.ping),
    listImages: wrap(engine.listImages),
    inspectImage: wrap(engine.inspectImage),
    listContainers: wrap(engine.listContainers),
    listNetworks: wrap(engine.listNetworks),
    listVolumes: wrap(engine.listVolumes),
    labelValues: wrap(engine.labelValues),
    resolve: wrap(engine.resolve),
    tagImage: wrap(engine.tagImage),
    removeImages: wrap(engine.removeImages),
    pruneDanglingImages: wrap(engine.pruneDanglingImages),
    removeContainers: wrap(engine.removeContainers),
    stopContainers: wrap(engine.stopContainers),
    removeNetworks: wrap(engine.removeNetworks),
    removeVolumes: wrap(engine.removeVolumes),
    containerCreateEvents: wrap(engine.containerCreateEvents),
    scope: () => notFoundWhenNoCli(engine.scope(), tried),
  };
}

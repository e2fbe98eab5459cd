/**
 * The endpoint that `docker` options resolve to on this machine: `endpoint.ts`'s pure resolution,
 * given this machine's files (docker contexts, sockets) and environment. Kept apart from
 * `create.ts` so that a process that only needs the endpoint (the watchdog serving the session
 * socket) loads no engine and no docker CLI runner.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolveEndpoint, type EndpointInputs, type ResolvedEndpoint } from './endpoint.js';

export interface EndpointOptions {
  /** `docker.host` / `--host`. */
  readonly host?: string | undefined;
  /** `docker.context` / `--context`. */
  readonly context?: string | undefined;
  /** Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** For tests: where `~` is, and the file system reads of the resolution. */
  readonly homeDir?: string | undefined;
  readonly readFile?: EndpointInputs['readFile'] | undefined;
  readonly isSocket?: EndpointInputs['isSocket'] | undefined;
}

/** The endpoint these options resolve to (what `engineFromOptions` talks to). */
export function endpointFromOptions(options: EndpointOptions = {}): ResolvedEndpoint {
  const env = options.env ?? process.env;
  return resolveEndpoint({
    host: options.host,
    context: options.context,
    env,
    homeDir: options.homeDir ?? env.HOME ?? homedir(),
    readFile: options.readFile ?? readTextFile,
    isSocket: options.isSocket ?? isSocketFile,
  });
}

function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function isSocketFile(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

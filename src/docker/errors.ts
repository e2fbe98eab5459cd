/**
 * The ways talking to Docker can fail, each carrying what a user needs to act on it. Expected
 * states (an image in use, already gone) are never errors: see `classify.ts`.
 *
 * Three codes: the CLI missing, the engine not to be asked at all (`DOCKER_UNREACHABLE`: nothing
 * listens, no answer in time, or what answers is not a Docker engine), and one call refused.
 */

export type DockerErrorCode = 'DOCKER_NOT_INSTALLED' | 'DOCKER_UNREACHABLE' | 'DOCKER_COMMAND_FAILED';

export abstract class DockerError extends Error {
  abstract readonly code: DockerErrorCode;
}

/** The docker CLI binary could not be started (not installed, or not at the configured path). */
export class DockerNotInstalledError extends DockerError {
  readonly code = 'DOCKER_NOT_INSTALLED' as const;
  override readonly name = 'DockerNotInstalledError';
  constructor(
    readonly dockerPath: string,
    options?: { cause?: unknown },
  ) {
    super(
      `The Docker CLI was not found (tried "${dockerPath}"). Install Docker, or point docker-janitor at the docker binary (--docker-path, the docker.path option, or DOCKER_JANITOR_DOCKER_PATH).`,
      options,
    );
  }
}

/** No engine answered at the endpoint tried (nothing listens, or access is denied). */
export class DockerUnreachableError extends DockerError {
  readonly code = 'DOCKER_UNREACHABLE' as const;
  override readonly name: string = 'DockerUnreachableError';
  constructor(
    readonly host: string,
    readonly stderr: string,
    options?: { cause?: unknown; message?: string; stdout?: string },
  ) {
    super(options?.message ?? `The Docker engine is not reachable at ${host}. Is it running? (${firstLine(stderr)})`, options);
    this.stdout = options?.stdout ?? '';
  }
  /** What a docker command printed before the engine went away (its answers so far), or ''. */
  readonly stdout: string;
}

/** The endpoint accepted the connection but gave no (complete) answer in time. */
export class DockerTimeoutError extends DockerUnreachableError {
  override readonly name: string = 'DockerTimeoutError';
  constructor(
    host: string,
    readonly timeoutMs: number,
    readonly request: string,
    options?: { cause?: unknown; message?: string },
  ) {
    super(host, '', {
      ...options,
      message: options?.message ?? `The Docker engine at ${host} did not answer ${request} within ${timeoutMs} ms.`,
    });
  }
}

/**
 * Never sent: an earlier request to the same engine got no answer in time, so the engine is taken
 * as frozen for the rest of what this engine instance does (one teardown, clean or sweep; a later
 * one starts with a fresh engine). Costs no time: a frozen daemon would make every request wait
 * its own timeout. `first` is the timeout that tripped it (said where it happened; this one is
 * said once, as a consequence).
 */
export class DockerNotSentError extends DockerTimeoutError {
  override readonly name: string = 'DockerNotSentError';
  constructor(
    readonly first: DockerTimeoutError,
    request: string,
  ) {
    super(first.host, first.timeoutMs, request, { message: `${NOT_SENT}: the Docker engine at ${first.host} did not answer in time` });
  }
}

/** How an outcome or an error says that its request was never sent (see {@link DockerNotSentError}). */
export const NOT_SENT = 'not sent';

/** Something answers at the endpoint, but not as a Docker engine (garbage, wrong protocol, TLS mismatch, a 500 on ping). */
export class DockerNotAnEngineError extends DockerUnreachableError {
  override readonly name: string = 'DockerNotAnEngineError';
  constructor(
    host: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(host, detail, {
      ...options,
      message: `What answers at ${host} is not a Docker engine (${firstLine(detail)}).`,
    });
  }
}

/** No endpoint found: no socket at the usual places and no docker CLI to ask. */
export class DockerNotFoundError extends DockerUnreachableError {
  override readonly name: string = 'DockerNotFoundError';
  constructor(
    readonly tried: readonly string[],
    options?: { cause?: unknown },
  ) {
    super('(none found)', '', {
      ...options,
      message: `No Docker engine found: no DOCKER_HOST, no docker context, no docker CLI, and no socket at ${tried.join(', ')}. Set DOCKER_HOST or --host.`,
    });
  }
}

/**
 * An endpoint no client can reach (DOCKER_HOST with a port outside 1-65535 or not a number):
 * nothing is asked. The CLI says so as a usage error (exit 2); a session does not start.
 */
export class DockerEndpointError extends DockerUnreachableError {
  override readonly name: string = 'DockerEndpointError';
  constructor(
    /** Where it came from and the URL: `DOCKER_HOST tcp://127.0.0.1:99999`. */
    readonly where: string,
    readonly reason: string,
  ) {
    super(where, '', { message: `${where} is not a usable Docker endpoint: ${reason}.` });
  }
}

/** The engine answered one API request with an error we do not treat as an outcome. */
export class DockerApiError extends DockerError {
  readonly code = 'DOCKER_COMMAND_FAILED' as const;
  override readonly name = 'DockerApiError';
  /** Method, path and status: the one line a user sees. */
  readonly shortMessage: string;
  constructor(
    readonly request: string,
    readonly status: number,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    const short = `Docker API ${request} answered ${status}`;
    super(detail ? `${short}: ${firstLine(detail)}` : short, options);
    this.shortMessage = short;
  }
}

/** A docker command exited non-zero, or did not finish within its timeout. */
export class DockerCommandError extends DockerError {
  readonly code = 'DOCKER_COMMAND_FAILED' as const;
  override readonly name = 'DockerCommandError';
  /** The short form: what failed and the command; `message` adds stderr. */
  readonly shortMessage: string;
  /** The timeout that ran out, when `timedOut`. */
  readonly timeoutMs: number | undefined;
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown; timeoutMs?: number },
  ) {
    const command = `docker ${args.join(' ')}`;
    const short = timedOut
      ? `Command timed out after ${options?.timeoutMs ?? '?'} ms: ${truncate(command)}`
      : `Command failed with exit code ${exitCode ?? '?'}: ${truncate(command)}`;
    const detail = stderr.trim();
    super(detail ? `${short}\n${detail}` : short, options);
    this.shortMessage = short;
    this.timeoutMs = options?.timeoutMs;
  }
}

/**
 * A docker command answered with output that is not what it prints (a broken or foreign CLI, a
 * proxy in the way): one line naming the command and what was wrong, never a parser's stack.
 */
export class DockerOutputError extends DockerError {
  readonly code = 'DOCKER_COMMAND_FAILED' as const;
  override readonly name = 'DockerOutputError';
  readonly shortMessage: string;
  constructor(
    readonly args: readonly string[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const short = `Unexpected output from ${truncate(`docker ${args.join(' ')}`)}: ${reason}`;
    super(short, options);
    this.shortMessage = short;
  }
}

export function isDockerError(error: unknown): error is DockerError {
  return error instanceof DockerError;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function truncate(command: string, max = 200): string {
  return command.length > max ? `${command.slice(0, max - 1)}…` : command;
}

/**
 * A 5xx answer to a listing, ping or inspection: the engine answers but is not working. The CLI
 * treats it as "Docker unavailable" (exit 3); a refused removal is an outcome, never this.
 */
export function isEngineFailure(error: unknown): boolean {
  return error instanceof DockerApiError && error.status >= 500;
}

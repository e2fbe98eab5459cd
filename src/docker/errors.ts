/**
 * The three ways talking to Docker can fail, each carrying what a user needs to act on it.
 * Expected states (an image in use, already gone) are never errors: see `classify.ts`.
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

/** The CLI ran but no engine answered at the host it tried. */
export class DockerUnreachableError extends DockerError {
  readonly code = 'DOCKER_UNREACHABLE' as const;
  override readonly name = 'DockerUnreachableError';
  constructor(
    readonly host: string,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(`The Docker engine is not reachable at ${host}. Is it running? (${firstLine(stderr)})`, options);
  }
}

/** A docker command exited non-zero, or did not finish within its timeout. */
export class DockerCommandError extends DockerError {
  readonly code = 'DOCKER_COMMAND_FAILED' as const;
  override readonly name = 'DockerCommandError';
  /** The short form: what failed and the command; `message` adds stderr. */
  readonly shortMessage: string;
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

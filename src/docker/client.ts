/**
 * The only place that starts docker processes. Argument arrays, never a shell; a timeout on
 * every call; failures turned into the three cases of `errors.ts`.
 */
import { execa, execaSync } from 'execa';
import { DockerCommandError, DockerNotInstalledError, DockerUnreachableError } from './errors.js';

export interface DockerClientOptions {
  /** The docker CLI to run. Default: `DOCKER_JANITOR_DOCKER_PATH`, else `docker` from PATH. */
  dockerPath?: string;
  /** Engine endpoint, e.g. `unix:///run/docker.sock`. Default: the environment's `DOCKER_HOST`. */
  host?: string;
  /** Docker context name. Default: the environment's `DOCKER_CONTEXT`. */
  context?: string;
  /** Timeout of one docker call, in milliseconds. Default 60 000. */
  timeoutMs?: number;
  /** The environment the CLI runs with. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Called before every docker invocation: lets tests record exactly what runs. */
  onCommand?: (args: readonly string[]) => void;
}

export interface RunOptions {
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
  /**
   * Return the result of a non-zero exit instead of throwing. The CLI missing and the engine
   * unreachable still throw: they are never an expected outcome of one command.
   */
  allowFailure?: boolean;
}

export interface DockerResult {
  readonly args: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface DockerClient {
  /** The docker binary this client runs. */
  readonly dockerPath: string;
  /** A human description of the engine endpoint, for messages. */
  readonly endpoint: string;
  /** The timeout of one call, in milliseconds, unless a call sets its own. */
  readonly timeoutMs: number;
  /** The environment docker runs with (for child processes that must reach the same engine). */
  readonly env: Readonly<Record<string, string>>;
  run(args: readonly string[], options?: RunOptions): Promise<DockerResult>;
  /** Synchronous variant, for signal handlers that must finish before the process exits. */
  runSync(args: readonly string[], options?: RunOptions): DockerResult;
  /** A long-running command (e.g. `docker events`) whose stdout lines are handed to `onLine`. */
  stream(args: readonly string[], onLine: (line: string) => void): { stop(): void; done: Promise<void> };
}

export const DEFAULT_TIMEOUT_MS = 60_000;

const UNREACHABLE_PATTERNS = [
  /Cannot connect to the Docker daemon/i,
  /Is the docker daemon running\?/i,
  /error during connect/i,
  /failed to connect to the docker API/i,
  /permission denied while trying to connect to the Docker daemon/i,
  /Cannot connect to Podman/i,
  /unable to resolve docker endpoint/i,
];

export function createDockerClient(options: DockerClientOptions = {}): DockerClient {
  const baseEnv = options.env ?? process.env;
  const dockerPath = options.dockerPath ?? baseEnv.DOCKER_JANITOR_DOCKER_PATH ?? 'docker';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(baseEnv)) if (value !== undefined) env[key] = value;
  if (options.host !== undefined) {
    env.DOCKER_HOST = options.host;
    delete env.DOCKER_CONTEXT;
  } else if (options.context !== undefined) {
    env.DOCKER_CONTEXT = options.context;
    delete env.DOCKER_HOST;
  }
  // Hints and "What's next" blurbs are noise in a cleaner's output.
  env.DOCKER_CLI_HINTS = 'false';
  const endpoint = env.DOCKER_HOST
    ? env.DOCKER_HOST
    : env.DOCKER_CONTEXT
      ? `docker context "${env.DOCKER_CONTEXT}"`
      : 'the current docker context';

  const execOptions = (run?: RunOptions) =>
    ({
      env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: run?.timeoutMs ?? timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 256 * 1024 * 1024,
    }) as const;

  const settle = (
    args: readonly string[],
    run: RunOptions | undefined,
    result: {
      stdout: unknown;
      stderr: unknown;
      exitCode?: number | undefined;
      failed: boolean;
      timedOut: boolean;
      code?: string | undefined;
      cause?: unknown;
    },
  ): DockerResult => {
    const stdout = typeof result.stdout === 'string' ? result.stdout : '';
    const stderr = typeof result.stderr === 'string' ? result.stderr : '';
    if (result.code === 'ENOENT' || result.code === 'EACCES') {
      throw new DockerNotInstalledError(dockerPath, { cause: result.cause });
    }
    if (result.timedOut) {
      throw new DockerCommandError(args, result.exitCode, stderr, true, {
        timeoutMs: run?.timeoutMs ?? timeoutMs,
      });
    }
    if (result.failed && UNREACHABLE_PATTERNS.some((pattern) => pattern.test(stderr))) {
      throw new DockerUnreachableError(hostFrom(stderr) ?? endpoint, stderr);
    }
    const exitCode = result.exitCode ?? 1;
    if (result.failed && !run?.allowFailure) {
      throw new DockerCommandError(args, exitCode, stderr, false);
    }
    return { args, stdout, stderr, exitCode: result.failed ? exitCode : 0 };
  };

  return {
    dockerPath,
    endpoint,
    timeoutMs,
    env,
    async run(args, run) {
      options.onCommand?.(args);
      const result = await execa(dockerPath, [...args], execOptions(run));
      return settle(args, run, result);
    },
    runSync(args, run) {
      options.onCommand?.(args);
      const result = execaSync(dockerPath, [...args], execOptions(run));
      return settle(args, run, result);
    },
    stream(args, onLine) {
      options.onCommand?.(args);
      const child = execa(dockerPath, [...args], { env, extendEnv: false, reject: false, stdin: 'ignore', buffer: false });
      let pending = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        pending += chunk;
        let newline = pending.indexOf('\n');
        while (newline !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.trim()) onLine(line);
          newline = pending.indexOf('\n');
        }
      });
      return {
        stop: () => {
          child.kill('SIGTERM');
        },
        done: child.then(() => undefined),
      };
    },
  };
}

/** Docker names the endpoint it tried in its message: "… daemon at unix:///x.sock. Is …". */
function hostFrom(stderr: string): string | undefined {
  const match = /(?:daemon|API|socket) at ([^\s;]+?)\.?(?:\s|;|$)/.exec(stderr);
  return match?.[1];
}

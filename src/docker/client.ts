/**
 * The only place that starts docker processes. Argument arrays, never a shell; a timeout on
 * every call that always ends it; failures turned into the three cases of `errors.ts`.
 *
 * Each docker CLI runs in a process group of its own (detached). On timeout the whole group is
 * killed (the CLI and anything it started: ssh for ssh:// hosts, credential helpers, a wrapper
 * script's children), and the call does not wait for pipes a grandchild may still hold open.
 * A group of its own also keeps a Ctrl+C sent to the runner's process group from killing the
 * docker calls that the signal cleanup itself is making.
 */
import { spawn } from 'node:child_process';
import { execa } from 'execa';
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
  /** A shorter timeout for this call; the client's own timeout is the upper bound of every call. */
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

  // The configured timeout bounds every call: a call may ask for less (a short probe), never more.
  const limit = (run?: RunOptions) => Math.min(run?.timeoutMs ?? timeoutMs, timeoutMs);

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
        timeoutMs: limit(run),
      });
    }
    if (result.failed && UNREACHABLE_PATTERNS.some((pattern) => pattern.test(stderr))) {
      throw new DockerUnreachableError(hostFrom(stderr) ?? endpoint, stderr, { stdout });
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
      return settle(args, run, await spawnBounded(dockerPath, args, env, limit(run)));
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

/** What one bounded run of the CLI gave; `settle` turns it into a result or an error. */
interface RawResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode?: number | undefined;
  readonly failed: boolean;
  readonly timedOut: boolean;
  readonly code?: string | undefined;
  readonly cause?: unknown;
}

const MAX_OUTPUT = 256 * 1024 * 1024;
/** After the CLI exited, how long its output may take to drain before a held pipe is given up. */
const DRAIN_MS = 250;

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

/**
 * Run `file` in its own process group; settle when it exits (its output drained, or after
 * {@link DRAIN_MS} if something else holds the pipes) or when `timeoutMs` passes, whichever is
 * first. On timeout, or when a leftover holds the pipes, the group is killed.
 */
export function spawnBounded(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RawResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    const child = spawn(file, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT) into.push(chunk);
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    const finish = (result: Omit<RawResult, 'stdout' | 'stderr'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ ...result, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    };
    const exited = () => {
      const code = exit?.code ?? undefined;
      finish({ exitCode: code, failed: code !== 0, timedOut: false });
    };
    const timer = setTimeout(() => {
      killGroup(child.pid);
      finish({ exitCode: undefined, failed: true, timedOut: true });
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => finish({ failed: true, timedOut: false, code: error.code, cause: error }));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      drainTimer = setTimeout(() => {
        killGroup(child.pid); // a leftover of this call holds the pipes: it goes with the call
        exited();
      }, DRAIN_MS);
    });
    child.on('close', () => {
      if (exit) exited();
    });
  });
}

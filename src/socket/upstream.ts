/**
 * Where the session socket forwards to: the engine's unix socket, its TCP endpoint with or
 * without TLS, or, for an engine only the docker CLI reaches (`ssh://`), one
 * `docker system dial-stdio` process per connection. One upstream connection per client
 * connection, so the engine sees the client's own connection pattern (keep-alive, hijacks) and
 * answers arrive in order without parsing.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect as netConnect, isIP, type NetConnectOpts, type OnReadOpts, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { ResolvedEndpoint } from '../docker/endpoint.js';
import { nodeChildProcess, nodeTls } from '../docker/builtins.js';

export type Upstream =
  | { readonly socketPath: string }
  | {
      readonly host: string;
      readonly port: number;
      readonly tls?: {
        readonly ca?: string | Buffer | undefined;
        readonly cert?: string | Buffer | undefined;
        readonly key?: string | Buffer | undefined;
        /** Check the engine's certificate against `ca` (default true; false as with DOCKER_TLS without DOCKER_TLS_VERIFY). */
        readonly verify?: boolean;
      };
    }
  | {
      /**
       * A process whose stdin and stdout are the engine connection, such as
       * `ssh -T -- host docker system dial-stdio`. Run with an argument array, never a shell.
       */
      readonly command: {
        readonly file: string;
        readonly args: readonly string[];
        /** For messages: the engine it reaches. */
        readonly describe: string;
        readonly env?: NodeJS.ProcessEnv;
        /** At most this many such processes at once (default MAX_COMMAND_CONNECTIONS). */
        readonly maxProcesses?: number;
      };
    };

/** Command upstreams: processes running at once in this process (the watchdog serves one socket), unless told otherwise. */
export const MAX_COMMAND_CONNECTIONS = 64;
/** The tail of a command's stderr kept for the error message. */
const STDERR_BYTES = 2048;
/** After SIGTERM, a command process group still there is killed. */
const KILL_GRACE_MS = 2_000;
/** After its stdout ended with no answer, how long to wait for the exit status. */
const EXIT_WAIT_MS = 5_000;

/**
 * How much may wait in a socket's write buffer before its source is paused. Node's default
 * (16 KiB) is below one 64 KiB read, so every read of a large copy paused and resumed the
 * other side; 1 MiB lets bulk transfers flow (measured in bench/socket.mjs).
 */
export const BUFFER_BYTES = 1024 * 1024;

/**
 * A connection to the engine. With `onread` (read-buffers.ts), a unix or plain TCP connection
 * hands its reads to `onread.callback` instead of emitting 'data'; TLS and command connections
 * ignore it and emit 'data' as usual.
 */
export function connectUpstream(upstream: Upstream, onread?: OnReadOpts): Socket {
  if ('command' in upstream) return connectCommand(upstream.command);
  if ('socketPath' in upstream) {
    // net.Socket hands its options to stream.Duplex, which reads writableHighWaterMark; the
    // type NetConnectOpts does not list it.
    const options: NetConnectOpts & { writableHighWaterMark: number } = { path: upstream.socketPath, allowHalfOpen: true, writableHighWaterMark: BUFFER_BYTES, ...(onread ? { onread } : {}) };
    return netConnect(options);
  }
  if (upstream.tls) {
    return nodeTls().connect({
      host: upstream.host,
      port: upstream.port,
      ...(isIP(upstream.host) ? {} : { servername: upstream.host }),
      ca: upstream.tls.ca,
      cert: upstream.tls.cert,
      key: upstream.tls.key,
      rejectUnauthorized: upstream.tls.verify !== false,
    });
  }
  const options: NetConnectOpts & { writableHighWaterMark: number } = { host: upstream.host, port: upstream.port, allowHalfOpen: true, writableHighWaterMark: BUFFER_BYTES, ...(onread ? { onread } : {}) };
  const socket = netConnect(options);
  socket.setNoDelay(true);
  return socket;
}

export function describeUpstream(upstream: Upstream): string {
  if ('command' in upstream) return `${upstream.command.describe} (${[upstream.command.file, ...upstream.command.args].join(' ')}, one per connection)`;
  if ('socketPath' in upstream) return `unix://${upstream.socketPath}`;
  return `${upstream.tls ? 'https' : 'tcp'}://${upstream.host}:${upstream.port}`;
}

/**
 * The upstream for a resolved engine endpoint, or why the socket cannot relay to it (an
 * endpoint only the docker CLI reaches other than `ssh://`, or no engine at all): the session
 * then goes on with labels and adoption, and says so in one warning line. An `ssh://` engine
 * (given as a host, or as a context's endpoint) is reached with one
 * `ssh … -- HOST docker system dial-stdio` per connection: the command the docker CLI itself
 * runs for each of its connections (bench/ssh.mjs: the same SSH logins as the docker CLI
 * directly; through `docker --host ssh://… system dial-stdio` it would be twice as many, since
 * that CLI pings the engine on a connection of its own first).
 */
export function upstreamFor(endpoint: ResolvedEndpoint): { readonly upstream: Upstream } | { readonly unsupported: string } {
  switch (endpoint.kind) {
    case 'unix':
      return { upstream: { socketPath: endpoint.socketPath } };
    case 'tcp':
      return {
        upstream: {
          host: endpoint.host,
          port: endpoint.port,
          ...(endpoint.tls ? { tls: { ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key, verify: endpoint.tls.verify } } : {}),
        },
      };
    case 'cli-only':
      if (/^ssh:\/\//i.test(endpoint.url)) {
        const command = sshDialStdioCommand(endpoint.url);
        if (command) return { upstream: { command } };
      }
      return { unsupported: `the engine ${endpoint.url} is reached only through the docker CLI (${endpoint.reason})` };
    case 'none':
      return { unsupported: `no Docker engine found (tried ${endpoint.tried.join(', ')})` };
    case 'invalid':
      return { unsupported: `${endpoint.url} is not a usable Docker endpoint (${endpoint.reason})` };
  }
}

/**
 * Pure: the ssh command the docker CLI runs for `ssh://[USER@]HOST[:PORT][/SOCKET]`
 * (`ssh -o ConnectTimeout=30 -T -l USER -p PORT -- HOST docker system dial-stdio`), with
 * BatchMode on: it runs in a detached process, where nobody can answer a prompt. Undefined for
 * a URL the docker CLI refuses too (a password, a query, a fragment, no host).
 */
export function sshDialStdioCommand(url: string, sshPath = 'ssh'): { file: string; args: string[]; describe: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'ssh:' || !parsed.hostname || parsed.password || parsed.search || parsed.hash) return undefined;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  // A malformed escape (`%E0%A4%A`) is a URL the docker CLI refuses too; decodeURIComponent
  // would throw "URI malformed", and openSession with it.
  const socket = decodeOrUndefined(parsed.pathname);
  const user = decodeOrUndefined(parsed.username);
  if (socket === undefined || user === undefined) return undefined;
  const remote = ['docker', ...(socket && socket !== '/' ? ['--host', `unix://${socket}`] : []), 'system', 'dial-stdio'];
  const args = [
    '-o',
    'ConnectTimeout=30',
    '-o',
    'BatchMode=yes',
    '-T',
    ...(user ? ['-l', user] : []),
    ...(parsed.port ? ['-p', parsed.port] : []),
    '--',
    host,
    ...remote,
  ];
  return { file: sshPath, args, describe: url };
}

function decodeOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

let commandProcesses = 0;

/**
 * One engine connection as a process's stdin and stdout (what the docker CLI calls a command
 * connection). It looks like a socket to the relay: `connect` once the process started, the
 * engine's bytes as data, half-close as stdin's end. A process that fails before any answer
 * (ssh cannot connect, no docker on the remote host) ends the connection with an error that
 * carries the last line of its stderr, which the relay answers as 502. Destroying it kills the
 * process's group (ssh and whatever it started, such as a ProxyCommand).
 */
class CommandConnection extends Duplex {
  private child: ChildProcessWithoutNullStreams | undefined;
  private stderr = '';
  private received = 0;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private counted = false;

  constructor(private readonly command: Extract<Upstream, { command: unknown }>['command']) {
    super({ allowHalfOpen: true, writableHighWaterMark: BUFFER_BYTES, readableHighWaterMark: BUFFER_BYTES });
    const limit = command.maxProcesses ?? MAX_COMMAND_CONNECTIONS;
    if (commandProcesses >= limit) {
      process.nextTick(() => this.destroy(new Error(`${limit} engine connections through ${command.file} ${command.args.join(' ')} are open; no more are started`)));
      return;
    }
    commandProcesses++;
    this.counted = true;
    const child = nodeChildProcess().spawn(command.file, [...command.args], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: command.env ?? process.env });
    this.child = child;
    child.once('spawn', () => this.emit('connect'));
    child.once('error', (error) => {
      this.release();
      this.destroy(error);
    });
    child.stdout.on('data', (data: Buffer) => {
      this.received += data.length;
      if (!this.push(data)) child.stdout.pause();
    });
    child.stdout.once('end', () => {
      if (this.received > 0) return this.push(null);
      // No answer at all: the exit status says whether that is a failure.
      if (this.exited) return this.endWithoutAnswer();
      const timer = setTimeout(() => this.push(null), EXIT_WAIT_MS);
      timer.unref();
      child.once('exit', () => {
        clearTimeout(timer);
        this.endWithoutAnswer();
      });
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-STDERR_BYTES);
    });
    child.stdin.on('error', () => {
      // EPIPE after the process went: its exit or stdout's end tells the relay.
    });
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
      this.release();
    });
  }

  private endWithoutAnswer(): void {
    const exit = this.exited;
    if (exit && exit.code !== 0) {
      const last = this.stderr.trim().split('\n').pop()?.trim();
      const status = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code}`;
      this.destroy(new Error(`${this.command.describe}: ${this.command.file} ${this.command.args.join(' ')} failed (${status})${last ? `: ${last}` : ''}`));
    } else this.push(null);
  }

  private release(): void {
    if (!this.counted) return;
    this.counted = false;
    commandProcesses--;
  }

  override _read(): void {
    this.child?.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.child || this.child.stdin.destroyed) return callback();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child?.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const pid = child.pid;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
      timer.unref();
      child.once('exit', () => clearTimeout(timer));
    }
    child?.stdin.destroy();
    child?.stdout.destroy();
    child?.stderr.destroy();
    callback(error);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function connectCommand(command: Extract<Upstream, { command: unknown }>['command']): Socket {
  // The relay uses only what a Duplex has (data, end, error, close, write, end(), pause,
  // resume, destroy) and the `connect` event, which this one emits when its process started.
  return new CommandConnection(command) as unknown as Socket;
}

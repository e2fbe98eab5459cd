/**
 * A session socket for the socket tests: the built package's socket hosted in a child process
 * (a test's synchronous docker call would block a socket served from the test's own process),
 * relaying to the suite's private engine, in a fresh 0700 directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerEnv, privateHost } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';

const PROGRAM = join(REPO_ROOT, 'fixtures/programs/session-socket.mjs');

export interface TestSocket {
  readonly dir: string;
  readonly path: string;
  /** `unix://<path>` */
  readonly host: string;
  readonly sessionId: string;
  /** The environment of a client that uses the socket: the suite's env with DOCKER_HOST on the socket. */
  readonly env: NodeJS.ProcessEnv;
  /** PROBLEM lines the socket reported so far. */
  problems(): string[];
  /** The images the socket reported as made through it (MADE lines), in order. */
  made(): string[];
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

let counter = 0;

export async function startTestSocket(options: { upstream?: string; maxBodyBytes?: number } = {}): Promise<TestSocket> {
  if (!existsSync(join(REPO_ROOT, 'dist/socket/index.js'))) throw new Error('dist/ is not built: run npm run build first');
  const dir = mkdtempSync(join(tmpdir(), 'dj-socket-test-'));
  const path = join(dir, 'docker.sock');
  const sessionId = `socket-test-${process.pid}-${counter++}`;
  const upstream = options.upstream ?? privateHost().replace(/^unix:\/\//, '');
  const args = [PROGRAM, path, upstream, sessionId, ...(options.maxBodyBytes ? [String(options.maxBodyBytes)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const problems: string[] = [];
  const made: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of stderr.split('\n').slice(0, -1)) {
      if (line.startsWith('PROBLEM ')) problems.push(line.slice(8));
      if (line.startsWith('MADE ')) made.push(line.slice(5));
    }
    stderr = stderr.slice(stderr.lastIndexOf('\n') + 1);
  });
  const [first] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit')])) as [unknown];
  if (!Buffer.isBuffer(first) || !first.toString().startsWith('READY')) throw new Error(`the session socket did not start: ${stderr}`);
  const host = `unix://${path}`;
  return {
    dir,
    path,
    host,
    sessionId,
    env: { ...dockerEnv(), DOCKER_HOST: host },
    problems: () => [...problems],
    made: () => [...made],
    child,
    async stop() {
      if (child.exitCode === null) {
        child.stdin?.end();
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The raw HTTP answer to `request` sent on a fresh connection to `path`, read until the socket closes or `until` matches. */
export function rawExchange(path: string, request: Buffer | string, options: { until?: RegExp; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer);
    }, options.timeoutMs ?? 10_000);
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (options.until?.test(answer)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(request);
  });
}

/** `GET /_ping` through the socket answers OK. */
export async function pings(path: string): Promise<boolean> {
  const answer = await rawExchange(path, 'GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n', { until: /\r\n\r\nOK/ });
  return /^HTTP\/1\.1 200/.test(answer) && answer.endsWith('OK');
}

/** Labels of a container, network, volume or image, read straight from the private engine. */
export function labelsOf(kind: 'container' | 'network' | 'volume' | 'image', id: string, docker: (args: string[]) => string): Record<string, string> {
  const format = kind === 'container' || kind === 'image' ? '{{json .Config.Labels}}' : '{{json .Labels}}';
  const text = docker([kind, 'inspect', '--format', format, id]);
  return (JSON.parse(text) ?? {}) as Record<string, string>;
}

/**
 * The bench's own private Docker engine (scripts/test-engine.sh in a temp dir of its own) and
 * the three ways the driver talks to it: the docker CLI (sync and async, argument arrays), and
 * the Engine API over the unix socket for fast, untimed state preparation. Every call goes to
 * this engine only: DOCKER_HOST is set to its socket and DOCKER_CONTEXT removed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = join(REPO_ROOT, 'scripts/test-engine.sh');
const MARKER_TEXT = 'docker-janitor private test engine';
export const BASE_IMAGE = 'dj-bench-base:latest';

/**
 * @typedef {object} Engine
 * @property {string} dir
 * @property {string} socket
 * @property {string} host
 * @property {NodeJS.ProcessEnv} env  environment for every docker process of the bench
 * @property {(args: string[], options?: { allowFailure?: boolean }) => string} docker  sync CLI call, trimmed stdout
 * @property {(args: string[]) => Promise<string>} dockerAsync
 * @property {(method: string, path: string, body?: unknown) => Promise<any>} api
 * @property {() => void} stop  idempotent; removes every container first, then the engine and its dir
 */

/** Start a private engine in a new temp dir. Throws (after cleaning up) if it cannot. */
export function startEngine() {
  const dir = mkdtempSync(join(tmpdir(), 'dj-bench-'));
  try {
    execFileSync('bash', [SCRIPT, 'start', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString() ?? String(error);
    throw new Error(`could not start a private Docker engine:\n${stderr}\nInstall it with: apt-get install -y --no-install-recommends docker.io busybox-static (as root)`);
  }
  if (readFileSync(join(dir, 'MARKER'), 'utf8').trim() !== MARKER_TEXT) throw new Error(`${dir} has no private-engine marker`);
  return engineIn(dir);
}

/** @param {string} dir @returns {Engine} */
function engineIn(dir) {
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  /** @type {NodeJS.ProcessEnv} */
  const env = {
    ...process.env,
    DOCKER_HOST: host,
    DOCKER_CLI_HINTS: 'false',
    // docker-janitor's session records live in the bench's dir: its sweep never sees another run's sessions.
    DOCKER_JANITOR_STATE_DIR: join(dir, 'janitor-state'),
    NO_COLOR: '1',
  };
  delete env.DOCKER_CONTEXT;
  delete env.DOCKER_JANITOR_DOCKER_PATH;
  delete env.DOCKER_CONFIG;

  const guard = () => {
    if (env.DOCKER_HOST !== host || !existsSync(join(dir, 'MARKER'))) throw new Error(`refusing to run docker: ${host} is not the bench's engine`);
  };

  /** @type {Engine['docker']} */
  const docker = (args, options = {}) => {
    guard();
    try {
      return execFileSync('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString().trim();
    } catch (error) {
      if (options.allowFailure) return '';
      const stderr = /** @type {{ stderr?: Buffer }} */ (error).stderr?.toString() ?? String(error);
      throw new Error(`docker ${args.slice(0, 4).join(' ')}… failed: ${stderr.trim()}`);
    }
  };

  /** @type {Engine['dockerAsync']} */
  const dockerAsync = (args) => {
    guard();
    return new Promise((resolvePromise, reject) => {
      execFile('docker', args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`docker ${args.slice(0, 4).join(' ')}… failed: ${stderr.trim()}`));
        else resolvePromise(stdout.trim());
      });
    });
  };

  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  /** @type {Engine['api']} */
  const api = (method, path, body) => {
    guard();
    return new Promise((resolvePromise, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers = data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {};
      const request = http.request({ socketPath: socket, method, path, agent, headers }, (response) => {
        /** @type {Buffer[]} */
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if ((response.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path}: ${response.statusCode} ${text.trim()}`));
          else resolvePromise(text ? JSON.parse(text) : undefined);
        });
      });
      request.on('error', reject);
      if (data) request.write(data);
      request.end();
    });
  };

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    agent.destroy();
    try {
      // Containers first: a busybox `sleep` ignores SIGTERM, so a daemon shutdown would wait on each.
      const ids = docker(['ps', '-aq'], { allowFailure: true }).split('\n').filter(Boolean);
      if (ids.length > 0) docker(['rm', '-f', '-v', ...ids], { allowFailure: true });
    } catch {
      // the engine may already be gone
    }
    try {
      execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
    } finally {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  };

  return { dir, socket, host, env, docker, dockerAsync, api, stop };
}

/** Build the busybox base image FROM scratch, as test/support/engine.ts does. */
export function buildBaseImage(engine) {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path));
  if (!busybox) throw new Error('static busybox not found: apt-get install -y busybox-static');
  const context = join(engine.dir, 'base-context');
  mkdirSync(context, { recursive: true });
  copyFileSync(busybox, join(context, 'busybox'));
  writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n');
  engine.docker(['build', '-q', '-t', BASE_IMAGE, context]);
  rmSync(context, { recursive: true, force: true });
}

/** Engine and CLI versions, storage driver. */
export function engineVersions(engine) {
  const [server = '?', client = '?'] = engine.docker(['version', '--format', '{{.Server.Version}}|{{.Client.Version}}']).split('|');
  const driver = engine.docker(['info', '--format', '{{.Driver}}'], { allowFailure: true }) || '?';
  return { server, client, driver };
}

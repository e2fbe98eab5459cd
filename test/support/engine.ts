/**
 * A private Docker engine for the test suite: its own dockerd in a temp dir, started by the
 * suite itself (or by .ci/run through the same script). Destructive tests only ever talk to it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = join(REPO_ROOT, 'scripts/test-engine.sh');
export const MARKER_TEXT = 'docker-janitor private test engine';
/** The base image every test image is built FROM (static busybox on scratch). */
export const BASE_IMAGE = 'dj-test-base:latest';

export interface PrivateEngine {
  readonly dir: string;
  readonly host: string;
  readonly startedHere: boolean;
  stop(): void;
}

/** True when `dir` holds an engine started by scripts/test-engine.sh. */
export function isPrivateEngineDir(dir: string): boolean {
  const marker = join(dir, 'MARKER');
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === MARKER_TEXT;
}

export function startPrivateEngine(): PrivateEngine {
  const given = process.env.DOCKER_JANITOR_TEST_ENGINE_DIR;
  if (given) {
    if (!isPrivateEngineDir(given)) {
      throw new Error(
        `DOCKER_JANITOR_TEST_ENGINE_DIR=${given} is not an engine started by scripts/test-engine.sh; refusing to run destructive tests against it`,
      );
    }
    return { dir: given, host: `unix://${join(given, 'docker.sock')}`, startedHere: false, stop() {} };
  }
  return startEngine();
}

/**
 * A second private engine, for a test file that must harm it (SIGSTOP its dockerd) without
 * hurting the suite's shared one. Always started here, stopped (and thawed) by `stop()`. Its
 * networks come from an address range of its own (10.200-249.x), not from Docker's default pools.
 */
export function startOwnEngine(): PrivateEngine {
  return startEngine({ DJ_TEST_ENGINE_ADDRESS_POOL: `10.${200 + Math.floor(Math.random() * 50)}.0.0/16` });
}

function startEngine(env: NodeJS.ProcessEnv = {}): PrivateEngine {
  const dir = mkdtempSync(join(tmpdir(), 'dj-test-engine-'));
  try {
    execFileSync('bash', [SCRIPT, 'start', dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `docker-janitor's tests need a private Docker engine and could not start one:\n${stderr}\n` +
        'Install it with: apt-get install -y --no-install-recommends docker.io busybox-static (as root)',
    );
  }
  return {
    dir,
    host: `unix://${join(dir, 'docker.sock')}`,
    startedHere: true,
    stop() {
      // A test may have left it frozen (SIGSTOP): a stopped dockerd cannot act on SIGTERM.
      try {
        process.kill(Number(readFileSync(join(dir, 'docker.pid'), 'utf8')), 'SIGCONT');
      } catch {
        // not running
      }
      execFileSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Build the busybox base image (nothing can be pulled here). Idempotent. */
export function buildBaseImage(host: string): void {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host, DOCKER_CLI_HINTS: 'false' };
  delete env.DOCKER_CONTEXT;
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path));
  if (!busybox) throw new Error('static busybox not found: apt-get install -y busybox-static');
  const context = mkdtempSync(join(tmpdir(), 'dj-base-'));
  try {
    mkdirSync(context, { recursive: true });
    copyFileSync(busybox, join(context, 'busybox'));
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n',
    );
    execFileSync('docker', ['build', '-q', '-t', BASE_IMAGE, context], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/**
 * Running fixture projects end to end: real runners, real engine (the suite's private one).
 * Fixture projects under fixtures/ resolve `docker-janitor` through a symlink
 * fixtures/node_modules/docker-janitor -> the repo root (its built dist/), so they use the
 * package exactly through its `exports` map, like a user's project.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/engine.js';
import { containerState, dockerEnv, dockerSync, imageExists } from '../../support/docker.js';
import { removeStateDir } from '../../support/processes.js';

export const FIXTURES = join(REPO_ROOT, 'fixtures');
export const BIN = join(REPO_ROOT, 'node_modules/.bin');

/** Link the package into `<parent>/node_modules` (default: the fixtures'; idempotent). dist/ must be built. */
export function linkPackage(parent = FIXTURES): void {
  if (!existsSync(join(REPO_ROOT, 'dist/index.js'))) {
    throw new Error('dist/ is not built: run `npm run build` (npm test does it) before the e2e tests');
  }
  const modules = join(parent, 'node_modules');
  mkdirSync(modules, { recursive: true });
  const link = join(modules, 'docker-janitor');
  try {
    lstatSync(link);
  } catch {
    symlinkSync(REPO_ROOT, link, 'dir');
  }
}

/** A fresh state directory, so a test's sessions never mix with another run's. */
export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'dj-e2e-state-'));
}

export interface FixtureResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningFixture {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Output so far. */
  output(): { stdout: string; stderr: string };
  readonly exited: Promise<FixtureResult>;
  /** Send a signal to the whole process group (like Ctrl+C in a terminal, or a CI cancel). */
  killGroup(signal: NodeJS.Signals): void;
}

/**
 * Start `command` in `cwd` in its own process group, on the private engine, with `env` added.
 * CI=true and no TTY, like CI. DOCKER_JANITOR_STATE_DIR should be given per test.
 */
export function startFixture(cwd: string, command: readonly string[], env: NodeJS.ProcessEnv = {}): RunningFixture {
  const [file, ...args] = command;
  if (!file) throw new Error('empty command');
  const child = spawn(file, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...dockerEnv(), CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<FixtureResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  const pid = child.pid;
  return {
    child,
    pid,
    output: () => ({ stdout, stderr }),
    exited,
    killGroup(signal) {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    },
  };
}

/** SIGINT to the whole group twice, 300 ms apart (Ctrl+C pressed again); resolves once the run has ended. */
export async function sigintTwice(fixture: RunningFixture): Promise<FixtureResult> {
  fixture.killGroup('SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 300));
  fixture.killGroup('SIGINT');
  return fixture.exited;
}

export function runFixture(cwd: string, command: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<FixtureResult> {
  return startFixture(cwd, command, env).exited;
}

/**
 * How long a test waits for a cleanup that runs on after the runner ended (the detached signal
 * cleaner, the watchdog after a SIGKILL): about a second on a quiet machine; a busy CI machine
 * runs the same steps many times slower.
 */
export const CLEANUP_WAIT_MS = 30_000;

/** Poll until `predicate` is true; returns false when `timeoutMs` passed first. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The records a fixture's tests append, one JSON object a line (none yet: empty). */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** Removes a run's temp or state directory, the helpers a run left under it killed first. */
export function removeDir(dir: string): void {
  removeStateDir(dir);
}

/** The exit code as a shell reports it: 128 + signal number when the process was killed. */
export function exitCode(result: FixtureResult): number {
  if (result.code !== null) return result.code;
  return 128 + (result.signal ? constants.signals[result.signal] : 0);
}

/**
 * The exit code of a run that a signal to its whole process group ended. A Vitest 4 run that
 * ended with 1 only through Vitest's "Worker exited unexpectedly" counts as ended by the signal
 * (128 + n). Vitest 4 sets 128 + n when the signal comes and exits 1 ms later; its forks worker,
 * ended by the same signal, can be seen dead first, and Vitest's handling of that error then sets
 * 1. docker-janitor's handler runs before Vitest's, cleans, and leaves the exit to Vitest. Seen
 * once, in a loaded run of the e2e tests (load 5.6); not reproduced in 12 loaded runs of that
 * test, nor in 60 loaded runs of a bare Vitest project and 70 with a handler like ours. Any
 * other code is returned as it is.
 */
export function signalExitCode(result: FixtureResult, signal: NodeJS.Signals): number {
  const code = exitCode(result);
  const text = output(result);
  const vitestRace = code === 1 && /\[vitest-pool\]: Worker forks emitted error/.test(text) && /Worker exited unexpectedly/.test(text);
  return vitestRace ? 128 + constants.signals[signal] : code;
}

export function output(result: FixtureResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

export const SUMMARY_TITLE = 'Cleaning up Docker resources of test session';

export function summaryCount(text: string): number {
  return text.split(SUMMARY_TITLE).length - 1;
}

export type Kind = 'container' | 'network' | 'volume' | 'image';

/** Does the engine still have this object? */
export function exists(kind: Kind, id: string): boolean {
  switch (kind) {
    case 'container':
      return containerState(id) !== '';
    case 'network':
      return dockerSync(['network', 'inspect', '--format', '{{.Id}}', id], { allowFailure: true }) !== '';
    case 'volume':
      return dockerSync(['volume', 'inspect', '--format', '{{.Name}}', id], { allowFailure: true }) !== '';
    case 'image':
      return imageExists(id);
  }
}

/** Session directories left in a state dir (a cleaned session removes its own). */
export function sessionDirs(stateDir: string): string[] {
  const dir = join(stateDir, 'sessions');
  return existsSync(dir) ? readdirSync(dir) : [];
}

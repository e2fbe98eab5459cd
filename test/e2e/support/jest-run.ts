/**
 * Running the Jest fixtures end to end: the repo's jest binary in a fixture directory, on the
 * private engine, with its own state directory, cache directory and record file (the fixtures'
 * tests append one JSON line per Docker object they create). Assertions read the engine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { buildImage, containerState, imageExists, makeDangling, runContainer, BASE_IMAGE } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { exists as existsOn, FIXTURES, readJsonLines, removeDir, startFixture, tempStateDir, waitFor, type RunningFixture } from './fixtures.js';

/**
 * The Jest binaries, named by version: `jest` is Jest 30, `jest29` an npm alias of Jest 29.7.
 * (node_modules/.bin/jest may point at either: both packages ship that bin.)
 */
export const JEST = {
  30: [process.execPath, join(REPO_ROOT, 'node_modules/jest/bin/jest.js')],
  29: [process.execPath, join(REPO_ROOT, 'node_modules/jest29/bin/jest.js')],
} as const;
export type JestVersion = keyof typeof JEST;

export interface Created {
  readonly kind: 'container' | 'network' | 'volume' | 'image' | 'ready';
  readonly id: string;
  readonly how?: string;
  readonly dangling?: boolean;
  readonly tag?: string;
}

export interface JestRun {
  readonly fixture: RunningFixture;
  readonly stateDir: string;
  /** What the fixture's tests created so far. */
  created(): Created[];
  /** Resolves once `count` test files reported that they created everything. */
  ready(count: number, timeoutMs?: number): Promise<boolean>;
}

/** Start jest in `fixtures/<name>` with `env` added (knobs: DJ_FIXTURE_*). */
export function startJest(name: string, options: { env?: NodeJS.ProcessEnv; args?: string[]; jest?: JestVersion } = {}): JestRun {
  const work = mkdtempSync(join(tmpdir(), 'dj-e2e-jest-'));
  const record = join(work, 'created.jsonl');
  const stateDir = tempStateDir();
  const fixture = startFixture(join(FIXTURES, name), [...JEST[options.jest ?? 30], ...(options.args ?? [])], {
    DOCKER_JANITOR_STATE_DIR: stateDir,
    DJ_FIXTURE_RECORD: record,
    // A fresh cache: no timings, so Jest uses workers for the two test files.
    DJ_FIXTURE_CACHE_DIR: join(work, 'cache'),
    TESTCONTAINERS_RYUK_DISABLED: 'true',
    // This machine may itself be a container: testcontainers would then look for the `bridge`
    // network, which an engine started with --bridge=none does not have.
    TESTCONTAINERS_HOST_OVERRIDE: 'localhost',
    ...options.env,
  });
  // A test that fails or times out must not leave jest running (it runs in its own group).
  let exited = false;
  void fixture.exited.then(() => (exited = true));
  onTestFinished(() => {
    if (!exited) fixture.killGroup('SIGKILL');
    removeDir(work);
    removeDir(stateDir);
  });
  const created = (): Created[] => readJsonLines<Created>(record);
  return {
    fixture,
    stateDir,
    created,
    ready: (count, timeoutMs = 150_000) => waitFor(() => created().filter((c) => c.kind === 'ready').length >= count, timeoutMs),
  };
}

export async function runJest(name: string, options: { env?: NodeJS.ProcessEnv; args?: string[]; jest?: JestVersion } = {}) {
  const run = startJest(name, options);
  const result = await run.fixture.exited;
  return { ...run, result, created: run.created() };
}

/** Does the engine still have this object? */
export function exists(item: Pick<Created, 'kind' | 'id'>): boolean {
  return item.kind !== 'ready' && existsOn(item.kind, item.id);
}

/** The session's containers, networks and volumes (not images, not `ready` markers). */
export function sessionObjects(created: readonly Created[]): Created[] {
  return created.filter((c) => c.kind === 'container' || c.kind === 'network' || c.kind === 'volume');
}

export function leftOver(created: readonly Created[]): Created[] {
  return sessionObjects(created).filter(exists);
}

/** Everything the run made is gone, but the tagged image (tagged images are never removed). */
export function expectRunCleaned(created: readonly Created[]): void {
  expect(sessionObjects(created).length).toBeGreaterThan(0);
  expect(leftOver(created)).toEqual([]);
  for (const image of created.filter((c) => c.kind === 'image')) {
    expect({ ...image, exists: exists(image) }).toEqual({ ...image, exists: !image.dangling });
  }
}

export interface Bystanders {
  readonly container: string;
  readonly imageUser: string;
  readonly danglingInUse: string;
}

/** A running container and an in-use dangling image that exist before the run. */
export function makeBystanders(): Bystanders {
  const container = runContainer(BASE_IMAGE);
  const tag = `dj-e2e-bystander:${Date.now()}`;
  const danglingInUse = buildImage({ tag });
  const imageUser = runContainer(danglingInUse);
  makeDangling(tag);
  return { container, imageUser, danglingInUse };
}

export function expectBystandersUntouched(bystanders: Bystanders): void {
  expect(containerState(bystanders.container)).toBe('running');
  expect(containerState(bystanders.imageUser)).toBe('running');
  expect(imageExists(bystanders.danglingInUse)).toBe(true);
}

/**
 * Running the Vitest fixtures end to end: a real Vitest (the repo's v4 binary, or Vitest 3.2
 * from the `vitest3` alias) in a fixture directory, on the private engine, with its own state
 * directory and record file (the fixtures' tests append one JSON line of what they created).
 * Assertions read the engine.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import { REPO_ROOT } from '../../support/engine.js';
import { buildImage, containerState, dockerSync, imageExists, runContainer, BASE_IMAGE } from '../../support/docker.js';
import { BIN, exists, FIXTURES, readJsonLines, removeDir, startFixture, tempStateDir, waitFor, type Kind, type RunningFixture } from './fixtures.js';

export const VITEST_VERSIONS = {
  4: [join(BIN, 'vitest'), 'run'],
  3: [process.execPath, join(REPO_ROOT, 'node_modules/vitest3/vitest.mjs'), 'run'],
} as const;

export type VitestVersion = keyof typeof VITEST_VERSIONS;

/** One line of the record the fixtures write (fixtures/vitest-shared/objects.ts). */
export interface Created {
  readonly fixture: string;
  readonly session: string | undefined;
  readonly containers: string[];
  readonly networks: string[];
  readonly volumes: string[];
  readonly blockers: string[];
  readonly danglingImage?: string;
  readonly taggedImage?: string;
  readonly tag?: string;
}

export interface VitestRun {
  readonly fixture: RunningFixture;
  readonly stateDir: string;
  readonly readyFile: string;
  /** What the fixture's tests created so far. */
  created(): Created[];
}

export interface RunOptions {
  readonly version?: VitestVersion;
  readonly env?: NodeJS.ProcessEnv;
  readonly args?: readonly string[];
}

/**
 * The outer Vitest's own variables (VITEST, VITEST_WORKER_ID, VITEST_POOL_ID…) must not leak
 * into the Vitest under test: unset them (spawn drops undefined values).
 */
function withoutOuterVitest(): NodeJS.ProcessEnv {
  const unset: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) if (key.startsWith('VITEST') || key.startsWith('DOCKER_JANITOR_SESSION')) unset[key] = undefined;
  return unset;
}

/** Start Vitest in `fixtures/<name>` with `env` added (knobs: DJ_FIXTURE_*). */
const tempDirs: string[] = [];

/** Remove the runs' temp directories (records, state directories). */
export function removeRunDirs(): void {
  for (const dir of tempDirs.splice(0)) removeDir(dir);
}

export function startVitest(name: string, options: RunOptions = {}): VitestRun {
  const work = mkdtempSync(join(tmpdir(), 'dj-e2e-vitest-'));
  const record = join(work, 'created.jsonl');
  const readyFile = join(work, 'ready');
  const stateDir = tempStateDir();
  tempDirs.push(work, stateDir);
  const command = [...VITEST_VERSIONS[options.version ?? 4], ...(options.args ?? [])];
  const fixture = startFixture(join(FIXTURES, name), command, {
    ...withoutOuterVitest(),
    DOCKER_JANITOR_STATE_DIR: stateDir,
    DJ_FIXTURE_OUT: record,
    DJ_FIXTURE_READY: readyFile,
    // The engine itself, for what a fixture creates as "another terminal" would (not through the
    // session socket, which labels everything with the session).
    DJ_FIXTURE_ENGINE_HOST: process.env.DOCKER_HOST,
    ...options.env,
  });
  // A test that fails or times out must not leave Vitest running (it runs in its own group): a
  // hanging fixture's workers would go on holding the session socket and its objects.
  let exited = false;
  void fixture.exited.then(() => (exited = true));
  onTestFinished(() => {
    if (!exited) fixture.killGroup('SIGKILL');
  });
  const created = (): Created[] => readJsonLines<Created>(record);
  return { fixture, stateDir, readyFile, created };
}

export async function runVitest(name: string, options: RunOptions = {}) {
  const run = startVitest(name, options);
  const result = await run.fixture.exited;
  return { ...run, result, created: run.created() };
}

/** Resolves true once the (hanging) fixture test created everything. */
export function ready(run: VitestRun, timeoutMs = 150_000): Promise<boolean> {
  return waitFor(() => existsSync(run.readyFile), timeoutMs);
}

/** The session's containers, networks and volumes, as `kind:id`. */
export function sessionObjects(created: readonly Created[]): string[] {
  return created.flatMap((c) => [
    ...c.containers.map((id) => `container:${id}`),
    ...c.networks.map((id) => `network:${id}`),
    ...c.volumes.map((id) => `volume:${id}`),
  ]);
}

/** The session's objects still on the engine. */
export function leftOver(created: readonly Created[]): string[] {
  return sessionObjects(created).filter((item) => {
    const [kind, id] = item.split(/:(.*)/s) as [Kind, string];
    return exists(kind, id);
  });
}

/** Everything the run made is gone, but the tagged image (never removed: it has a tag). */
export function expectRunCleaned(created: readonly Created[]): void {
  expect(sessionObjects(created).length).toBeGreaterThan(0);
  expect(leftOver(created)).toEqual([]);
  for (const c of created) {
    if (c.danglingImage) expect({ dangling: c.danglingImage, exists: exists('image', c.danglingImage) }).toEqual({ dangling: c.danglingImage, exists: false });
    if (c.taggedImage) expect(exists('image', c.taggedImage)).toBe(true);
  }
}

/** Remove what a test deliberately left (tagged images, blockers, kept containers). */
export function removeLeftovers(created: readonly Created[]): void {
  const containers = created.flatMap((c) => [...c.containers, ...c.blockers]).filter((id) => exists('container', id));
  if (containers.length > 0) dockerSync(['rm', '-f', '-v', ...containers]);
  const networks = created.flatMap((c) => c.networks).filter((id) => exists('network', id));
  // The session's watchdog may finish removing them meanwhile (a kept-incomplete session): gone is fine.
  if (networks.length > 0) dockerSync(['network', 'rm', ...networks], { allowFailure: true });
  const volumes = created.flatMap((c) => c.volumes).filter((id) => exists('volume', id));
  if (volumes.length > 0) dockerSync(['volume', 'rm', ...volumes], { allowFailure: true });
  for (const c of created) if (c.tag) dockerSync(['rmi', c.tag], { allowFailure: true });
}

export interface Bystanders {
  readonly container: string;
  readonly imageUser: string;
  readonly danglingInUse: string;
  readonly network: string;
  readonly volume: string;
}

/** Objects that exist before the run and are not the session's. */
export function makeBystanders(): Bystanders {
  const suffix = `${process.pid}-${Date.now()}`;
  const container = runContainer(BASE_IMAGE, ['--name', `dj-e2e-bystander-${suffix}`]);
  const tag = `dj-e2e-bystander:${suffix}`;
  const danglingInUse = buildImage({ tag });
  const imageUser = runContainer(danglingInUse);
  // Dangling the way a rebuild makes it: the tag moves away (onto the base image), then goes.
  dockerSync(['tag', BASE_IMAGE, tag]);
  dockerSync(['rmi', tag]);
  const network = dockerSync(['network', 'create', `dj-e2e-bystander-${suffix}`]);
  const volume = dockerSync(['volume', 'create', `dj-e2e-bystander-${suffix}`]);
  return { container, imageUser, danglingInUse, network, volume };
}

export function expectBystandersUntouched(bystanders: Bystanders): void {
  expect(containerState(bystanders.container)).toBe('running');
  expect(containerState(bystanders.imageUser)).toBe('running');
  expect(imageExists(bystanders.danglingInUse)).toBe(true);
  expect(exists('network', bystanders.network)).toBe(true);
  expect(exists('volume', bystanders.volume)).toBe(true);
}

/**
 * A job with only the engine's socket and no docker CLI (a `node` image with
 * /var/run/docker.sock mounted): Vitest runs with a PATH that holds `node` and nothing else.
 * The plugin's defaults take the Engine API; the test creates objects over plain HTTP through
 * the session socket, with no label and no docker-janitor API; teardown removes them all.
 */
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BASE_IMAGE } from '../support/docker.js';
import { exists, exitCode, linkPackage, output } from './support/fixtures.js';
import { removeRunDirs, runVitest } from './support/vitest-run.js';

let bin: string;

beforeAll(() => {
  linkPackage();
  bin = mkdtempSync(join(tmpdir(), 'dj-e2e-path-'));
  symlinkSync(process.execPath, join(bin, 'node'));
});

afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  removeRunDirs();
});

it('no docker binary on PATH, only the socket: the run cleans what its test created over the API', async () => {
  const run = await runVitest('vitest-api-only', {
    env: { PATH: bin, DOCKER_JANITOR_DOCKER_PATH: undefined, DJ_FIXTURE_IMAGE: BASE_IMAGE },
  });
  const text = output(run.result);
  expect(exitCode(run.result), text).toBe(0);
  const created = run.created as unknown as Array<{ containers: string[]; networks: string[]; volumes: string[] }>;
  expect(created).toHaveLength(1);
  const [made] = created;
  expect(made?.containers).toHaveLength(1);
  expect(text).toMatch(/Removed 1 container/);
  expect(text).toMatch(/Removed 1 network/);
  expect(text).toMatch(/Removed 1 volume/);
  expect(text).not.toMatch(/not installed|was not found|⚠/);
  // Read back from the engine (the outer suite has the CLI): all gone.
  for (const id of made?.containers ?? []) expect(exists('container', id)).toBe(false);
  for (const id of made?.networks ?? []) expect(exists('network', id)).toBe(false);
  for (const id of made?.volumes ?? []) expect(exists('volume', id)).toBe(false);
});

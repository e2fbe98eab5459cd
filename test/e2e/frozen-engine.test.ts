/**
 * Ctrl+C twice while the engine is frozen (SIGSTOP dockerd), with real runners (the Vitest and
 * Jest fixtures, default docker timeout of 60 s): the run ends at the second SIGINT with 130,
 * saying once that the cleanup goes on in the background; once the engine is thawed, the
 * detached signal cleaner removes the containers (no watchdog in these runs).
 *
 * The engine is this file's own (a second private dockerd), so freezing it harms no other test.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildBaseImage, startOwnEngine, type PrivateEngine } from '../support/engine.js';
import { exitCode, linkPackage, output, sigintTwice, signalExitCode, waitFor, type RunningFixture } from './support/fixtures.js';
import { startJest } from './support/jest-run.js';
import { ready, removeRunDirs, startVitest } from './support/vitest-run.js';

let own: PrivateEngine;
let dockerd: number;

beforeAll(() => {
  linkPackage();
  own = startOwnEngine();
  buildBaseImage(own.host);
  dockerd = Number(readFileSync(join(own.dir, 'docker.pid'), 'utf8'));
});

afterAll(() => {
  // The Vitest run's record and state directories (its helpers, still waiting on the engine, killed first).
  removeRunDirs();
  own?.stop(); // thaws it first
});

/** The containers of `ids` still on this file's engine. */
function left(ids: readonly string[]): string[] {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: own.host, DOCKER_CLI_HINTS: 'false' };
  delete env.DOCKER_CONTEXT;
  const all = execFileSync('docker', ['ps', '-aq', '--no-trunc'], { env }).toString().split('\n');
  return ids.filter((id) => all.includes(id));
}

const BACKGROUND = /docker-janitor: cleanup continues in the background \(pid \d+\); exiting/;

/** Freeze the engine, SIGINT the run's group twice 300 ms apart, thaw once it has ended. */
async function doubleCtrlCFrozen(fixture: RunningFixture) {
  process.kill(dockerd, 'SIGSTOP');
  try {
    return await sigintTwice(fixture);
  } finally {
    process.kill(dockerd, 'SIGCONT');
  }
}

it('Vitest 4: exit 130 at the second SIGINT, one line; the containers go once the engine is thawed', async () => {
  const run = startVitest('vitest-plugin', {
    env: { DOCKER_HOST: own.host, DJ_FIXTURE_ENGINE_HOST: own.host, DJ_FIXTURE_HANG: '1', DJ_FIXTURE_WATCHDOG: '0' },
  });
  expect(await ready(run), JSON.stringify(run.fixture.output())).toBe(true);
  const containers = run.created().flatMap((created) => created.containers);
  expect(left(containers)).toHaveLength(3);

  const result = await doubleCtrlCFrozen(run.fixture);

  expect(signalExitCode(result, 'SIGINT'), output(result)).toBe(130);
  expect(result.stderr.match(new RegExp(BACKGROUND, 'g')), output(result)).toHaveLength(1);
  expect(await waitFor(() => left(containers).length === 0, 90_000, 250)).toBe(true);
});

it('Jest 30: exit 130 at the second SIGINT, one line; the containers go once the engine is thawed', async () => {
  const run = startJest('jest-cjs', {
    env: { DOCKER_HOST: own.host, DJ_FIXTURE_HANG: '1', DJ_FIXTURE_JANITOR_OPTIONS: '{"watchdog":false}' },
  });
  expect(await run.ready(2), JSON.stringify(run.fixture.output())).toBe(true);
  const containers = run.created().flatMap((created) => (created.kind === 'container' ? [created.id] : []));
  expect(left(containers).length).toBeGreaterThan(0);

  const result = await doubleCtrlCFrozen(run.fixture);

  expect(exitCode(result), output(result)).toBe(130);
  expect(result.stderr.match(new RegExp(BACKGROUND, 'g')), output(result)).toHaveLength(1);
  expect(await waitFor(() => left(containers).length === 0, 90_000, 250)).toBe(true);
});

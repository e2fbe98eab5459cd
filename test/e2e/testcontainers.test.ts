/**
 * The real `testcontainers` package under Jest, Ryuk disabled, on the locally built base image:
 * a container labelled with sessionLabels(), one adopted through `org.testcontainers=true`, a
 * tracked network. docker-janitor removes them at teardown, and after SIGINT.
 */
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { resetEngine } from '../support/docker.js';
import { exitCode, linkPackage, output, summaryCount } from './support/fixtures.js';
import {
  expectBystandersUntouched,
  expectRunCleaned,
  leftOver,
  makeBystanders,
  runJest,
  startJest,
  type Bystanders,
} from './support/jest-run.js';

let bystanders: Bystanders;

beforeAll(() => linkPackage());

beforeEach(() => {
  resetEngine();
  bystanders = makeBystanders();
});

it('removes the containers testcontainers started, labelled and adopted, and the network', async () => {
  const run = await runJest('testcontainers');

  expect(exitCode(run.result), output(run.result)).toBe(0);
  const hows = run.created.map((c) => c.how);
  expect(hows).toEqual(
    expect.arrayContaining(['testcontainers, labelled', 'testcontainers, adopted', 'testcontainers, tracked']),
  );
  expectRunCleaned(run.created);
  expectBystandersUntouched(bystanders);
  expect(summaryCount(run.result.stdout)).toBe(1);
  expect(run.result.stdout).toMatch(/Removed 2 containers/);
});

it('SIGINT to the process group: exit 130 and the testcontainers containers are gone', async () => {
  const run = startJest('testcontainers', { env: { DJ_FIXTURE_HANG: '1' } });
  expect(await run.ready(1), JSON.stringify(run.fixture.output())).toBe(true);
  const created = run.created();

  run.fixture.killGroup('SIGINT');
  const result = await run.fixture.exited;

  expect(exitCode(result)).toBe(130);
  expect(leftOver(created)).toEqual([]);
  expectBystandersUntouched(bystanders);
});

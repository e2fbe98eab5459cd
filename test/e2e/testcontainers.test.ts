/**
 * The real `testcontainers` package under Jest, on the locally built base image: a container
 * labelled with sessionLabels(), one adopted through `org.testcontainers=true`, a tracked
 * network (Ryuk disabled by the test). docker-janitor removes them at teardown, and after SIGINT.
 * And with no docker-janitor API at all, no adoption and Ryuk left to the plugin: the session
 * socket alone makes testcontainers' objects the run's.
 */
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { dockerSync, resetEngine } from '../support/docker.js';
import { exitCode, linkPackage, output, SUMMARY_TITLE, summaryCount } from './support/fixtures.js';
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

it('zero code: testcontainers alone (no docker-janitor API, no adoption, TESTCONTAINERS_RYUK_DISABLED not set): the plugin turns Ryuk off, the socket labels the container and network, teardown removes them', async () => {
  const run = await runJest('testcontainers', {
    args: ['zero-code'],
    env: { DJ_FIXTURE_ZERO_CODE: '1', TESTCONTAINERS_RYUK_DISABLED: undefined, DJ_FIXTURE_JANITOR_OPTIONS: JSON.stringify({ adopt: { labels: [] } }) },
  });

  expect(exitCode(run.result), output(run.result)).toBe(0);
  const lines = run.created as unknown as Array<{ kind: string; id: string; how?: string; labels?: Record<string, string> }>;
  // The plugin gave the tests TESTCONTAINERS_RYUK_DISABLED=true (the run's environment had none).
  expect(lines.find((line) => line.kind === 'env')?.id).toBe('true');
  const container = lines.find((line) => line.kind === 'container');
  const session = container?.labels?.['docker-janitor.session'];
  expect(session).toMatch(/^[0-9a-z]+-[0-9a-f]{8}$/);
  expect(container?.labels).toMatchObject({ 'org.testcontainers': 'true' });
  expect(run.result.stdout).toContain(`${SUMMARY_TITLE} ${session}`);
  expect(lines.filter((line) => line.kind === 'network')).toHaveLength(1);
  expectRunCleaned(run.created);
  expectBystandersUntouched(bystanders);
  expect(run.result.stdout).toMatch(/Removed 1 container\b/);
  expect(run.result.stdout).toMatch(/Removed 1 network\b/);
  // No reaper was started.
  expect(dockerSync(['ps', '-aq', '--filter', 'label=org.testcontainers.ryuk=true'])).toBe('');
});

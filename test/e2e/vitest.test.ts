/**
 * The Vitest adapter end to end: the fixtures under fixtures/vitest-* run with the repo's Vitest
 * (4) and with Vitest 3.2 (the `vitest3` alias) against the suite's private engine. Every
 * assertion reads the engine afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { containerState, resetEngine } from '../support/docker.js';
import { CLEANUP_WAIT_MS, exitCode, FIXTURES, linkPackage, output, sessionDirs, sigintTwice, signalExitCode, SUMMARY_TITLE, summaryCount, waitFor } from './support/fixtures.js';
import { interruptTwiceWhileWatchdogStopped, runWithStraggler, signalWithStreamOpen } from './support/socket-teardown.js';
import {
  expectBystandersUntouched,
  expectRunCleaned,
  leftOver,
  makeBystanders,
  ready,
  removeLeftovers,
  removeRunDirs,
  runVitest,
  sessionObjects,
  startVitest,
  type Bystanders,
  type VitestVersion,
} from './support/vitest-run.js';

const VERSIONS: VitestVersion[] = [4, 3];

let bystanders: Bystanders;

beforeAll(() => linkPackage());
afterAll(() => removeRunDirs());

beforeEach(() => {
  resetEngine();
  bystanders = makeBystanders();
});

describe('the session socket: a test with plain docker commands only', () => {
  it.each(['forks', 'threads'])('pool %s: the container, network and volume made without label, track() or adoption are removed', async (pool) => {
    const run = await runVitest('vitest-plugin', { env: { DJ_FIXTURE_PLAIN: '1' }, args: ['--pool', pool] });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(output(run.result)).not.toMatch(/No session socket/);
    expect(run.created[0]?.containers).toHaveLength(4); // labelled, tracked, adopted, plain
    expect(run.created[0]?.networks).toHaveLength(2);
    expect(run.created[0]?.volumes).toHaveLength(2);
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(run.result.stdout).toMatch(/Removed 4 containers/);
    expect(run.result.stdout).toMatch(/Removed 2 networks/);
    expect(run.result.stdout).toMatch(/Removed 2 volumes/);
    removeLeftovers(run.created);
  });
});

describe('the session socket at teardown', () => {
  it('a straggler that outlives its test, with a kept-alive connection, creates nothing while teardown runs (Vitest 4)', async () => {
    // stopTimeout 2 (the containers ignore SIGTERM): teardown goes on ~2 s after it listed.
    const run = await runWithStraggler((env) => runVitest('vitest-plugin', { env: { ...env, DJ_FIXTURE_STOP_TIMEOUT: '2' } }));
    expectRunCleaned(run.created);
    expect(output(run.result)).not.toMatch(/watchdog|no answer|did not confirm/);
    expectBystandersUntouched(bystanders);
    removeLeftovers(run.created);
  });

  it('two SIGINTs to the group while teardown waits for a stopped watchdog to close the socket: cleaned, exit 130', async () => {
    const run = await interruptTwiceWhileWatchdogStopped((env) => {
      const started = startVitest('vitest-plugin', { env });
      return { ...started, ready: () => ready(started), leftOver: () => leftOver(started.created()) };
    });
    expectBystandersUntouched(bystanders);
    removeLeftovers(run.created());
    expect(sessionDirs(run.stateDir)).toEqual([]);
  });
});

describe('the runner dies with the session socket in use', () => {
  it.each([
    [4, 'SIGINT'],
    [4, 'SIGTERM'],
    [4, 'SIGKILL'],
    [3, 'SIGINT'],
    [3, 'SIGKILL'],
  ] as const)(
    'Vitest %i, %s to the group while a docker events stream is open through the socket: the plain objects go, the stream is ended',
    async (version, signal) => {
      const run = startVitest('vitest-plugin', { version, env: { DJ_FIXTURE_PLAIN: '1', DJ_FIXTURE_HANG: '1' } });
      await signalWithStreamOpen(signal, {
        fixture: run.fixture,
        stateDir: run.stateDir,
        ready: () => ready(run),
        leftOver: () => leftOver(run.created()),
        // With DJ_FIXTURE_PLAIN the plain container is the last one the fixture made.
        plainContainers: () => run.created().flatMap((c) => c.containers.slice(-1)),
      });
      expectBystandersUntouched(bystanders);
      removeLeftovers(run.created());
    },
  );
});

describe('a normal run', () => {
  it.each(VERSIONS)('plugin with options, Vitest %i: removes what the tests made, leaves the rest, one summary, exit 0', async (version) => {
    const run = await runVitest('vitest-plugin', { version });
    const { stdout, stderr } = run.result;

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.created).toHaveLength(1);
    expect(run.created[0]?.containers).toHaveLength(3); // labelled, tracked, adopted
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(summaryCount(stdout)).toBe(1);
    expect(summaryCount(stderr)).toBe(0);
    expect(stdout.indexOf(SUMMARY_TITLE)).toBeGreaterThan(stdout.indexOf('Test Files'));
    expect(stdout).toContain(`${SUMMARY_TITLE} ${run.created[0]?.session}`);
    expect(stdout).toMatch(/Removed 3 containers/);
    expect(stdout).toMatch(/Removed 1 network/);
    expect(stdout).toMatch(/Removed 1 volume/);
    expect(stdout).toMatch(/Removed 3 <none> images/); // the first build and two untagged parents: its RUN step and the first of its two label steps (the socket's build labels; the legacy builder makes an image per label)
    expect(stdout).toMatch(/Skipped 1 in-use image \(safe\)/);
    expect(stdout).not.toMatch(/\u001b\[/); // no colour without a TTY
    expect(sessionDirs(run.stateDir)).toEqual([]);
    removeLeftovers(run.created);
  });

  it.each(VERSIONS)('plain globalSetup with two projects, Vitest %i: one session, one summary', async (version) => {
    const run = await runVitest('vitest-projects', { version });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.created.map((c) => c.fixture).sort()).toEqual(['projects-p1', 'projects-p2']);
    const sessions = new Set(run.created.map((c) => c.session));
    expect(sessions.size).toBe(1);
    expect([...sessions][0]).toBeTruthy();
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(summaryCount(output(run.result))).toBe(1);
    expect(run.result.stdout).toMatch(/Removed 4 containers/);
    expect(sessionDirs(run.stateDir)).toEqual([]);
    removeLeftovers(run.created);
  });

  it.each(VERSIONS)('a failing test, Vitest %i: exit code 1 as without docker-janitor, and still cleaned', async (version) => {
    const run = await runVitest('vitest-plugin', { version, env: { DJ_FIXTURE_FAIL: '1' } });

    expect(exitCode(run.result), output(run.result)).toBe(1);
    expect(output(run.result)).toContain('this test fails on purpose');
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(summaryCount(output(run.result))).toBe(1);
    removeLeftovers(run.created);
  });

  it("GitHub Actions: Vitest's own job summary, then ours appended; the report file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dj-e2e-summary-'));
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '## an earlier step\n');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, DJ_FIXTURE_REPORTER: 'github-actions', DJ_FIXTURE_REPORT_FILE: join(dir, 'report.json') };
    const run = await runVitest('vitest-plugin', { env });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expectRunCleaned(run.created);
    const text = readFileSync(summary, 'utf8');
    const ours = text.indexOf(`### 🧹 docker-janitor: test session \`${run.created[0]?.session}\``);
    expect(text.startsWith('## an earlier step\n')).toBe(true);
    const vitests = text.indexOf('## Vitest Test Report'); // Vitest 4.1's github-actions reporter
    expect(vitests).toBeGreaterThan(0);
    expect(ours).toBeGreaterThan(vitests); // its reporter ends before global teardown
    expect(text.slice(ours)).toContain('| containers | 3 | 0 | – | 0 |');
    expect(text.slice(ours)).toContain('| dangling images | 3 | – | 1 | 0 |');
    expect(text.slice(ours)).toContain('✅ Cleanup complete.');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { version: number; kind: string; sessionId: string; containers: { removed: unknown[] } };
    expect(report).toMatchObject({ version: 1, kind: 'teardown', sessionId: run.created[0]?.session });
    expect(report.containers.removed).toHaveLength(3);
    removeLeftovers(run.created);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a JSON reporter owns stdout: the summary goes to stderr', async () => {
    const run = await runVitest('vitest-plugin', { env: { DJ_FIXTURE_REPORTER: 'json' } });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(JSON.parse(run.result.stdout)).toMatchObject({ success: true, numPassedTests: 1 });
    expect(summaryCount(run.result.stderr)).toBe(1);
    expectRunCleaned(run.created);
    removeLeftovers(run.created);
  });

  it('watch mode: the previous run is cleaned before a rerun, the rest on SIGTERM', async () => {
    const run = startVitest('vitest-plugin', { args: ['--watch'] });
    const waiting = () => run.fixture.output().stdout.split('Waiting for file changes').length - 1;
    expect(await waitFor(() => waiting() >= 1, 150_000), output({ ...run.fixture.output(), code: null, signal: null })).toBe(true);
    const first = run.created();
    expect(leftOver(first)).toHaveLength(sessionObjects(first).length);

    const testFile = join(FIXTURES, 'vitest-plugin/test/containers.test.ts');
    writeFileSync(testFile, readFileSync(testFile, 'utf8')); // same content: a change event, a rerun
    expect(await waitFor(() => waiting() >= 2, 150_000)).toBe(true);
    const all = run.created();
    expect(all).toHaveLength(2);
    expect(leftOver(all.slice(0, 1))).toEqual([]); // cleaned before the rerun
    expect(leftOver(all.slice(1)).length).toBeGreaterThan(0);

    run.fixture.killGroup('SIGTERM');
    const result = await run.fixture.exited;
    expect(signalExitCode(result, 'SIGTERM'), output(result)).toBe(143);
    expect(leftOver(all)).toEqual([]);
    expectBystandersUntouched(bystanders);
    removeLeftovers(all);
  });
});

describe('when teardown never runs', () => {
  it.each([
    [4, 'SIGINT', 130],
    [4, 'SIGTERM', 143],
    [3, 'SIGINT', 130],
    [3, 'SIGTERM', 143],
  ] as const)('Vitest %i, %s to the whole process group: the handler cleans the session, exit code %i', async (version, signal, code) => {
    // No watchdog: what is cleaned, the signal handler cleaned before the process ended.
    const run = startVitest('vitest-plugin', { version, env: { DJ_FIXTURE_HANG: '1', DJ_FIXTURE_WATCHDOG: '0' } });
    expect(await ready(run), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();
    expect(leftOver(created)).toHaveLength(5);

    run.fixture.killGroup(signal);
    const result = await run.fixture.exited;

    expect(signalExitCode(result, signal), output(result)).toBe(code);
    expect(leftOver(created)).toEqual([]);
    expectBystandersUntouched(bystanders);
    expect(sessionDirs(run.stateDir)).toEqual([]);
    removeLeftovers(created);
  });

  it.each(VERSIONS)('Vitest %i, two SIGINTs to the whole process group 300 ms apart: exit 130, and the session is cleaned (by the signal cleaner)', async (version) => {
    // No watchdog: what goes, the signal cleaner removed. The second SIGINT may end the run
    // before the cleanup is over (it goes on, detached): poll the engine, not the clock.
    const run = startVitest('vitest-plugin', { version, env: { DJ_FIXTURE_HANG: '1', DJ_FIXTURE_WATCHDOG: '0' } });
    expect(await ready(run), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();
    expect(leftOver(created)).toHaveLength(5);

    const result = await sigintTwice(run.fixture);

    expect(signalExitCode(result, 'SIGINT'), output(result)).toBe(130);
    expect(await waitFor(() => leftOver(created).length === 0, CLEANUP_WAIT_MS, 250)).toBe(true);
    expectBystandersUntouched(bystanders);
    removeLeftovers(created);
  });

  it.each(VERSIONS)('Vitest %i, SIGKILL of the whole process group: the watchdog cleans within 30 s', async (version) => {
    const run = startVitest('vitest-plugin', { version, env: { DJ_FIXTURE_HANG: '1' } });
    expect(await ready(run), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();
    expect(leftOver(created)).toHaveLength(5);

    run.fixture.killGroup('SIGKILL');
    const result = await run.fixture.exited;
    expect(result.signal).toBe('SIGKILL');

    const cleaned = await waitFor(() => leftOver(created).length === 0, CLEANUP_WAIT_MS, 250);
    expect(leftOver(created)).toEqual([]);
    expect(cleaned).toBe(true);
    expectBystandersUntouched(bystanders);
    // The watchdog sweeps again for a few seconds (orphaned workers), then removes the record.
    // Wait for it: while it runs it would adopt the next test's container (same adoption label).
    expect(await waitFor(() => sessionDirs(run.stateDir).length === 0, 2 * CLEANUP_WAIT_MS, 250)).toBe(true);
    removeLeftovers(created);
  });
});

describe('options', () => {
  it('a cleanup failure does not change the exit code by default', async () => {
    // A container that is not the session's sits on the session's network: removing it fails.
    const run = await runVitest('vitest-plugin', { env: { DJ_FIXTURE_BLOCK_NETWORK: '1' } });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.result.stdout).toMatch(/Failed to remove 1 network/);
    const blocker = run.created[0]?.blockers[0] ?? '';
    expect(containerState(blocker)).toBe('running'); // not the session's: untouched
    expect(leftOver(run.created)).toEqual(run.created[0]?.networks.map((id) => `network:${id}`));
    expectBystandersUntouched(bystanders);
    removeLeftovers(run.created);
  });

  it.each(VERSIONS)('failOnCleanupError, Vitest %i: a cleanup failure fails a passing run (exit 1)', async (version) => {
    const run = await runVitest('vitest-plugin', {
      version,
      env: { DJ_FIXTURE_BLOCK_NETWORK: '1', DJ_FIXTURE_FAIL_ON_CLEANUP_ERROR: '1' },
    });

    expect(exitCode(run.result), output(run.result)).toBe(1);
    expect(run.result.stdout).toMatch(/Tests {2}1 passed/);
    expect(run.result.stdout).toMatch(/Failed to remove 1 network/);
    expect(run.result.stdout).toContain('cleanup problems fail the run (failOnCleanupError)');
    expect(summaryCount(output(run.result))).toBe(1);
    removeLeftovers(run.created);
  });

  it('failOnCleanupError without a cleanup problem keeps exit 0', async () => {
    const run = await runVitest('vitest-plugin', { env: { DJ_FIXTURE_FAIL_ON_CLEANUP_ERROR: '1' } });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expectRunCleaned(run.created);
    removeLeftovers(run.created);
  });

  it('keepOnFailure: a failed run keeps its containers stopped and says how to remove them', async () => {
    const run = await runVitest('vitest-plugin', { env: { DJ_FIXTURE_FAIL: '1', DJ_FIXTURE_KEEP_ON_FAILURE: '1' } });
    const created = run.created[0];
    const { stdout } = run.result;

    expect(exitCode(run.result), output(run.result)).toBe(1);
    expect(created?.containers.map(containerState)).toEqual(['exited', 'exited', 'exited']);
    expect(stdout).toMatch(/Kept 3 stopped containers of the failed run for debugging/);
    expect(stdout).toContain(`docker ps -a --filter label=docker-janitor.session=${created?.session}`);
    expect(stdout).toContain(`npx docker-janitor sweep --session ${created?.session}`);
    expect(stdout).toMatch(/Removed 3 <none> images/); // the first build and two untagged parents: its RUN step and the first of its two label steps (the socket's build labels; the legacy builder makes an image per label) // images are still cleaned
    expectBystandersUntouched(bystanders);
    removeLeftovers(run.created);
  });

  it('keepOnFailure on a passing run removes everything as usual', async () => {
    const run = await runVitest('vitest-plugin', { env: { DJ_FIXTURE_KEEP_ON_FAILURE: '1' } });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expectRunCleaned(run.created);
    removeLeftovers(run.created);
  });

  it('a bad option fails when the config loads, naming the option and the value', async () => {
    const run = await runVitest('vitest-plugin', { env: { DJ_FIXTURE_BAD_OPTION: '1' } });

    expect(exitCode(run.result)).toBe(1);
    expect(run.result.stderr).toContain('Invalid dockerJanitor() options: stopTimeout: expected a duration');
    expect(run.result.stderr).toContain('(got "soon")');
    expect(run.created).toEqual([]);
  });
});

describe('Docker not available', () => {
  it.each([
    ['unreachable', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, 'not reachable'],
    ['not installed', { DOCKER_JANITOR_DOCKER_PATH: '/nonexistent/docker' }, 'was not found'],
  ] as const)('Docker %s: one warning line, the tests run as usual (exit 0)', async (_case, env, text) => {
    const run = await runVitest('vitest-plugin', { env: { ...env, DJ_FIXTURE_NO_DOCKER: '1' } });
    const all = output(run.result);

    expect(exitCode(run.result), all).toBe(0);
    expect(run.result.stdout).toMatch(/Tests {2}1 passed/);
    const lines = all.split('\n').filter((line) => line.includes('docker-janitor'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(text);
    expect(summaryCount(all)).toBe(0);
  });

  it('Docker unreachable with failOnCleanupError: exit 1', async () => {
    const run = await runVitest('vitest-plugin', {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', DJ_FIXTURE_NO_DOCKER: '1', DJ_FIXTURE_FAIL_ON_CLEANUP_ERROR: '1' },
    });

    expect(exitCode(run.result), output(run.result)).toBe(1);
    expect(run.result.stdout).toMatch(/Tests {2}1 passed/);
    expect(run.result.stdout).toContain('cleanup problems fail the run (failOnCleanupError)');
  });
});

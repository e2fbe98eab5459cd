/**
 * The Jest adapter end to end: the fixtures under fixtures/jest-* run with the repo's jest
 * binary against the suite's private engine. Every assertion reads the engine afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dockerSync, resetEngine, runContainer, BASE_IMAGE } from '../support/docker.js';
import { CLEANUP_WAIT_MS, exitCode, linkPackage, output, removeDir, sessionDirs, sigintTwice, summaryCount, waitFor } from './support/fixtures.js';
import { interruptTwiceWhileWatchdogStopped, runWithStraggler, signalWithStreamOpen } from './support/socket-teardown.js';
import {
  expectBystandersUntouched,
  expectRunCleaned,
  exists,
  leftOver,
  makeBystanders,
  runJest,
  sessionObjects,
  startJest,
  type Bystanders,
} from './support/jest-run.js';

const options = (value: object) => ({ DJ_FIXTURE_JANITOR_OPTIONS: JSON.stringify(value) });

let bystanders: Bystanders;

beforeAll(() => linkPackage());

beforeEach(() => {
  resetEngine();
  bystanders = makeBystanders();
});

describe('the session socket: a test with plain docker commands only', () => {
  it.each([['in band (-i)', ['-i']], ['with workers', ['--maxWorkers=2']]])('%s: the container, network and volume made without label, track() or adoption are removed', async (_name, args) => {
    const run = await runJest('jest-cjs', { env: { DJ_FIXTURE_PLAIN: '1' }, args });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(output(run.result)).not.toMatch(/No session socket/);
    expect(run.created.filter((c) => c.how === 'plain').map((c) => c.kind)).toEqual(['container', 'network', 'volume']);
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(run.result.stdout).toMatch(/Removed 7 containers/);
    expect(run.result.stdout).toMatch(/Removed 2 networks/);
    expect(run.result.stdout).toMatch(/Removed 3 volumes/);
  });
});

describe('the session socket at teardown', () => {
  it.each([['in band (-i)', ['-i']], ['with workers', ['--maxWorkers=2']]])(
    '%s: a straggler that outlives its test, with a kept-alive connection, creates nothing while teardown runs',
    async (_name, args) => {
      const run = await runWithStraggler((env) => runJest('jest-cjs', { env: { ...env, ...options({ stopTimeout: 2 }) }, args }));
      expectRunCleaned(run.created);
      expectBystandersUntouched(bystanders);
    },
  );

  it('two SIGINTs to the group while teardown waits for a stopped watchdog to close the socket: cleaned, exit 130', async () => {
    await interruptTwiceWhileWatchdogStopped((env) => {
      const run = startJest('jest-cjs', { env });
      return { ...run, ready: () => run.ready(2), leftOver: () => leftOver(run.created()) };
    });
    expectBystandersUntouched(bystanders);
  });
});

describe('two runs at once on one engine, as one user (one state directory)', () => {
  it('each with its own socket; each teardown removes only its own plain objects; a container made directly mid-run stays', async () => {
    const work = mkdtempSync(join(tmpdir(), 'dj-e2e-two-runs-'));
    const stateDir = join(work, 'state');
    const [goA, goB] = [join(work, 'go-a'), join(work, 'go-b')];
    // No adoption: both runs would adopt each other's `dj.fixture.adopt=yes` container (adoption's
    // known limitation). Through its own socket, each run's container is labelled all the same.
    const shared = { DJ_FIXTURE_PLAIN: '1', DOCKER_JANITOR_STATE_DIR: stateDir, ...options({ adopt: { labels: [] } }) };
    try {
      const a = startJest('jest-cjs', { env: { ...shared, DJ_FIXTURE_GO: goA } });
      const b = startJest('jest-cjs', { env: { ...shared, DJ_FIXTURE_GO: goB } });
      expect(await a.ready(2), JSON.stringify(a.fixture.output())).toBe(true);
      expect(await b.ready(2), JSON.stringify(b.fixture.output())).toBe(true);
      expect(sessionDirs(stateDir)).toHaveLength(2);
      const plain = (run: typeof a) => run.created().filter((c) => c.how === 'plain');
      expect(plain(a).map((c) => c.kind)).toEqual(['container', 'network', 'volume']);
      expect(plain(b).map((c) => c.kind)).toEqual(['container', 'network', 'volume']);
      // Another terminal, mid-run, directly on the engine.
      const foreign = runContainer(BASE_IMAGE);

      writeFileSync(goA, '');
      const doneA = await a.fixture.exited;
      expect(exitCode(doneA), output(doneA)).toBe(0);
      expect(leftOver(a.created())).toEqual([]);
      // B's objects, made through B's socket, are all still there, and B's run goes on.
      expect(leftOver(b.created())).toEqual(sessionObjects(b.created()));
      expect(exists({ kind: 'container', id: foreign })).toBe(true);

      writeFileSync(goB, '');
      const doneB = await b.fixture.exited;
      expect(exitCode(doneB), output(doneB)).toBe(0);
      expect(leftOver(b.created())).toEqual([]);
      expect(exists({ kind: 'container', id: foreign })).toBe(true);
      expectBystandersUntouched(bystanders);
    } finally {
      removeDir(work);
    }
  });
});

describe('the runner dies with the session socket in use', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGKILL'] as const)(
    'in band (-i), %s to the group while a docker events stream is open through the socket: the plain objects go, the stream is ended',
    async (signal) => {
      const run = startJest('jest-cjs', { env: { DJ_FIXTURE_PLAIN: '1', DJ_FIXTURE_HANG: '1' }, args: ['-i'] });
      await signalWithStreamOpen(signal, {
        fixture: run.fixture,
        stateDir: run.stateDir,
        // In band the files run one after the other: the one that hangs is the one with the plain objects.
        ready: () => waitFor(() => run.created().some((c) => c.kind === 'ready' && c.id === 'containers'), 150_000),
        leftOver: () => leftOver(run.created()),
        plainContainers: () => run.created().filter((c) => c.kind === 'container' && c.how === 'plain').map((c) => c.id),
      });
      expectBystandersUntouched(bystanders);
    },
  );
});

describe('a normal run', () => {
  it('CommonJS config: removes what the tests made, leaves the rest, prints one summary, exits 0', async () => {
    const run = await runJest('jest-cjs');

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.created.filter((c) => c.kind === 'container')).toHaveLength(6); // labelled, tracked, adopted, …
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(summaryCount(run.result.stdout)).toBe(1);
    expect(summaryCount(run.result.stderr)).toBe(0);
    expect(run.result.stderr).toContain('Ran all test suites');
    expect(run.result.stdout).toMatch(/Removed 6 containers/);
    expect(run.result.stdout).toMatch(/Removed 1 network/);
    expect(run.result.stdout).toMatch(/Removed 2 volumes/);
    expect(run.result.stdout).toMatch(/Removed 3 <none> images/); // the first build and two untagged parents: its RUN step and the first of its two label steps (the socket's build labels; the legacy builder makes an image per label)
    expect(run.result.stdout).toMatch(/Skipped 1 in-use image \(safe\)/);
    expect(run.result.stdout).not.toMatch(/\u001b\[/); // no colour without a TTY
    expect(sessionDirs(run.stateDir)).toEqual([]);
    removeDir(run.stateDir);
  });

  it('a failing test: exit code 1 as without docker-janitor, and still cleaned (in band)', async () => {
    const run = await runJest('jest-cjs', { env: { DJ_FIXTURE_FAIL: '1' }, args: ['--runInBand'] });

    expect(exitCode(run.result), output(run.result)).toBe(1);
    expect(run.result.stderr).toContain('fails when asked to');
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(summaryCount(output(run.result))).toBe(1);
  });

  it('ESM config, two projects naming the modules without options helper: one session, one summary', async () => {
    const run = await runJest('jest-esm');

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.result.stderr).toContain('Ran all test suites in 2 projects');
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(summaryCount(output(run.result))).toBe(1);
  });

  it('GitHub Actions: the job summary section is appended, the report file written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dj-e2e-summary-'));
    const summary = join(dir, 'step-summary.md');
    writeFileSync(summary, '## an earlier step\n');
    const run = await runJest('jest-esm', { env: { GITHUB_STEP_SUMMARY: summary, ...options({ reportFile: join(dir, 'report.json') }) } });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expectRunCleaned(run.created);
    const session = /test session (\S+?)\.\.\./.exec(run.result.stdout)?.[1];
    expect(session).toBeTruthy();
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('## an earlier step\n')).toBe(true);
    expect(text).toContain(`### 🧹 docker-janitor: test session \`${session}\``);
    expect(text).toMatch(/\| containers \| [1-9]\d* \| 0 \| – \| 0 \|/);
    expect(text).toContain('✅ Cleanup complete.');
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({ version: 1, kind: 'teardown', sessionId: session, hasProblems: false });
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json: the results own stdout, the summary goes to stderr', async () => {
    const run = await runJest('jest-esm', { args: ['--json'] });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(JSON.parse(run.result.stdout)).toMatchObject({ success: true, numPassedTests: 4 });
    expect(summaryCount(run.result.stderr)).toBe(1);
    expectRunCleaned(run.created);
  });
});

describe('when teardown never runs', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to the whole process group: the session is cleaned, exit code %i', async (signal, code) => {
    const run = startJest('jest-cjs', { env: { DJ_FIXTURE_HANG: '1' } });
    expect(await run.ready(2), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();
    expect(leftOver(created).length).toBeGreaterThan(0);

    run.fixture.killGroup(signal);
    const result = await run.fixture.exited;

    expect(result.signal).toBe(signal);
    expect(exitCode(result)).toBe(code);
    // The handler cleaned synchronously before the process ended: nothing to wait for.
    expect(leftOver(created)).toEqual([]);
    expectBystandersUntouched(bystanders);
    expect(sessionDirs(run.stateDir)).toEqual([]);
  });

  it('two SIGINTs to the whole process group 300 ms apart: exit 130, and the session is cleaned (by the signal cleaner)', async () => {
    // No watchdog: what goes, the signal cleaner removed. The second SIGINT may end the run
    // before the cleanup is over (it goes on, detached): poll the engine, not the clock.
    const run = startJest('jest-cjs', { env: { DJ_FIXTURE_HANG: '1', DJ_FIXTURE_JANITOR_OPTIONS: '{"watchdog":false}' } });
    expect(await run.ready(2), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();
    expect(leftOver(created).length).toBeGreaterThan(0);

    const result = await sigintTwice(run.fixture);

    expect(exitCode(result), output(result)).toBe(130);
    expect(await waitFor(() => leftOver(created).length === 0, CLEANUP_WAIT_MS, 250)).toBe(true);
    expectBystandersUntouched(bystanders);
  });

  it('SIGKILL of the whole process group: the watchdog cleans within 30 s', async () => {
    const run = startJest('jest-cjs', { env: { DJ_FIXTURE_HANG: '1' } });
    expect(await run.ready(2), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();

    run.fixture.killGroup('SIGKILL');
    const result = await run.fixture.exited;
    expect(result.signal).toBe('SIGKILL');
    expect(sessionObjects(created).length).toBeGreaterThan(0);

    const cleaned = await waitFor(() => leftOver(created).length === 0, CLEANUP_WAIT_MS, 250);
    expect(leftOver(created)).toEqual([]);
    expect(cleaned).toBe(true);
    expectBystandersUntouched(bystanders);
  });
});

describe('Jest 29.7', () => {
  it('CommonJS config: cleaned, one summary, exit 0; a failing test still exits 1 and is cleaned', async () => {
    const run = await runJest('jest-cjs', { jest: 29 });
    expect(exitCode(run.result), output(run.result)).toBe(0);
    expectRunCleaned(run.created);
    expectBystandersUntouched(bystanders);
    expect(summaryCount(run.result.stdout)).toBe(1);
    expect(run.result.stdout).toMatch(/Removed 6 containers/);
    removeDir(run.stateDir);

    const failing = await runJest('jest-cjs', { jest: 29, env: { DJ_FIXTURE_FAIL: '1' } });
    expect(exitCode(failing.result), output(failing.result)).toBe(1);
    expectRunCleaned(failing.created);
    removeDir(failing.stateDir);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s to the whole process group: cleaned, exit code %i', async (signal, code) => {
    const run = startJest('jest-cjs', { jest: 29, env: { DJ_FIXTURE_HANG: '1' } });
    expect(await run.ready(2), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();
    run.fixture.killGroup(signal);
    const result = await run.fixture.exited;
    expect(exitCode(result)).toBe(code);
    expect(leftOver(created)).toEqual([]);
    expectBystandersUntouched(bystanders);
  });

  it('SIGKILL of the whole process group: the watchdog cleans within 30 s', async () => {
    const run = startJest('jest-cjs', { jest: 29, env: { DJ_FIXTURE_HANG: '1' } });
    expect(await run.ready(2), JSON.stringify(run.fixture.output())).toBe(true);
    const created = run.created();
    run.fixture.killGroup('SIGKILL');
    await run.fixture.exited;
    expect(await waitFor(() => leftOver(created).length === 0, CLEANUP_WAIT_MS, 250)).toBe(true);
    expectBystandersUntouched(bystanders);
  });
});

describe('options', () => {
  /** A volume a bystander container uses: tracking it makes its removal fail ("in use"). */
  function volumeInUse(): string {
    const name = `dj-e2e-busy-${Date.now()}`;
    dockerSync(['volume', 'create', name]);
    runContainer(BASE_IMAGE, ['-v', `${name}:/busy`]);
    return name;
  }

  it('a cleanup failure does not change the exit code by default', async () => {
    const volume = volumeInUse();
    const run = await runJest('jest-cjs', { env: { DJ_FIXTURE_TRACK_VOLUME: volume } });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.result.stdout).toMatch(/Failed to remove 1 volume/);
    expect(exists({ kind: 'volume', id: volume })).toBe(true);
    expectRunCleaned(run.created);
  });

  it('failOnCleanupError: the same cleanup failure fails the run (exit 1)', async () => {
    const volume = volumeInUse();
    const run = await runJest('jest-cjs', {
      env: { DJ_FIXTURE_TRACK_VOLUME: volume, ...options({ failOnCleanupError: true }) },
    });

    expect(exitCode(run.result), output(run.result)).toBe(1);
    expect(run.result.stdout).toMatch(/Failed to remove 1 volume/);
    expect(run.result.stdout).toContain('cleanup problems fail the run (failOnCleanupError)');
    expect(exists({ kind: 'volume', id: volume })).toBe(true);
    expectRunCleaned(run.created);
  });

  it('failOnCleanupError with --forceExit still exits 1', async () => {
    const volume = volumeInUse();
    const run = await runJest('jest-cjs', {
      env: { DJ_FIXTURE_TRACK_VOLUME: volume, ...options({ failOnCleanupError: true }) },
      args: ['--forceExit'],
    });
    expect(exitCode(run.result), output(run.result)).toBe(1);
  });

  it('failOnCleanupError on a clean run changes nothing (exit 0)', async () => {
    const run = await runJest('jest-cjs', { env: options({ failOnCleanupError: true }) });
    expect(exitCode(run.result), output(run.result)).toBe(0);
    expectRunCleaned(run.created);
  });

  it('keepOnFailure: a failed run keeps its containers stopped and says how to remove them', async () => {
    const run = await runJest('jest-cjs', { env: { DJ_FIXTURE_FAIL: '1', ...options({ keepOnFailure: true }) } });

    expect(exitCode(run.result), output(run.result)).toBe(1);
    const containers = run.created.filter((c) => c.kind === 'container');
    expect(containers).toHaveLength(6);
    for (const container of containers) {
      expect(['exited', 'created']).toContain(dockerSync(['inspect', '--format', '{{.State.Status}}', container.id]));
    }
    for (const item of sessionObjects(run.created)) expect(exists(item), JSON.stringify(item)).toBe(true);
    expect(run.result.stdout).toMatch(/Kept 6 stopped containers of the failed run for debugging/);
    expect(run.result.stdout).toMatch(/docker ps -a --filter label=docker-janitor\.session=/);
    expect(run.result.stdout).toMatch(/remove: +npx docker-janitor sweep --session /);
    expect(summaryCount(run.result.stdout)).toBe(1);
    expectBystandersUntouched(bystanders);
  });

  it('keepOnFailure on a passing run removes everything', async () => {
    const run = await runJest('jest-cjs', { env: options({ keepOnFailure: true }) });
    expect(exitCode(run.result), output(run.result)).toBe(0);
    expectRunCleaned(run.created);
  });

  it('a bad option fails the run naming the option, the value and what is allowed', async () => {
    const run = await runJest('jest-cjs', { env: options({ images: 'some', stopTimeout: 'soon' }) });

    expect(exitCode(run.result)).toBe(1);
    const text = output(run.result);
    expect(text).toContain('globalSetup');
    expect(text).toMatch(/images: .*"all".*"session".*"off".*\(got "some"\)/);
    expect(text).toMatch(/stopTimeout: expected a duration .*\(got "soon"\)/);
    expect(run.created).toEqual([]);
  });
});

describe('without Docker', () => {
  it.each([
    ['unreachable', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, /not reachable/],
    ['missing', { DOCKER_JANITOR_DOCKER_PATH: '/nonexistent/docker' }, /Docker CLI was not found/],
  ] as const)('Docker %s: one warning line, the tests pass (exit 0)', async (_what, env, message) => {
    const run = await runJest('jest-cjs', { env: { ...env, DJ_FIXTURE_SKIP_DOCKER: '1' } });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.result.stderr).toMatch(/Tests: +3 skipped, 2 passed, 5 total/);
    const lines = output(run.result)
      .split('\n')
      .filter((line) => line.includes('docker-janitor'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(summaryCount(output(run.result))).toBe(0);
  });

  it('the session cannot even be opened (state directory not writable): one warning line, exit 0', async () => {
    const run = await runJest('jest-cjs', {
      env: { DOCKER_JANITOR_STATE_DIR: '/dev/null/docker-janitor-e2e', DJ_FIXTURE_SKIP_DOCKER: '1', DJ_FIXTURE_NO_SESSION: '1' },
    });

    expect(exitCode(run.result), output(run.result)).toBe(0);
    expect(run.result.stderr).toMatch(/Tests: +4 skipped, 1 passed, 5 total/);
    const lines = output(run.result)
      .split('\n')
      .filter((line) => line.includes('docker-janitor'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/could not start a session, nothing was cleaned: .*\/dev\/null\/docker-janitor-e2e/);
  });

  it('Docker unreachable with failOnCleanupError: exit 1', async () => {
    const run = await runJest('jest-cjs', {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock', DJ_FIXTURE_SKIP_DOCKER: '1', ...options({ failOnCleanupError: true }) },
    });
    expect(exitCode(run.result), output(run.result)).toBe(1);
    expect(run.result.stdout).toMatch(/not reachable/);
  });
});

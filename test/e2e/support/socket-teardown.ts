/**
 * The session socket at teardown, the same scenarios for every runner (the Jest and Vitest
 * fixtures share their knobs): a straggler that outlives its test (DJ_FIXTURE_STRAGGLER), and
 * two SIGINTs while teardown waits for a stopped watchdog (DJ_FIXTURE_GO). The runner's test
 * starts the run through a callback; these assert what the engine and the records show.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { dockerEnv, dockerSync } from '../../support/docker.js';
import { isRunning, watchdogOf } from '../../support/processes.js';
import { CLEANUP_WAIT_MS, exitCode, output, readJsonLines, sessionDirs, sigintTwice, signalExitCode, waitFor, type FixtureResult, type RunningFixture } from './fixtures.js';

/**
 * Runs the fixture with a straggler (its record's path added to `env`): a test that, after it
 * ended, pings the socket, creates on a kept-alive connection and runs `docker run` while
 * teardown runs. The run exits 0; the ping was answered, both creates refused, and nothing
 * labelled with a session is left on the engine.
 */
export async function runWithStraggler<R extends { readonly result: FixtureResult }>(run: (env: NodeJS.ProcessEnv) => Promise<R>): Promise<R> {
  const work = mkdtempSync(join(tmpdir(), 'dj-e2e-straggler-'));
  const record = join(work, 'straggler.jsonl');
  try {
    const done = await run({ DJ_FIXTURE_STRAGGLER: record });
    expect(exitCode(done.result), output(done.result)).toBe(0);
    expect(await waitFor(() => readJsonLines<{ step: string }>(record).some((line) => line.step === 'done'), 90_000)).toBe(true);
    const steps = Object.fromEntries(readJsonLines<{ step: string }>(record).map((line) => [line.step, line]));
    expect(steps.ping).toEqual({ step: 'ping', status: 200 });
    expect(steps['keepalive-create']).toHaveProperty('error');
    expect(steps['cli-run']).toMatchObject({ code: 125 });
    expect(dockerSync(['ps', '-aq', '--filter', 'label=docker-janitor.session'])).toBe('');
    return done;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface InterruptibleRun {
  readonly fixture: RunningFixture;
  readonly stateDir: string;
  /** Resolves true once the fixture's tests created everything and wait for their `go` file. */
  ready(): Promise<boolean>;
  /** The run's session objects still on the engine. */
  leftOver(): readonly unknown[];
}

/**
 * Two SIGINTs to the group while teardown waits for a stopped watchdog to close the socket: the
 * session's watchdog is stopped (SIGSTOP), the tests let go (the `go` file, added to `env`), and
 * once teardown has begun (the socket's path is gone) the group gets SIGINT twice, 300 ms apart.
 * The run exits 130 and the session's objects go all the same. The watchdog is let go
 * (SIGCONT) in any case; it answers, sees the session over and ends.
 */
export async function interruptTwiceWhileWatchdogStopped<R extends InterruptibleRun>(start: (env: NodeJS.ProcessEnv) => R): Promise<R> {
  const work = mkdtempSync(join(tmpdir(), 'dj-e2e-go-'));
  const go = join(work, 'go');
  const run = start({ DJ_FIXTURE_GO: go });
  let watchdog: number | undefined;
  try {
    expect(await run.ready(), JSON.stringify(run.fixture.output())).toBe(true);
    const [id] = sessionDirs(run.stateDir);
    const dir = join(run.stateDir, 'sessions', id ?? '');
    watchdog = watchdogOf(dir);
    expect(watchdog).toBeTypeOf('number');
    process.kill(watchdog!, 'SIGSTOP');
    writeFileSync(go, '');
    // Teardown has begun (the socket's path is gone) and waits for the watchdog's answer.
    expect(await waitFor(() => !existsSync(join(dir, 'socket', 'docker.sock')), 150_000, 20)).toBe(true);
    const result = await sigintTwice(run.fixture);
    expect(signalExitCode(result, 'SIGINT'), output(result)).toBe(130);
    // The second SIGINT ends the run, not the cleanup (detached; it waits for the stopped
    // watchdog's answer first, at most 3 s): poll the engine.
    expect(await waitFor(() => run.leftOver().length === 0, CLEANUP_WAIT_MS, 250)).toBe(true);
  } finally {
    if (watchdog !== undefined) process.kill(watchdog, 'SIGCONT');
    rmSync(work, { recursive: true, force: true });
  }
  expect(await waitFor(() => !isRunning(watchdog!), CLEANUP_WAIT_MS)).toBe(true);
  return run;
}

/**
 * A signal to the runner's process group while the session socket is in use: the fixture's
 * tests have made plain objects (DJ_FIXTURE_PLAIN: no label, no track(), no adoption, so only
 * the socket makes them the session's) and hang; a `docker events` stream is open through the
 * socket from a process of its own session, as a background client would be (the group's signal
 * does not reach it). The stream is live (it shows the tests' creates) when the signal comes.
 * Then the objects go (the signal cleaner, or after SIGKILL the watchdog), the stream's
 * connection is ended by the socket's close (the docker CLI exits), and the socket's file is
 * gone. Resolves with the run's end.
 */
export async function signalWithStreamOpen(
  signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL',
  run: { readonly fixture: RunningFixture; readonly stateDir: string; ready(): Promise<boolean>; leftOver(): readonly unknown[]; plainContainers(): readonly string[] },
): Promise<FixtureResult> {
  expect(await run.ready(), JSON.stringify(run.fixture.output())).toBe(true);
  const [id] = sessionDirs(run.stateDir);
  const socket = join(run.stateDir, 'sessions', id ?? '', 'socket', 'docker.sock');
  expect(existsSync(socket)).toBe(true);
  const plain = run.plainContainers();
  expect(plain.length).toBeGreaterThan(0);
  expect(run.leftOver().length).toBeGreaterThan(0);

  // Replays the run's events from its start, then follows: its output proves it goes through the socket, live.
  const since = String(Math.floor(Date.now() / 1000) - 600);
  const events = spawn('docker', ['events', '--since', since, '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...dockerEnv(), DOCKER_HOST: `unix://${socket}` },
  });
  let streamed = '';
  events.stdout.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
  events.stderr.on('data', (chunk: Buffer) => (streamed += chunk.toString()));
  let streamEnded = false;
  events.on('close', () => (streamEnded = true));
  try {
    expect(await waitFor(() => plain.every((container) => streamed.includes(`container create ${container}`)), 60_000, 50), streamed).toBe(true);
    expect(streamEnded).toBe(false);

    run.fixture.killGroup(signal);
    const result = await run.fixture.exited;
    expect(signalExitCode(result, signal), output(result)).toBe(128 + constants.signals[signal]);

    expect(await waitFor(() => run.leftOver().length === 0, CLEANUP_WAIT_MS, 250)).toBe(true);
    expect(run.leftOver()).toEqual([]);
    // The socket's close ended the stream's connection: the CLI left.
    expect(await waitFor(() => streamEnded, CLEANUP_WAIT_MS, 100), streamed).toBe(true);
    expect(existsSync(socket)).toBe(false);
    // The watchdog (SIGKILL) or the signal cleaner removes the session's record once it is clean.
    expect(await waitFor(() => sessionDirs(run.stateDir).length === 0, 2 * CLEANUP_WAIT_MS, 250)).toBe(true);
    return result;
  } finally {
    if (!streamEnded) events.kill('SIGKILL');
  }
}

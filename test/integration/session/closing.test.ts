/**
 * Teardown closes the session socket before it lists the session's objects (built package: its
 * watchdog serves the socket). Real engine, real clients:
 *   - a straggler that outlives its test, with a kept-alive connection, creating while teardown
 *     runs: before, its container was created after the listing and left behind, labelled;
 *   - a client waiting in the socket's queue before the watchdog started: never served;
 *   - a create already sent to the engine (a slowed pass-through in front of the real engine):
 *     answered before the listing, so this teardown removes it; past the bound, one warning
 *     and the session kept, and the container the engine still makes is swept later;
 *   - the watchdog killed during the run: ECONNREFUSED for the tests, one warning line at
 *     teardown, cleaned by label, no wait;
 *   - two SIGINTs while the signal cleanup waits for a stopped watchdog: still cleaned, still
 *     ends by SIGINT.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { openSession as OpenSession } from '../../../src/session/open.js';
import { BASE_IMAGE, dockerEnv, dockerSync, privateHost, resetEngine } from '../../support/docker.js';
import { REPO_ROOT } from '../../support/engine.js';
import { isRunning, removeStateDir, watchdogOf } from '../../support/processes.js';
import { startSlowEngine, type SlowEngine } from '../../support/slow-engine.js';

const STRAGGLER = join(REPO_ROOT, 'fixtures/programs/straggler.mjs');
const CLI = join(REPO_ROOT, 'dist/cli/bin.js');

let openSession: typeof OpenSession;
let stateDir: string;
let env: NodeJS.ProcessEnv;
let slow: SlowEngine | undefined;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist/session/open.js'))) throw new Error('dist/ is not built: run npm run build first');
  ({ openSession } = (await import(join(REPO_ROOT, 'dist/session/open.js'))) as { openSession: typeof OpenSession });
});

beforeEach(() => {
  resetEngine();
  stateDir = mkdtempSync(join(tmpdir(), 'dj-closing-'));
  env = { ...dockerEnv(), DOCKER_JANITOR_STATE_DIR: stateDir };
});

afterEach(async () => {
  await slow?.close();
  slow = undefined;
  removeStateDir(stateDir);
});

const OPTIONS = { signals: false, sweepDeadSessions: false, images: 'off' } as const;
const labelled = (id: string) => dockerSync(['ps', '-aq', '--no-trunc', '--filter', `label=docker-janitor.session=${id}`]).split('\n').filter(Boolean);
const inEnv = (testEnv: NodeJS.ProcessEnv, args: string[]) => spawnSync('docker', args, { env: testEnv, encoding: 'utf8' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}
const readLines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : []);

describe('teardown closes the session socket before it lists', () => {
  it('a straggler with a kept-alive connection creating during teardown: refused, nothing labelled left (the leak this closes)', async () => {
    // A container that ignores SIGTERM, with a stop timeout: teardown goes on ~2 s after it listed.
    const session = await openSession({ ...OPTIONS, stopTimeout: 2 }, { env });
    const testEnv: NodeJS.ProcessEnv = { ...env };
    session.exportEnv(testEnv);
    expect(inEnv(testEnv, ['run', '-d', BASE_IMAGE, 'sleep', '3600']).status).toBe(0);
    const record = join(stateDir, 'straggler.jsonl');
    const straggler = spawn(process.execPath, [STRAGGLER, record, BASE_IMAGE], { env: testEnv, detached: true, stdio: 'ignore' });
    straggler.unref();
    expect(await until(() => readLines(record).length > 0, 90_000)).toBe(true);
    expect(readLines(record)[0]).toEqual({ step: 'ping', status: 200 });

    const result = await session.teardown();
    expect(await until(() => readLines(record).some((line) => line.step === 'done'), 90_000)).toBe(true);
    const steps = Object.fromEntries(readLines(record).map((line) => [line.step, line]));
    // The kept-alive connection was ended before the listing; a new one finds no socket.
    expect(steps['keepalive-create']).toHaveProperty('error');
    expect(steps['cli-run']).toMatchObject({ code: 125 });
    expect(String(steps['cli-run']?.out)).toMatch(/Cannot connect to the Docker daemon/);
    expect(result.containers.removed).toHaveLength(1);
    expect(result.warnings).toEqual([]);
    expect(labelled(session.id)).toEqual([]);
  });

  it('a client queued before the watchdog started serving is never served: teardown wins the claim and does not wait', async () => {
    // dryRun keeps the session directory (and the watchdog's log) for a look afterwards.
    const session = await openSession({ ...OPTIONS, dryRun: true }, { env });
    const queued = connect(session.socket!);
    let answer = '';
    queued.on('data', (data: Buffer) => (answer += data.toString()));
    const ended = new Promise<void>((resolve) => queued.on('close', () => resolve()));
    queued.on('error', () => {});
    const body = JSON.stringify({ Image: BASE_IMAGE, Cmd: ['sleep', '3600'] });
    queued.write(`POST /containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    // Teardown right away: the watchdog's Node has not started yet (it takes tens of ms at least).
    const result = await session.teardown();
    expect(result.warnings).toEqual([]);
    expect(readFileSync(join(session.dir, 'socket', 'claim'), 'utf8')).toBe('close');
    await ended;
    expect(answer).toBe('');
    expect(await until(() => existsSync(join(session.dir, 'watchdog.log')) && readFileSync(join(session.dir, 'watchdog.log'), 'utf8').includes('not served'), 60_000)).toBe(true);
    expect(readFileSync(join(session.dir, 'watchdog.log'), 'utf8')).toMatch(/session socket not served: teardown closed it before this watchdog started/);
    expect(dockerSync(['ps', '-aq'])).toBe('');
  });

  /**
   * A session over a pass-through that holds each container create for `holdMs` before the real
   * engine gets it, and a `docker create` through the session socket that has reached it.
   */
  const createInFlight = async (holdMs: number) => {
    slow = await startSlowEngine(privateHost().replace(/^unix:\/\//, ''), holdMs);
    const session = await openSession(OPTIONS, { env: { ...env, DOCKER_HOST: slow.host } });
    const testEnv: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: slow.host };
    session.exportEnv(testEnv);
    const client = spawn('docker', ['create', BASE_IMAGE, 'sleep', '3600'], { env: testEnv, stdio: 'ignore' });
    const clientDone = new Promise((resolve) => client.on('exit', resolve));
    await slow.createArrived();
    return { session, clientDone };
  };

  it('a create already sent to the engine is answered before the listing, and this teardown removes its container', async () => {
    const { session, clientDone } = await createInFlight(800);

    const result = await session.teardown();
    await clientDone;
    expect(result.warnings).toEqual([]);
    expect(result.containers.removed).toHaveLength(1);
    expect(labelled(session.id)).toEqual([]);
    expect(existsSync(session.dir)).toBe(false);
  });

  it('a create the engine has not answered within the bound: one warning, the session kept, and what the engine still makes is swept later', async () => {
    const { session, clientDone } = await createInFlight(3_500);

    const result = await session.teardown();
    await clientDone;
    expect(result.warnings).toEqual([
      `1 create request sent through the session socket had no answer from the engine within 2.0 s when it closed; the engine may still complete it; the session is kept so that the next run or \`docker-janitor sweep --session ${session.id}\` removes what it makes (the watchdog tries once more when the runner ends).`,
    ]);
    expect(result.incomplete).toBe(true);
    expect(existsSync(session.dir)).toBe(true);
    // The remaining window: the engine got the create after the socket had let go of it.
    expect(await until(() => labelled(session.id).length === 1, 60_000)).toBe(true);
    const sweep = spawnSync(process.execPath, [CLI, 'sweep', '--session', session.id], { env: { ...env, DOCKER_HOST: privateHost() }, encoding: 'utf8' });
    expect(sweep.status, sweep.stdout + sweep.stderr).toBe(0);
    expect(labelled(session.id)).toEqual([]);
  });

  it('the watchdog killed during the run: ECONNREFUSED until the runner restarts it on the same path; teardown says so in one line, without waiting, and cleans by label', async () => {
    const session = await openSession(OPTIONS, { env });
    const testEnv: NodeJS.ProcessEnv = { ...env };
    session.exportEnv(testEnv);
    const before = inEnv(testEnv, ['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    expect(before.status).toBe(0);
    const pid = watchdogOf(session.dir);
    expect(pid).toBeTypeOf('number');
    process.kill(pid!, 'SIGKILL');
    // This process (the runner) has not turned its event loop since: nothing restarted it yet.
    while (isRunning(pid!)) spawnSync('sleep', ['0.02']);
    const refused = inEnv(testEnv, ['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/Cannot connect to the Docker daemon/);
    const code = await new Promise<string>((resolve) => {
      const attempt = connect(session.socket!);
      attempt.on('connect', () => resolve('connected'));
      attempt.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(code).toBe('ECONNREFUSED');

    // The loop turns: the exit is reaped, another watchdog serves the same path.
    expect(await until(() => (watchdogOf(session.dir) ?? pid) !== pid, 30_000)).toBe(true);
    const next = watchdogOf(session.dir)!;
    const after = inEnv(testEnv, ['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    expect(after.status, after.stderr).toBe(0);

    const result = await session.teardown();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      new RegExp(
        `^The session's watchdog \\(pid ${pid}\\) ended during the run \\(noticed at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, killed by SIGKILL\\) and was restarted \\(pid ${next}, at [\\d:.TZ-]+\\): the session socket refused connections \\(ECONNREFUSED\\) in between; teardown cleaned the session by its label\\.$`,
      ),
    );
    expect(result.containers.removed.map((c) => c.id).sort()).toEqual([before.stdout.trim(), after.stdout.trim()].sort());
    expect(result.incomplete).toBe(false);
    expect(labelled(session.id)).toEqual([]);
    expect(await until(() => !isRunning(next), 30_000)).toBe(true);
  });

  it("SIGTERM to the watchdog during the run: it says so in the session's log, ends with exit 0 and is not restarted; teardown cleans by label", async () => {
    const session = await openSession(OPTIONS, { env });
    const testEnv: NodeJS.ProcessEnv = { ...env };
    session.exportEnv(testEnv);
    const made = inEnv(testEnv, ['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    expect(made.status, made.stderr).toBe(0);
    const pid = watchdogOf(session.dir)!;
    process.kill(pid, 'SIGTERM');
    expect(await until(() => !isRunning(pid), 30_000)).toBe(true);
    expect(readFileSync(join(session.dir, 'watchdog.log'), 'utf8')).toMatch(/stopped by SIGTERM: the session socket closes, and this watchdog cleans nothing after the owner\n/);
    await sleep(300);
    expect(watchdogOf(session.dir)).toBeUndefined();
    const result = await session.teardown();
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(new RegExp(`^The session's watchdog \\(pid ${pid}\\) ended during the run .*exit code 0`));
    expect(result.containers.removed.map((c) => c.id)).toEqual([made.stdout.trim()]);
    expect(labelled(session.id)).toEqual([]);
  });

  it('a watchdog that keeps dying is restarted twice, then teardown cleans without one, saying so', async () => {
    const session = await openSession(OPTIONS, { env });
    const testEnv: NodeJS.ProcessEnv = { ...env };
    session.exportEnv(testEnv);
    const killed: number[] = [];
    for (let round = 0; round < 3; round++) {
      const pid = await (async () => {
        let found: number | undefined;
        await until(() => (found = watchdogOf(session.dir)) !== undefined && !killed.includes(found), 30_000);
        return found!;
      })();
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      await until(() => !isRunning(pid), 30_000);
      await sleep(300);
    }
    expect(watchdogOf(session.dir)).toBeUndefined();
    const result = await session.teardown();
    expect(result.warnings).toHaveLength(3);
    expect(result.warnings[2]).toMatch(new RegExp(`^The session's watchdog \\(pid ${killed[2]}\\) ended during the run .*killed by SIGKILL\\): from then on the session socket refused connections`));
    expect(result.incomplete).toBe(false);
  });
});

describe('the signal path with the socket', () => {
  it('two SIGINTs while the signal cleanup waits for a stopped watchdog: everything is removed and the run still ends by SIGINT', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'fixtures/programs/socket-runner.mjs'), 'hold'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    expect(await until(() => /^READY /m.test(out), 150_000)).toBe(true);
    const made = JSON.parse(/^READY (.*)$/m.exec(out)![1]!) as { session: string; dir: string; socket: string; containers: string[] };
    const watchdog = watchdogOf(made.dir);
    expect(watchdog).toBeTypeOf('number');
    process.kill(watchdog!, 'SIGSTOP');
    try {
      child.kill('SIGINT');
      await sleep(300);
      child.kill('SIGINT');
      const exit = await exited;
      expect(exit.signal).toBe('SIGINT');
    } finally {
      process.kill(watchdog!, 'SIGCONT');
    }
    expect(labelled(made.session)).toEqual([]);
    expect(existsSync(made.socket)).toBe(false);
    expect(existsSync(made.dir)).toBe(false);
    // Let go, it sees the session over and ends.
    expect(await until(() => !isRunning(watchdog!), 30_000)).toBe(true);
  });

  it('SIGKILL of the runner after its watchdog was restarted: the new watchdog closes the socket and cleans', async () => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'fixtures/programs/socket-runner.mjs'), 'hold'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    expect(await until(() => /^READY /m.test(out), 150_000)).toBe(true);
    const made = JSON.parse(/^READY (.*)$/m.exec(out)![1]!) as { session: string; dir: string; socket: string; containers: string[] };
    const first = watchdogOf(made.dir)!;
    process.kill(first, 'SIGKILL');
    expect(await until(() => (watchdogOf(made.dir) ?? first) !== first, 30_000)).toBe(true);
    const second = watchdogOf(made.dir)!;
    const testEnv = { ...env, DOCKER_HOST: `unix://${made.socket}` };
    expect(await until(() => inEnv(testEnv, ['version', '--format', '{{.Server.Version}}']).status === 0, 30_000)).toBe(true);
    const later = inEnv(testEnv, ['run', '-d', BASE_IMAGE, 'sleep', '3600']);
    expect(later.status, later.stderr).toBe(0);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await until(() => labelled(made.session).length === 0, 60_000)).toBe(true);
    expect(existsSync(made.socket)).toBe(false);
    expect(await until(() => !isRunning(second), 60_000)).toBe(true);
  });
});

/**
 * A real dockerd frozen (SIGSTOP).
 *
 * - During teardown, once the session's objects are listed: the teardown waits one timeout, on
 *   both transports; nothing after it is sent (the circuit breaker covers the whole engine); once
 *   thawed, a fresh engine (what the watchdog, the next run or `sweep` use) removes what is left.
 * - Under a runner stand-in that gets Ctrl+C: a second SIGINT to its group ends it at once, and
 *   one alone after the wait's bound, each saying that the cleanup goes on in the background;
 *   once thawed, the detached signal cleaner removes the containers.
 *
 * The engine is this file's own (a second private dockerd), so freezing it harms no other test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { engineFromOptions } from '../../../src/docker/create.js';
import { janitorOptionsSchema, parseOptions } from '../../../src/options/schema.js';
import { SESSION_LABEL } from '../../../src/session/names.js';
import type { SessionRecord } from '../../../src/session/store.js';
import { sweepSession } from '../../../src/session/sweep.js';
import { teardownSession } from '../../../src/session/teardown.js';
import { BASE_IMAGE, buildBaseImage, REPO_ROOT, startOwnEngine, type PrivateEngine } from '../../support/engine.js';
import { hooked, TRANSPORTS } from '../../support/engines.js';
import { removeStateDir } from '../../support/processes.js';

// Every listing before the freeze must answer within it: on a busy machine a docker CLI call
// alone can take a second or more.
const TIMEOUT = 5_000;
let own: PrivateEngine;
let dockerd: number;
const dirs: string[] = [];

beforeAll(() => {
  own = startOwnEngine();
  buildBaseImage(own.host);
  dockerd = Number(readFileSync(join(own.dir, 'docker.pid'), 'utf8'));
});

afterAll(() => {
  own?.stop(); // thaws it first
  for (const dir of dirs) removeStateDir(dir);
});

function docker(args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: own.host, DOCKER_CLI_HINTS: 'false' };
  delete env.DOCKER_CONTEXT;
  return execFileSync('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
}

const left = (label: string) => [...docker(['ps', '-aq', '--filter', `label=${label}`]).split('\n'), ...docker(['volume', 'ls', '-q', '--filter', `label=${label}`]).split('\n')].filter(Boolean);

it.each(TRANSPORTS)('%s: frozen once the objects are listed: one timeout, nothing sent after it; thawed, a fresh engine removes the rest', async (transport) => {
  const id = `frozen-${transport}-${process.pid}`;
  const label = `${SESSION_LABEL}=${id}`;
  for (let n = 0; n < 4; n++) docker(['run', '-d', '--label', label, BASE_IMAGE, 'sleep', '1000']);
  for (let n = 0; n < 2; n++) docker(['volume', 'create', '--label', label]);

  // Every request (API) or docker command (CLI) that goes out; the engine freezes as teardown
  // starts removing containers.
  const sent: string[] = [];
  let frozenAt = -1;
  const base = engineFromOptions({
    host: own.host,
    transport,
    timeoutMs: TIMEOUT,
    onRequest: (request) => sent.push(`${request.method} ${request.path.replace(/^\/v[\d.]+/, '').replace(/\?.*$/, '')}`),
    onCommand: (args) => sent.push(`docker ${args.slice(0, 2).join(' ')}`),
  }).engine;
  const engine = hooked(base, (method) => {
    if (method === 'removeContainers' && frozenAt === -1) {
      frozenAt = sent.length;
      process.kill(dockerd, 'SIGSTOP');
    }
  });
  const dir = mkdtempSync(join(tmpdir(), 'dj-frozen-'));
  dirs.push(dir);
  const record: SessionRecord = {
    id,
    pid: process.pid,
    pidStart: undefined,
    hostname: 'h',
    startedAt: Date.now(),
    docker: { host: own.host, timeoutMs: TIMEOUT, transport },
    stopTimeout: 0,
    adopt: { labels: [], all: false },
  };
  let result;
  try {
    result = await teardownSession(engine, { record, dir, options: parseOptions(janitorOptionsSchema, { docker: { timeoutMs: TIMEOUT } }) });
  } finally {
    process.kill(dockerd, 'SIGCONT');
    engine.close();
  }

  expect(frozenAt).toBeGreaterThan(0);
  const after = sent.slice(frozenAt);
  expect(result.incomplete).toBe(true);
  if (transport === 'api') {
    // The 4 removals in flight when it froze, and nothing else: no volume removal, no image listing.
    expect(after).toEqual(Array.from({ length: 4 }, () => expect.stringMatching(/^DELETE \/containers\/[0-9a-f]{64}$/)));
    expect(result.containers.failed.map((failed) => failed.noAnswer)).toEqual([true, true, true, true]);
    expect(result.volumes.failed.map((failed) => failed.notSent)).toEqual([true, true]);
    expect(result.warnings).toEqual([]);
  } else {
    // One `docker container rm` for the 4, and nothing else.
    expect(after).toEqual(['docker container rm']);
    expect(result.dockerUnavailable).toMatch(new RegExp(`did not answer docker container rm within ${TIMEOUT} ms`));
  }

  // Thawed: the API's removals sent before the freeze carry on in the daemon; a fresh engine
  // removes whatever is left (a container whose removal is still under way answers 409 once).
  const deadline = Date.now() + 90_000;
  while (left(label).length > 0 && Date.now() < deadline) {
    const fresh = engineFromOptions({ host: own.host, transport, timeoutMs: 10_000 }).engine;
    try {
      await sweepSession(fresh, id, undefined);
    } finally {
      fresh.close();
    }
    if (left(label).length > 0) await new Promise((resolve) => setTimeout(resolve, 300));
  }
  expect(left(label)).toEqual([]);
});

const CHILD = join(REPO_ROOT, 'fixtures/programs/session-child.mjs');

it.each([
  ['two SIGINTs to the group, 300 ms apart: it ends at the second', 2],
  ['one SIGINT: it ends when the wait runs out', 1],
] as const)('Ctrl+C with the engine frozen, %s, by SIGINT, the cleanup going on in the background', async (_name, signals) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'dj-frozen-state-'));
  dirs.push(stateDir);
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: own.host, DOCKER_JANITOR_STATE_DIR: stateDir, DJ_CHILD_CONTAINERS: '3' };
  delete env.DOCKER_CONTEXT;
  // The default options (a 60 s docker timeout): no watchdog, so what goes is the signal cleaner's doing.
  const child = spawn(process.execPath, [CHILD, 'hang', JSON.stringify({ watchdog: false, sweepDeadSessions: false })], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // a process group of its own, as a terminal's foreground job
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('close', () => reject(new Error(`child ended before READY: ${out}${err}`)));
  });
  const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  const label = `${SESSION_LABEL}=${await ready}`;
  expect(left(label)).toHaveLength(3);

  process.kill(dockerd, 'SIGSTOP');
  let signal: NodeJS.Signals | null;
  try {
    process.kill(-child.pid!, 'SIGINT');
    if (signals === 2) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      process.kill(-child.pid!, 'SIGINT');
    }
    signal = await exit;
  } finally {
    process.kill(dockerd, 'SIGCONT');
  }

  expect(signal).toBe('SIGINT');
  const line = /docker-janitor: cleanup continues in the background \(pid (\d+)\); exiting/.exec(err);
  expect(line, err).not.toBeNull();
  // Thawed: the detached cleaner's requests are answered, and it finishes.
  const deadline = Date.now() + 90_000;
  while (left(label).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
  expect(left(label)).toEqual([]);
});

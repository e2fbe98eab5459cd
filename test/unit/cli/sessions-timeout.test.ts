/**
 * `docker-janitor sessions` on a frozen engine (it accepts connections, never answers): bounded by
 * `--timeout` (default: the session's, at most PROBE_TIMEOUT_MS), the holdings unknown with the
 * reason, exit 3 when no engine answered. A fake unix socket; no dockerd.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EXIT } from '../../../src/cli/main.js';
import { runCli } from '../../support/cli.js';

let dir: string;
let server: Server;
const id = 'mwwv0001-deadbeef';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dj-sessions-timeout-'));
  const socketPath = join(dir, 'frozen.sock');
  server = createServer(() => {
    // frozen: never answers
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const sessionDir = join(dir, 'state', 'sessions', id);
  mkdirSync(sessionDir, { recursive: true, mode: 0o700 });
  const pid = spawnSync('true').pid;
  const record = {
    id,
    pid,
    hostname: hostname(),
    startedAt: Date.now() - 1000,
    // The record's own timeout is the default 60 s: --timeout must win.
    docker: { host: `unix://${socketPath}`, transport: 'api', timeoutMs: 60_000 },
    stopTimeout: 0,
    adopt: { labels: [], all: false },
  };
  writeFileSync(join(sessionDir, 'session.json'), JSON.stringify(record), { mode: 0o600 });
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(argv, { DOCKER_JANITOR_STATE_DIR: join(dir, 'state') });

it('sessions --timeout 300 on a frozen engine: about 300 ms, holdings unknown with the reason, exit 3', async () => {
  const started = performance.now();
  const { code, stdout } = await run(['sessions', '--timeout', '300', '--json']);
  // Far under the record's own 60 s, with room for a loaded machine.
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(code).toBe(EXIT.docker);
  const json = JSON.parse(stdout) as { sessions: Array<{ id: string; holds?: unknown; error?: string; errorCode?: string }> };
  expect(json.sessions).toEqual([expect.objectContaining({ id, errorCode: 'DOCKER_UNREACHABLE', error: expect.stringMatching(/did not answer .* within 300 ms/) })]);
  expect(json.sessions[0]?.holds).toBeUndefined();
});

it('sessions: a bad --timeout is a usage error; engine-choosing flags are not taken', async () => {
  expect((await run(['sessions', '--timeout', '-1'])).code).toBe(EXIT.usage);
  expect((await run(['sessions', '--timeout', '-1'])).stderr).toContain('invalid value "-1" for --timeout');
  expect((await run(['sessions', '--host', 'unix:///x.sock'])).code).toBe(EXIT.usage);
});

/**
 * An endpoint that answers HTTP 500 (to its ping) or junk JSON is not a Docker engine: `clean` and
 * `sweep` exit 3 with one line naming it, like an unreachable one (issue 9, item 13). So does an
 * engine that pings fine and answers 500 on a listing (it is not working); a refused removal is 1. Fake servers on unix sockets; no dockerd.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/cli/main.js';
import { runCli } from '../../support/cli.js';

let dir: string;
const servers: Server[] = [];
const sockets: Record<'http500' | 'junk' | 'http500AfterPing', string> = { http500: '', junk: '', http500AfterPing: '' };

function listen(name: keyof typeof sockets, pingOk: boolean, body: (response: import('node:http').ServerResponse) => void): Promise<void> {
  const path = join(dir, `${name}.sock`);
  sockets[name] = path;
  const server = createServer((request, response) => {
    if (pingOk && request.url === '/_ping') {
      response.writeHead(200, { 'Api-Version': '1.45', 'Content-Type': 'text/plain' });
      response.end('OK');
      return;
    }
    body(response);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(path, resolve));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dj-bad-endpoint-'));
  const http500 = (response: import('node:http').ServerResponse) => {
    response.writeHead(500, { 'Content-Type': 'text/plain' });
    response.end('internal error');
  };
  await listen('http500', false, http500);
  await listen('http500AfterPing', true, http500);
  await listen('junk', true, (response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('{"Id": "sha256:… this is not json');
  });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(argv, { DOCKER_JANITOR_STATE_DIR: join(dir, 'state') });

describe.each(['http500', 'junk'] as const)('an endpoint answering %s', (name) => {
  it('clean: exit 3, one line naming the endpoint, no stack', async () => {
    const { code, stderr } = await run(['clean', '--host', `unix://${sockets[name]}`, '--transport', 'api', '--timeout', '2000']);
    expect({ code, stderr }).toEqual({ code: EXIT.docker, stderr: expect.stringContaining(sockets[name]) });
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('sweep --session: exit 3', async () => {
    const { code, stderr } = await run(['sweep', '--session', 'abc', '--host', `unix://${sockets[name]}`, '--transport', 'api', '--timeout', '2000']);
    expect(code).toBe(EXIT.docker);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('an engine that answers its ping, then 500 on a listing', () => {
  // A 500 on a listing means the engine is not working: exit 3 ("Docker unavailable"), with the
  // API's one line, never a stack. A refused individual removal stays exit 1 (in the result).
  it('clean and sweep --session: exit 3, one line', async () => {
    const host = `unix://${sockets.http500AfterPing}`;
    const clean = await run(['clean', '--host', host, '--transport', 'api', '--timeout', '2000']);
    expect(clean).toEqual({ code: EXIT.docker, stdout: '', stderr: 'docker-janitor: Docker API GET /images/json answered 500: internal error\n' });
    const sweep = await run(['sweep', '--session', 'abc', '--host', host, '--transport', 'api', '--timeout', '2000']);
    expect(sweep.code).toBe(EXIT.docker);
    expect(sweep.stderr).not.toMatch(/\n\s+at /);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSessionSocket, type SessionSocket } from '../../../src/socket/server.js';
import { sshDialStdioCommand, upstreamFor, type Upstream } from '../../../src/socket/upstream.js';
import { REPO_ROOT } from '../../support/engine.js';

describe('upstreamFor', () => {
  it('a unix endpoint is its socket path', () => {
    expect(upstreamFor({ kind: 'unix', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock', source: 'default socket' })).toEqual({
      upstream: { socketPath: '/var/run/docker.sock' },
    });
  });

  it('a TCP endpoint keeps its TLS material and whether to verify', () => {
    expect(
      upstreamFor({ kind: 'tcp', url: 'tcp://e:2376', host: 'e', port: 2376, tls: { verify: true, ca: 'CA', cert: 'C', key: 'K' }, source: 'DOCKER_HOST' }),
    ).toEqual({ upstream: { host: 'e', port: 2376, tls: { ca: 'CA', cert: 'C', key: 'K', verify: true } } });
    expect(upstreamFor({ kind: 'tcp', url: 'tcp://e:2375', host: 'e', port: 2375, tls: undefined, source: 'DOCKER_HOST' })).toEqual({
      upstream: { host: 'e', port: 2375 },
    });
  });

  it('an ssh:// engine, from DOCKER_HOST or a context, is the ssh command the docker CLI runs, per connection', () => {
    const command = {
      file: 'ssh',
      args: ['-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T', '-l', 'me', '-p', '2222', '--', 'box', 'docker', 'system', 'dial-stdio'],
      describe: 'ssh://me@box:2222',
    };
    expect(upstreamFor({ kind: 'cli-only', url: 'ssh://me@box:2222', reason: 'ssh:// endpoints are reached through the docker CLI', source: 'DOCKER_HOST' })).toEqual({
      upstream: { command },
    });
    expect(
      upstreamFor({ kind: 'cli-only', url: 'ssh://me@box:2222', reason: 'ssh:// endpoints are reached through the docker CLI', source: 'context "remote"', context: 'remote' }),
    ).toEqual({ upstream: { command } });
  });

  it('other CLI-only endpoints, an ssh:// URL the docker CLI refuses, and nothing found are reasons, not upstreams', () => {
    expect(upstreamFor({ kind: 'cli-only', url: 'ssh://me:secret@box', reason: 'ssh:// endpoints are reached through the docker CLI', source: 'DOCKER_HOST' })).toEqual({
      unsupported: 'the engine ssh://me:secret@box is reached only through the docker CLI (ssh:// endpoints are reached through the docker CLI)',
    });
    expect(upstreamFor({ kind: 'cli-only', url: 'fd://3', reason: 'fd:// endpoints are reached through the docker CLI', source: 'DOCKER_HOST' })).toEqual({
      unsupported: 'the engine fd://3 is reached only through the docker CLI (fd:// endpoints are reached through the docker CLI)',
    });
    expect(upstreamFor({ kind: 'none', tried: ['/var/run/docker.sock'] })).toEqual({ unsupported: 'no Docker engine found (tried /var/run/docker.sock)' });
  });
});

describe('sshDialStdioCommand', () => {
  it.each([
    ['ssh://box', ['--', 'box', 'docker', 'system', 'dial-stdio']],
    ['ssh://me@box', ['-l', 'me', '--', 'box', 'docker', 'system', 'dial-stdio']],
    ['ssh://me@[::1]:22', ['-l', 'me', '-p', '22', '--', '::1', 'docker', 'system', 'dial-stdio']],
    ['ssh://me@box/run/user/1000/docker.sock', ['-l', 'me', '--', 'box', 'docker', '--host', 'unix:///run/user/1000/docker.sock', 'system', 'dial-stdio']],
    // The host comes after `--`: a host that looks like an option stays a host.
    ['ssh://-oProxyCommand=x', ['--', '-oProxyCommand=x', 'docker', 'system', 'dial-stdio']],
  ])('%s', (url, tail) => {
    expect(sshDialStdioCommand(url)).toEqual({ file: 'ssh', args: ['-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T', ...tail], describe: url });
  });

  it.each(['ssh://me:pw@box', 'ssh://box?x=1', 'ssh://box#f', 'ssh://', 'tcp://box:2375', 'not a url', 'ssh://%E0%A4%A@box', 'ssh://box/%E0%A4%A'])('refuses %s', (url) => {
    expect(sshDialStdioCommand(url)).toBeUndefined();
  });

  it('takes the ssh program to run', () => {
    expect(sshDialStdioCommand('ssh://box', '/opt/ssh')?.file).toBe('/opt/ssh');
  });
});

describe('a command upstream through the session socket (a stand-in engine on stdio)', () => {
  const STDIO_ENGINE = join(REPO_ROOT, 'fixtures/programs/stdio-engine.mjs');
  let dir: string;
  let socket: SessionSocket | undefined;
  const problems: string[] = [];

  afterEach(async () => {
    await socket?.close();
    socket = undefined;
    problems.length = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(command: Extract<Upstream, { command: unknown }>['command']): Promise<string> {
    dir = mkdtempSync(join(tmpdir(), 'dj-command-upstream-'));
    const path = join(dir, 'docker.sock');
    socket = await startSessionSocket({ path, upstream: { command }, labels: { 'docker-janitor.session': 's1' }, onProblem: (m) => problems.push(m) });
    return path;
  }

  function call(path: string, method: string, target: string, options: { body?: unknown; agent?: http.Agent } = {}): Promise<{ status: number; json: any; text: string }> {
    return new Promise((resolve, reject) => {
      const data = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
      const request = http.request(
        { socketPath: path, method, path: target, agent: options.agent ?? false, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: response.statusCode ?? 0, json, text });
          });
        },
      );
      request.on('error', reject);
      request.end(data);
    });
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('relays requests on one process per connection, labels a create, and kills the process when the socket closes', async () => {
    const path = await start({ file: process.execPath, args: [STDIO_ENGINE], describe: 'stdio engine' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ping = await call(path, 'GET', '/_ping', { agent });
    expect(ping.status).toBe(200);
    const created = await call(path, 'POST', '/v1.41/containers/create', { agent, body: { Image: 'x', Labels: { mine: '1' } } });
    expect(created.json.request).toBe('POST /v1.41/containers/create HTTP/1.1');
    expect(JSON.parse(created.json.body)).toEqual({ Image: 'x', Labels: { mine: '1', 'docker-janitor.session': 's1' } });
    // Kept alive: both went through the same process.
    expect(created.json.pid).toBe(ping.json.pid);
    const other = await call(path, 'GET', '/_ping');
    expect(other.json.pid).not.toBe(ping.json.pid);
    expect(alive(ping.json.pid)).toBe(true);
    await socket!.close();
    agent.destroy();
    await expect.poll(() => alive(ping.json.pid), { timeout: 30_000 }).toBe(false);
    expect(problems).toEqual([]);
  });

  it('a command that fails before answering is a 502 that carries its last stderr line; the socket stays up', async () => {
    const path = await start({
      file: process.execPath,
      args: ['-e', "process.stderr.write('warning: something\\nssh: connect to host box port 22: Connection refused\\n'); process.exit(255)"],
      describe: 'ssh://box',
    });
    for (let i = 0; i < 2; i++) {
      const answer = await call(path, 'GET', '/_ping');
      expect(answer.status).toBe(502);
      expect(answer.json.message).toMatch(/^docker-janitor session socket: .*ssh:\/\/box: .* failed \(exit 255\): ssh: connect to host box port 22: Connection refused$/);
    }
    expect(problems).toHaveLength(2);
  });

  it('a command that cannot be started is a 502 naming it', async () => {
    const path = await start({ file: join(tmpdir(), 'dj-no-such-ssh'), args: ['box'], describe: 'ssh://box' });
    const answer = await call(path, 'GET', '/_ping');
    expect(answer.status).toBe(502);
    expect(answer.json.message).toContain('ENOENT');
  });

  it('at most maxProcesses at once: a connection over the bound is a 502, and the next one after a close is served', async () => {
    const path = await start({ file: process.execPath, args: [STDIO_ENGINE], describe: 'stdio engine', maxProcesses: 1 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await call(path, 'GET', '/_ping', { agent })).status).toBe(200);
    const over = await call(path, 'GET', '/_ping');
    expect(over.status).toBe(502);
    expect(over.json.message).toContain('1 engine connections through');
    agent.destroy();
    await expect.poll(async () => (await call(path, 'GET', '/_ping')).status, { timeout: 30_000 }).toBe(200);
  });
});

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanSpec } from '../../../src/cli/commands/clean.js';
import { UsageError, type Command } from '../../../src/cli/command.js';
import { commands, EXIT } from '../../../src/cli/main.js';
import { runCli } from '../../support/cli.js';
import { DockerCommandError } from '../../../src/docker/errors.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const run = (argv: string[], env: NodeJS.ProcessEnv = {}, table: readonly Command[] = commands) => runCli(argv, env, table);

describe('help and version', () => {
  it('--help documents the commands, every clean option and the exit codes', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('docker-janitor clean [options]');
    for (const flag of ['--dry-run', '--json', '--older-than DURATION', '--label K[=V]', '--exclude-label K[=V]', '--remove-digested', '--docker-path PATH', '--host HOST', '--timeout MS']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*bad usage.*\n {2}3 .*not reachable/);
  });

  it('help and --help print the whole help; help clean and clean --help the same, for clean', async () => {
    const help = (await run(['--help'])).stdout;
    expect((await run(['help'])).stdout).toBe(help);
    expect(help).toContain('Options of clean:');
    expect(help).toContain('Options of sweep:');
    const clean = (await run(['help', 'clean'])).stdout;
    expect((await run(['clean', '--help'])).stdout).toBe(clean);
    expect(clean).toContain('Options of clean:');
    expect(clean).not.toContain('Options of sweep:');
  });

  it('--version prints the package.json version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });
});

describe('usage errors: exit 2, one line naming the option, the value and what is allowed', () => {
  it.each([
    [['clean', '--older-than', 'yesterday'], 'invalid value "yesterday" for --older-than: expected a duration such as 90s, 30m, 1h, 7d or 1h30m'],
    [['clean', '--timeout', '-5'], 'invalid value "-5" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['clean', '--timeout', '-1'], 'invalid value "-1" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['clean', '--host', 'tcp://127.0.0.1:99999'], 'invalid value "tcp://127.0.0.1:99999" for --host: its port 99999 is outside 1-65535; expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST'],
    [['clean', '--host', 'tcp://[::1]:0'], 'invalid value "tcp://[::1]:0" for --host: its port 0 is outside 1-65535; expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST'],
    [['sweep', '--session', 'abc-12345678', '--host', 'tcp://h:x'], 'invalid value "tcp://h:x" for --host: its port "x" is not a number; expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST'],
    [['clean', '--timeout', '99999999999999999999'], 'invalid value "99999999999999999999" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['sessions', '--timeout', '0086400001'], 'invalid value "0086400001" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['clean', '--host', 'ssh://'], 'invalid value "ssh://" for --host: the ssh:// endpoint has no host; expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST'],
    [['clean', '--host', 'fd://'], 'invalid value "fd://" for --host: fd:// is where a daemon listens, not an endpoint a client can use; expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST'],
    [['clean', '--timeout', 'soon'], 'invalid value "soon" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['clean', '--timeout', '0'], 'invalid value "0" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['clean', '--timeout', '2147483648'], 'invalid value "2147483648" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['sweep', '--timeout', '86400001'], 'invalid value "86400001" for --timeout: expected a positive whole number of milliseconds, at most 86400000 (24 hours)'],
    [['clean', '--label', 'has space'], 'invalid value "has space" for --label: expected KEY or KEY=VALUE'],
    [['clean', '--host', ''], 'option --host needs a value (HOST)'],
    [['clean', '--force'], 'unknown option --force for clean; allowed: --dry-run, --json, --older-than, --label, --exclude-label, --remove-digested, --docker-path, --host, --context, --timeout, --transport, --report-file, --no-job-summary, --help'],
    [['prune'], 'unknown command "prune"; expected one of: clean, sweep, sessions'],
    // Without --session each dead session is swept on the engine it recorded: no flag is taken only to be ignored.
    [['sweep', '--host', 'unix:///x.sock'], '--host only with --session ID: without it, each dead session is swept on the engine it recorded'],
    [['sweep', '--context', 'c', '--transport', 'api'], '--context, --transport only with --session ID: without it, each dead session is swept on the engine it recorded'],
  ])('%j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(EXIT.usage);
    expect(stdout).toBe('');
    expect(stderr).toBe(`docker-janitor: ${message} (see docker-janitor --help)\n`);
  });
});

describe('DOCKER_HOST that no client can reach: exit 2 (a usage error, as --host), one line, nothing asked', () => {
  it.each([
    [['clean'], 'tcp://127.0.0.1:99999', 'its port 99999 is outside 1-65535'],
    [['clean', '--dry-run', '--transport', 'cli'], 'tcp://[::1]:0', 'its port 0 is outside 1-65535'],
    [['sweep', '--session', 'abc-12345678'], 'tcp://localhost:docker', 'its port "docker" is not a number'],
  ])('%j with DOCKER_HOST=%s', async (argv, host, reason) => {
    const { code, stdout, stderr } = await run(argv, { DOCKER_HOST: host });
    expect(code).toBe(EXIT.usage);
    expect(stdout).toBe('');
    expect(stderr).toBe(`docker-janitor: DOCKER_HOST ${host} is not a usable Docker endpoint: ${reason}. (see docker-janitor --help)\n`);
  });
});

describe('Docker missing or unreachable: exit 3, one clear line', () => {
  let dir: string;
  let hung: Server;
  const connections: Socket[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dj-cli-'));
    // An engine socket that accepts connections and never answers.
    hung = createServer((socket) => connections.push(socket));
    await new Promise<void>((resolve) => hung.listen(join(dir, 'hung.sock'), resolve));
  });
  afterAll(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => hung.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the docker path that does not exist', async () => {
    const { code, stdout, stderr } = await run(['clean', '--docker-path', join(dir, 'no-docker')]);
    expect(code).toBe(EXIT.docker);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `docker-janitor: The Docker CLI was not found (tried "${join(dir, 'no-docker')}"). Install Docker, or point docker-janitor at the docker binary (--docker-path, the docker.path option, or DOCKER_JANITOR_DOCKER_PATH).\n`,
    );
  });

  it('honours DOCKER_JANITOR_DOCKER_PATH from the environment it is given', async () => {
    const { code, stderr } = await run(['clean'], { DOCKER_JANITOR_DOCKER_PATH: join(dir, 'nope') });
    expect(code).toBe(EXIT.docker);
    expect(stderr).toContain(`tried "${join(dir, 'nope')}"`);
  });

  it('names the host it tried (--host over DOCKER_HOST)', async () => {
    const host = `unix://${join(dir, 'nothing.sock')}`;
    const { code, stdout, stderr } = await run(['clean', '--host', host], { DOCKER_HOST: 'unix:///should/not/be/used.sock' });
    expect(code).toBe(EXIT.docker);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toMatch(new RegExp(`^docker-janitor: The Docker engine is not reachable at ${host}\\. Is it running\\?`));
  });

  it('uses DOCKER_HOST from the environment it is given', async () => {
    const host = `unix://${join(dir, 'env.sock')}`;
    const { code, stderr } = await run(['clean'], { DOCKER_HOST: host });
    expect(code).toBe(EXIT.docker);
    expect(stderr).toContain(`not reachable at ${host}`);
  });

  it('--json prints nothing on stdout when Docker is unreachable', async () => {
    const { code, stdout, stderr } = await run(['clean', '--json', '--host', `unix://${join(dir, 'nothing.sock')}`]);
    expect(code).toBe(EXIT.docker);
    expect(stdout).toBe('');
    expect(stderr).toContain('not reachable');
  });

  it('garbage output from the docker CLI: exit 1, one line naming the command, no stack', async () => {
    const fake = join(dir, 'garbage-docker');
    writeFileSync(fake, '#!/bin/sh\necho "<html>502 Bad Gateway</html>"\n');
    chmodSync(fake, 0o755);
    const { code, stdout, stderr } = await run(['clean', '--docker-path', fake]);
    expect(code).toBe(EXIT.failed);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    // Through the CLI engine (clean runs on an Engine): a listing (images and containers, asked together), or the inspection of what it listed, is named.
    expect(stderr).toMatch(/^docker-janitor: Unexpected output from docker (image|container) (ls|inspect) /);
    expect(stderr).not.toContain('please report');
  });

  it('an engine that never answers: the call times out, exit 3, one line', async () => {
    const { code, stdout, stderr } = await run(['clean', '--timeout', '1000', '--host', `unix://${join(dir, 'hung.sock')}`]);
    expect(code).toBe(EXIT.docker);
    expect(stdout).toBe('');
    // Through the Engine API (auto, for a unix socket): the first request times out.
    expect(stderr).toBe(`docker-janitor: The Docker engine at unix://${join(dir, 'hung.sock')} did not answer GET /_ping within 1000 ms.\n`);
  });
});

describe('the command table', () => {
  it('dispatches to a command added to the table, with its own options', async () => {
    const seen: unknown[] = [];
    const sweep: Command = {
      spec: { name: 'forget', usage: '[--session ID]', summary: 'Remove dead sessions', options: { session: { type: 'string', value: 'ID', description: 'One session' } } },
      async run(values) {
        seen.push(values);
        return 0;
      },
    };
    const { code, stderr } = await run(['forget', '--session', 'abc'], {}, [...commands, sweep]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(seen).toEqual([{ session: 'abc' }]);
    expect((await run(['--help'], {}, [...commands, sweep])).stdout).toContain('docker-janitor forget [--session ID]  Remove dead sessions');
  });

  it('maps what a command throws to exit codes: usage 2, docker command failure 1, anything else 1', async () => {
    const throwing = (error: unknown): Command => ({
      spec: { ...cleanSpec, name: 'boom' },
      async run() {
        throw error;
      },
    });
    const usage = await run(['boom'], {}, [throwing(new UsageError('invalid value "x" for --y: expected z'))]);
    expect(usage).toEqual({ code: 2, stdout: '', stderr: 'docker-janitor: invalid value "x" for --y: expected z (see docker-janitor --help)\n' });

    const failed = await run(['boom'], {}, [throwing(new DockerCommandError(['image', 'ls'], 1, 'Error response from daemon: bad\nmore', false))]);
    expect(failed).toEqual({ code: 1, stdout: '', stderr: 'docker-janitor: Command failed with exit code 1: docker image ls: Error response from daemon: bad\n' });

    const bug = await run(['boom'], {}, [throwing(new TypeError('oops'))]);
    expect(bug.code).toBe(1);
    expect(bug.stderr).toMatch(/^docker-janitor: unexpected error \(please report it\): TypeError: oops/);
  });
});

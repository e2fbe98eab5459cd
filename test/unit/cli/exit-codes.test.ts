/**
 * The engine's typed errors → exit codes and one line on stderr: every way the engine cannot be
 * asked (unreachable, timeout, not a Docker engine, nothing found, a 5xx on a listing) is exit 3;
 * a 4xx refusal is exit 1 (a refused removal is an outcome in the result: exit 1 too). Never a stack trace.
 */
import { describe, expect, it } from 'vitest';
import { cleanSpec } from '../../../src/cli/commands/clean.js';
import type { CliIO, Command } from '../../../src/cli/command.js';
import { EXIT, main } from '../../../src/cli/main.js';
import {
  DockerApiError,
  DockerNotAnEngineError,
  DockerNotFoundError,
  DockerTimeoutError,
  DockerUnreachableError,
} from '../../../src/docker/errors.js';

async function runThrowing(error: unknown) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    env: {},
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    isTTY: false,
  };
  const command: Command = {
    spec: { ...cleanSpec, name: 'boom' },
    async run() {
      throw error;
    },
  };
  const code = await main(['boom'], io, [command]);
  return { code, stdout, stderr };
}

describe('engine errors at the CLI edge', () => {
  it.each([
    [new DockerUnreachableError('unix:///x.sock', 'ECONNREFUSED: connect ECONNREFUSED /x.sock'), 'The Docker engine is not reachable at unix:///x.sock. Is it running? (ECONNREFUSED: connect ECONNREFUSED /x.sock)'],
    [new DockerTimeoutError('unix:///x.sock', 1500, 'GET /v1.41/images/json'), 'The Docker engine at unix:///x.sock did not answer GET /v1.41/images/json within 1500 ms.'],
    [new DockerNotAnEngineError('unix:///x.sock', 'GET /_ping answered 500: oops\nsecond line'), 'What answers at unix:///x.sock is not a Docker engine (GET /_ping answered 500: oops).'],
    [new DockerNotFoundError(['/var/run/docker.sock', '/home/u/.docker/run/docker.sock']), 'No Docker engine found: no DOCKER_HOST, no docker context, no docker CLI, and no socket at /var/run/docker.sock, /home/u/.docker/run/docker.sock. Set DOCKER_HOST or --host.'],
  ])('%s → exit 3, one line', async (error, line) => {
    expect(await runThrowing(error)).toEqual({ code: EXIT.docker, stdout: '', stderr: `docker-janitor: ${line}\n` });
  });

  it('a 5xx on a listing (the engine is not working) → exit 3, one line', async () => {
    const error = new DockerApiError('GET /containers/json', 500, 'something broke\nand more');
    expect(await runThrowing(error)).toEqual({ code: EXIT.docker, stdout: '', stderr: 'docker-janitor: Docker API GET /containers/json answered 500: something broke\n' });
  });

  it('a 4xx refusal of a request → exit 1, one line', async () => {
    const error = new DockerApiError('GET /images/json', 400, 'invalid filter\nand more');
    expect(await runThrowing(error)).toEqual({ code: EXIT.failed, stdout: '', stderr: 'docker-janitor: Docker API GET /images/json answered 400: invalid filter\n' });
  });
});

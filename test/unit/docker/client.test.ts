/**
 * The client's timeouts end a call whatever the docker CLI's children do: fake CLIs (shell
 * scripts) that leave a grandchild holding the pipes. No daemon needed.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/docker/client.js';
import { DockerCommandError } from '../../../src/docker/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dj-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeDocker(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Running, not a zombie (an orphan's zombie may linger where pid 1 does not reap). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

const grandchildPid = (file: string) => Number(readFileSync(file, 'utf8').trim());

describe('a hung docker CLI', () => {
  it('times out although a grandchild holds the pipes, and its whole process group is killed', async () => {
    const pidFile = join(dir, 'hang.pid');
    const docker = createDockerClient({ dockerPath: fakeDocker('hang', `sleep 1000 &\necho $! > ${pidFile}\nsleep 1000`), timeoutMs: 500 });
    const started = Date.now();
    const error = await docker.run(['ps']).catch((caught: unknown) => caught);
    // The grandchild would hold the pipes for 1000 s; the bound leaves room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(DockerCommandError);
    expect((error as DockerCommandError).timedOut).toBe(true);
    expect((error as DockerCommandError).shortMessage).toBe('Command timed out after 500 ms: docker ps');
    expect(await waitDead(grandchildPid(pidFile))).toBe(true);
  });

  it('a CLI that exits while a grandchild keeps stdout open returns at once, with its output', async () => {
    const pidFile = join(dir, 'leftover.pid');
    const docker = createDockerClient({ dockerPath: fakeDocker('leftover', `sleep 1000 &\necho $! > ${pidFile}\necho hi`), timeoutMs: 10_000 });
    const started = Date.now();
    const result = await docker.run(['ps']);
    // Well under the 10 s timeout the call would otherwise wait for.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.stdout).toBe('hi\n');
    expect(await waitDead(grandchildPid(pidFile))).toBe(true);
  });

  it('a missing CLI is DockerNotInstalledError', async () => {
    const docker = createDockerClient({ dockerPath: join(dir, 'nope') });
    await expect(docker.run(['ps'])).rejects.toMatchObject({ code: 'DOCKER_NOT_INSTALLED' });
  });
});

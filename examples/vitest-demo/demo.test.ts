/**
 * A test file like yours: it starts containers, a network and a volume, and builds an image
 * twice under one tag (the first build is left dangling). It uses no docker-janitor API and
 * cleans up nothing itself: the plugin's session socket (DOCKER_HOST) labels everything it
 * creates, and teardown removes it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const BASE = process.env.DEMO_BASE_IMAGE ?? 'dj-demo-base:latest';
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

it('talks to a "database" on its own network', () => {
  const network = docker('network', 'create', 'demo-net');
  const volume = docker('volume', 'create', 'demo-data');
  const db = docker('run', '-d', '--network', network, '-v', `${volume}:/data`, BASE, 'sleep', '3600');
  expect(docker('inspect', '--format', '{{.State.Running}}', db)).toBe('true');
});

it('creates a tool container', () => {
  const tool = docker('create', BASE, 'echo', 'hello');
  expect(tool).toMatch(/^[0-9a-f]{64}$/);
});

it('builds the app image twice (the first build is left dangling)', () => {
  for (const version of ['1', '2']) {
    const context = mkdtempSync(join(tmpdir(), 'demo-build-'));
    try {
      writeFileSync(join(context, 'Dockerfile'), `FROM ${BASE}\nRUN echo ${version}-${Date.now()} > /version\n`);
      docker('build', '-q', '-t', 'demo-app:latest', context);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  expect(docker('image', 'inspect', '--format', '{{.Id}}', 'demo-app:latest')).toMatch(/^sha256:/);
});

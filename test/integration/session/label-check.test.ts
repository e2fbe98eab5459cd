/**
 * Defence in depth: an engine, or a proxy in front of it, that ignores the label filter answers
 * every container, network and volume it has. A session's removal, over either transport, still
 * removes the session's objects and nothing else: each returned object's labels are checked
 * locally too. The proxy drops `filters` in front of the suite's real engine.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engineFromOptions } from '../../../src/docker/create.js';
import { removeSessionObjects } from '../../../src/session/objects.js';
import { sweepSession } from '../../../src/session/sweep.js';
import { BASE_IMAGE, dockerEnv, dockerSync, privateHost, resetEngine } from '../../support/docker.js';
import { startFilterlessProxy, type FilterlessProxy } from '../../support/filterless-proxy.js';
import { removeStateDir } from '../../support/processes.js';

const run = promisify(execFile);
const LABEL = 'docker-janitor.session';
const MINE = 'mwwv0000-deadbeef';
const OTHER = 'mwwv0001-deadbeef';

let dir: string;
let proxy: FilterlessProxy;

beforeEach(async () => {
  resetEngine();
  dir = mkdtempSync(join(tmpdir(), 'dj-label-check-'));
  proxy = await startFilterlessProxy(privateHost().replace(/^unix:\/\//, ''), dir);
});

afterEach(async () => {
  // The networks go before the engine stops: a bridge left at its shutdown stays on the host.
  resetEngine();
  await proxy.close();
  removeStateDir(dir);
});

/** One container, network and volume labelled `session`, or with no session label when undefined. */
function objects(session: string | undefined, name: string) {
  const label = session === undefined ? ['--label', 'app=prod'] : ['--label', `${LABEL}=${session}`];
  return {
    container: dockerSync(['create', ...label, '--name', name, BASE_IMAGE, 'true']),
    // A subnet of its own: the machine's default pools may be taken by other engines' bridges.
    network: dockerSync(['network', 'create', ...label, '--subnet', `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.0/24`, `${name}-net`]),
    volume: dockerSync(['volume', 'create', ...label, `${name}-data`]),
  };
}

const exists = (kind: 'container' | 'network' | 'volume', id: string) => dockerSync([kind, 'inspect', id], { allowFailure: true }) !== '';

describe.each(['api', 'cli'] as const)('an engine that ignores the label filter, over the %s transport', (transport) => {
  it('the proxy really ignores it: a filtered listing through it names every container', async () => {
    objects(MINE, 'mine');
    objects(undefined, 'prod');
    // Not synchronously: the proxy runs in this process's event loop.
    const { stdout } = await run('docker', ['--host', proxy.host, 'ps', '-aq', '--filter', `label=${LABEL}=${MINE}`], { env: dockerEnv() });
    expect(stdout.trim().split('\n')).toHaveLength(2);
  });

  it('teardown and sweep remove the session\'s objects and nothing else', async () => {
    const mine = objects(MINE, 'mine');
    const theirs = objects(OTHER, 'theirs');
    const prod = objects(undefined, 'prod');
    const { engine } = engineFromOptions({ host: proxy.host, transport, env: dockerEnv(), timeoutMs: 30_000 });
    try {
      const report = await removeSessionObjects(engine, { sessionId: MINE, tracked: [], stopTimeout: 0, keep: false });
      expect(report.containers.removed.map((ref) => ref.id)).toEqual([expect.stringMatching(new RegExp(`^${mine.container}`))]);
      expect(report.networks.removed.map((ref) => ref.id)).toEqual([expect.stringMatching(new RegExp(`^${mine.network}`))]);
      expect(report.volumes.removed).toEqual([{ kind: 'volume', id: mine.volume }]);
      expect(report.warnings).toEqual([]);

      const swept = await sweepSession(engine, OTHER, undefined);
      expect(swept.report?.containers.removed).toHaveLength(1);
    } finally {
      engine.close();
    }
    for (const kind of ['container', 'network', 'volume'] as const) {
      expect(exists(kind, mine[kind])).toBe(false);
      expect(exists(kind, theirs[kind])).toBe(false);
      expect(exists(kind, prod[kind])).toBe(true);
    }
  });
});

/**
 * An engine (or a proxy in front of it) that ignores `filters` answers every container, network
 * and volume it has. The API engine keeps only what carries the labels asked for, so teardown
 * and sweeps remove the session's objects and nothing else. A fake engine on a unix socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiEngine } from '../../../../src/docker/api/engine.js';
import { removeSessionObjects } from '../../../../src/session/objects.js';

const MINE = 'mwwv0000-deadbeef';
const LABEL = 'docker-janitor.session';
const id = (digit: string) => digit.repeat(64);

let dir: string;
let server: Server;
const deletes: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dj-label-check-'));
  server = createServer((request, response) => {
    const path = (request.url ?? '').replace(/^\/v[\d.]+/, '');
    const send = (body: unknown) => {
      response.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'application/json' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (path === '/_ping') return send('OK');
    if (request.method === 'DELETE') {
      deletes.push(path.replace(/\?.*$/, ''));
      response.writeHead(204);
      return response.end();
    }
    // Every object, whatever the filters say.
    const bare = path.replace(/\?.*$/, '');
    if (bare === '/containers/json') {
      return send([
        { Id: id('a'), Names: ['/mine'], ImageID: `sha256:${id('9')}`, State: 'running', Labels: { [LABEL]: MINE } },
        { Id: id('b'), Names: ['/theirs'], ImageID: `sha256:${id('9')}`, State: 'running', Labels: { [LABEL]: 'mwwv0001-deadbeef' } },
        { Id: id('c'), Names: ['/db'], ImageID: `sha256:${id('9')}`, State: 'running', Labels: {} },
        { Id: id('d'), Names: ['/nolabels'], ImageID: `sha256:${id('9')}`, State: 'exited', Labels: null },
      ]);
    }
    // The session's containers' image carries no session label; another image does (the local check, not the filter, decides).
    if (bare === '/images/json') return send([{ Id: `sha256:${id('9')}`, RepoTags: ['base:1'], Labels: null }, { Id: `sha256:${id('8')}`, RepoTags: null, Labels: { [LABEL]: MINE } }]);
    if (bare === '/networks') return send([{ Id: id('e'), Labels: { [LABEL]: MINE } }, { Id: id('f'), Labels: {} }, { Id: id('0') }]);
    if (bare === '/volumes') return send({ Volumes: [{ Name: 'mine-data', Labels: { [LABEL]: MINE } }, { Name: 'prod-data', Labels: null }] });
    response.writeHead(404, { 'Content-Type': 'application/json' });
    response.end('{"message":"not here"}');
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'docker.sock'), resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const engine = () => createApiEngine({ target: { kind: 'unix', socketPath: join(dir, 'docker.sock') }, endpoint: 'unix://fake', timeoutMs: 5000 });

describe('an engine that ignores the label filter', () => {
  it('listings keep only what carries the labels', async () => {
    const api = engine();
    try {
      const filter = [`${LABEL}=${MINE}`];
      expect((await api.listContainers({ labels: filter })).map((container) => container.id)).toEqual([id('a')]);
      expect(await api.listNetworks(filter)).toEqual([id('e')]);
      expect(await api.listVolumes(filter)).toEqual(['mine-data']);
      // Without filters nothing is dropped (the cleaner's listing of every container).
      expect(await api.listContainers()).toHaveLength(4);
    } finally {
      api.close();
    }
  });

  it('a teardown removes the session\'s objects and nothing else', async () => {
    const api = engine();
    try {
      deletes.length = 0;
      const report = await removeSessionObjects(api, { sessionId: MINE, tracked: [], stopTimeout: 0, keep: false });
      expect(report.containers.removed).toEqual([{ kind: 'container', id: id('a') }]);
      expect(report.networks.removed).toEqual([{ kind: 'network', id: id('e') }]);
      expect(report.volumes.removed).toEqual([{ kind: 'volume', id: 'mine-data' }]);
      expect(deletes.sort()).toEqual([`/containers/${id('a')}`, `/networks/${id('e')}`, '/volumes/mine-data']);
    } finally {
      api.close();
    }
  });
});

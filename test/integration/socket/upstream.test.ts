/**
 * The session socket's upstream over TCP, plain and with mutual TLS as a `DOCKER_TLS_VERIFY`
 * engine wants it: a TCP (or TLS) listener in front of the private engine's unix socket stands
 * for a remote engine. Requests through the socket reach it, creates are labelled, and a client
 * certificate the engine does not trust ends in a 502 for that client.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSessionSocket, type SessionSocket } from '../../../src/socket/index.js';
import { BASE_IMAGE, dockerSync, privateHost, resetEngine } from '../../support/docker.js';
import { labelsOf } from './support.js';

const engineSocket = () => privateHost().replace('unix://', '');
let dir: string;
const servers: Server[] = [];

const relayTo = (client: Socket) => {
  const engine = connect(engineSocket());
  client.pipe(engine).pipe(client);
  client.on('error', () => engine.destroy());
  engine.on('error', () => client.destroy());
};
const listen = async (server: Server): Promise<number> => {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

/** One request through the session socket at `path`, asynchronously. */
function call(path: string, method: string, target: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const request = http.request(
      { socketPath: path, method, path: target, agent: false, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(data);
  });
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(() => {
  resetEngine();
  dir = mkdtempSync(join(tmpdir(), 'dj-socket-upstream-'));
  // A CA, a server certificate for 127.0.0.1, a client certificate it signed, and one it did not.
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=dj-test-ca']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const name of ['server', 'client']) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=dj-test-${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
  }
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'stranger-key.pem', '-out', 'stranger.pem', '-days', '1', '-subj', '/CN=stranger']);
});

afterAll(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
  resetEngine();
});

const pem = (name: string) => readFileSync(join(dir, name));

async function socketTo(upstream: Parameters<typeof startSessionSocket>[0]['upstream'], name: string): Promise<SessionSocket> {
  const home = mkdtempSync(join(dir, `${name}-`));
  return startSessionSocket({ path: join(home, 'docker.sock'), upstream, labels: { 'docker-janitor.session': name } });
}

describe('upstream over TCP', () => {
  it('plain TCP: ping, and a create is labelled', async () => {
    const port = await listen(createServer(relayTo));
    const socket = await socketTo({ host: '127.0.0.1', port }, 'tcp-session');
    try {
      expect(socket.upstream).toBe(`tcp://127.0.0.1:${port}`);
      expect(await call(socket.path, 'GET', '/_ping')).toEqual({ status: 200, text: 'OK' });
      const created = await call(socket.path, 'POST', '/v1.41/containers/create', { Image: BASE_IMAGE, Cmd: ['true'], Labels: { user: 'tcp' } });
      expect(created.status).toBe(201);
      const id = (JSON.parse(created.text) as { Id: string }).Id;
      expect(labelsOf('container', id, dockerSync)).toEqual({ 'docker-janitor.session': 'tcp-session', user: 'tcp' });
    } finally {
      await socket.close();
    }
  });

  it('mutual TLS: with the client certificate the engine trusts it works; with another, 502 to that client only', async () => {
    const tlsServer = createTlsServer(
      { key: pem('server-key.pem'), cert: pem('server.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true },
      (client) => relayTo(client as unknown as Socket),
    );
    tlsServer.on('tlsClientError', () => {});
    const port = await listen(tlsServer as unknown as Server);
    const trusted = await socketTo({ host: '127.0.0.1', port, tls: { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client-key.pem') } }, 'tls-session');
    const stranger = await socketTo({ host: '127.0.0.1', port, tls: { ca: pem('ca.pem'), cert: pem('stranger.pem'), key: pem('stranger-key.pem') } }, 'tls-stranger');
    try {
      expect(trusted.upstream).toBe(`https://127.0.0.1:${port}`);
      const created = await call(trusted.path, 'POST', '/containers/create', { Image: BASE_IMAGE, Cmd: ['true'] });
      expect(created.status).toBe(201);
      const id = (JSON.parse(created.text) as { Id: string }).Id;
      expect(labelsOf('container', id, dockerSync)).toEqual({ 'docker-janitor.session': 'tls-session' });

      const refused = await call(stranger.path, 'GET', '/_ping');
      expect(refused.status).toBe(502);
      expect((JSON.parse(refused.text) as { message: string }).message).toMatch(/^docker-janitor session socket: the engine (connection failed|closed the connection)/);
      // The trusted socket is unaffected.
      expect(await call(trusted.path, 'GET', '/_ping')).toEqual({ status: 200, text: 'OK' });
    } finally {
      await trusted.close();
      await stranger.close();
    }
  });
});

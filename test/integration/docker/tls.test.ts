/**
 * The Engine API over TLS with verification (DOCKER_TLS_VERIFY, the CA in DOCKER_CERT_PATH): the
 * engine's certificate is checked against the endpoint's host name, or its IP address, never
 * against the Host header the requests carry (`docker`). A local HTTPS server stands in for the
 * engine; the certificates are made with openssl for the run.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFromOptions } from '../../../src/docker/create.js';
import { DockerNotAnEngineError } from '../../../src/docker/errors.js';
import { helperEnv } from '../../../src/session/processes.js';

let dir: string;
const servers: Server[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** An engine stand-in with the certificate `name`: answers a ping and an empty container listing. */
async function engineWith(name: string): Promise<number> {
  const server = createServer({ key: readFileSync(join(dir, `${name}-key.pem`)), cert: readFileSync(join(dir, `${name}.pem`)) }, (request, response) => {
    if (request.url === '/_ping') {
      response.writeHead(200, { 'Api-Version': '1.41', 'Content-Type': 'text/plain' });
      response.end('OK');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('[]');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** DOCKER_CERT_PATH with the CA (and, as docker has them, a client certificate and key). */
function certPath(): string {
  const path = mkdtempSync(join(dir, 'docker-certs-'));
  copyFileSync(join(dir, 'ca.pem'), join(path, 'ca.pem'));
  copyFileSync(join(dir, 'client.pem'), join(path, 'cert.pem'));
  copyFileSync(join(dir, 'client-key.pem'), join(path, 'key.pem'));
  return path;
}

function engineAt(host: string) {
  return engineFromOptions({ transport: 'api', host, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath() }, timeoutMs: 5_000 }).engine;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dj-tls-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=dj-test-ca']);
  const certificates: Record<string, string> = {
    // An engine named by its host name, and one whose certificate names another host.
    localhost: 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n',
    ip: 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    other: 'subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n',
    client: 'extendedKeyUsage=clientAuth\n',
  };
  for (const [name, extensions] of Object.entries(certificates)) {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=dj-test-${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
  }
});

afterAll(() => {
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Engine API over TLS, verified', () => {
  it('tcp://localhost: the certificate for localhost is accepted (not checked against the Host header)', async () => {
    const engine = engineAt(`tcp://localhost:${await engineWith('localhost')}`);
    await engine.ping();
    expect(await engine.listContainers()).toEqual([]);
    engine.close();
  });

  it('tcp://127.0.0.1: the certificate for the address is accepted', async () => {
    const engine = engineAt(`tcp://127.0.0.1:${await engineWith('ip')}`);
    await engine.ping();
    engine.close();
  });

  it('a certificate for another host is refused: not a Docker engine, naming the endpoint', async () => {
    const port = await engineWith('other');
    const engine = engineAt(`tcp://localhost:${port}`);
    const error = await engine.ping().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DockerNotAnEngineError);
    expect(String((error as Error).message)).toMatch(new RegExp(`tcp://localhost:${port}.*ERR_TLS_CERT_ALTNAME_INVALID.*Host: localhost`));
    engine.close();
  });
});

describe("a CA that only the runner's NODE_EXTRA_CA_CERTS names (the session's helpers start without that variable)", () => {
  /** DOCKER_CERT_PATH with the client certificate and key but no ca.pem: the default roots verify the engine. */
  function certPathWithoutCa(): string {
    const path = mkdtempSync(join(dir, 'docker-certs-no-ca-'));
    copyFileSync(join(dir, 'client.pem'), join(path, 'cert.pem'));
    copyFileSync(join(dir, 'client-key.pem'), join(path, 'key.pem'));
    return path;
  }
  const engineWithEnv = (host: string, env: Record<string, string>) =>
    engineFromOptions({ transport: 'api', host, env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPathWithoutCa(), ...env }, timeoutMs: 5_000 }).engine;

  it('the helper environment of a runner with it: the engine is verified with that CA next to the default roots', async () => {
    const host = `tcp://localhost:${await engineWith('localhost')}`;
    const env = helperEnv({ NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }, false) as Record<string, string>;
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    const engine = engineWithEnv(host, env);
    await engine.ping();
    expect(await engine.listContainers()).toEqual([]);
    engine.close();
  });

  it('without it, the same engine is refused (what a helper did before the path was kept for it)', async () => {
    const host = `tcp://localhost:${await engineWith('localhost')}`;
    const engine = engineWithEnv(host, {});
    const error = await engine.ping().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DockerNotAnEngineError);
    expect(String((error as Error).message)).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
    engine.close();
  });
});

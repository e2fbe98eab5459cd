/** Endpoint resolution, the docker CLI's order, over temp dirs: no engine, no real ~/.docker. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineFromOptions } from '../../../src/docker/create.js';
import { defaultSocketPaths, describeEndpoint, EXTRA_CA_ENV, hostUrlProblem, resolveEndpoint, trimGoSpace, type EndpointInputs } from '../../../src/docker/endpoint.js';
import { DockerEndpointError, DockerNotFoundError, DockerUnreachableError } from '../../../src/docker/errors.js';

let home: string;
const sockets = new Set<string>();

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'dj-home-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function inputs(over: Partial<EndpointInputs> = {}): EndpointInputs {
  return {
    env: {},
    homeDir: home,
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    isSocket: (path) => sockets.has(path),
    ...over,
  };
}

function writeContext(configDir: string, name: string, host: string, tls?: { ca: string; skip?: boolean }) {
  const sha = createHash('sha256').update(name).digest('hex');
  mkdirSync(join(configDir, 'contexts/meta', sha), { recursive: true });
  writeFileSync(
    join(configDir, 'contexts/meta', sha, 'meta.json'),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: tls?.skip ?? false } } }),
  );
  if (tls) {
    mkdirSync(join(configDir, 'contexts/tls', sha, 'docker'), { recursive: true });
    writeFileSync(join(configDir, 'contexts/tls', sha, 'docker', 'ca.pem'), tls.ca);
  }
}

describe('resolveEndpoint', () => {
  it('the option host first, over DOCKER_HOST and every context', () => {
    const endpoint = resolveEndpoint(inputs({ host: 'unix:///opt/a.sock', env: { DOCKER_HOST: 'unix:///b.sock', DOCKER_CONTEXT: 'x' } }));
    expect(endpoint).toEqual({ kind: 'unix', url: 'unix:///opt/a.sock', socketPath: '/opt/a.sock', source: 'option' });
  });

  it('then DOCKER_HOST, over DOCKER_CONTEXT and the current context', () => {
    const endpoint = resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://10.0.0.1:2375', DOCKER_CONTEXT: 'x' } }));
    expect(endpoint).toEqual({ kind: 'tcp', url: 'tcp://10.0.0.1:2375', host: '10.0.0.1', port: 2375, tls: undefined, source: 'DOCKER_HOST' });
  });

  it('an explicit context option beats DOCKER_HOST (as docker --context does)', () => {
    const config = join(home, 'cfg-opt');
    writeContext(config, 'remote', 'unix:///ctx.sock');
    const endpoint = resolveEndpoint(inputs({ context: 'remote', env: { DOCKER_HOST: 'unix:///env.sock', DOCKER_CONFIG: config } }));
    expect(endpoint).toMatchObject({ kind: 'unix', socketPath: '/ctx.sock', source: 'context "remote"' });
  });

  it('DOCKER_CONTEXT, then currentContext of config.json (DOCKER_CONFIG respected)', () => {
    const config = join(home, 'cfg');
    writeContext(config, 'colima', `unix://${home}/.colima/default/docker.sock`);
    writeContext(config, 'other', 'unix:///other.sock');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'colima' }));
    expect(resolveEndpoint(inputs({ env: { DOCKER_CONFIG: config } }))).toMatchObject({ kind: 'unix', socketPath: `${home}/.colima/default/docker.sock`, source: 'context "colima"' });
    expect(resolveEndpoint(inputs({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'other' } }))).toMatchObject({ socketPath: '/other.sock' });
  });

  it('~/.docker by default; the "default" context is no context', () => {
    const config = join(home, '.docker');
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ currentContext: 'default' }));
    sockets.add('/var/run/docker.sock');
    try {
      expect(resolveEndpoint(inputs())).toEqual({ kind: 'unix', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock', source: 'default socket' });
    } finally {
      sockets.delete('/var/run/docker.sock');
      rmSync(join(config, 'config.json'));
    }
  });

  it('a tcp context with TLS material from contexts/tls/<sha>/docker', () => {
    const config = join(home, 'cfg-tls');
    writeContext(config, 'secure', 'tcp://dock.example:2376', { ca: 'CA PEM' });
    expect(resolveEndpoint(inputs({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'secure' } }))).toEqual({
      kind: 'tcp',
      url: 'tcp://dock.example:2376',
      host: 'dock.example',
      port: 2376,
      tls: { verify: true, ca: 'CA PEM', cert: undefined, key: undefined },
      source: 'context "secure"',
    });
  });

  it('ssh:// and unknown endpoints (and a context without meta) are CLI-only', () => {
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'ssh://me@box' } }))).toMatchObject({ kind: 'cli-only', url: 'ssh://me@box', source: 'DOCKER_HOST' });
    expect(resolveEndpoint(inputs({ host: 'npipe:////./pipe/docker_engine' }))).toMatchObject({ kind: 'cli-only' });
    expect(resolveEndpoint(inputs({ host: 'fd://' }))).toMatchObject({ kind: 'cli-only' });
    const config = join(home, 'cfg-ssh');
    writeContext(config, 'remote', 'ssh://me@box');
    expect(resolveEndpoint(inputs({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'remote' } }))).toMatchObject({ kind: 'cli-only', context: 'remote', url: 'ssh://me@box' });
    expect(resolveEndpoint(inputs({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'missing' } }))).toMatchObject({ kind: 'cli-only', context: 'missing' });
  });

  it('spaces around a host are dropped, as the docker CLI drops them (opts.ParseHost): a socket path never gets a trailing space', () => {
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'unix:///var/run/docker.sock \n' } }))).toEqual({ kind: 'unix', url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock', source: 'DOCKER_HOST' });
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: ' \ttcp://10.0.0.1:2375\u00a0' } }))).toMatchObject({ kind: 'tcp', host: '10.0.0.1', port: 2375 });
    expect(resolveEndpoint(inputs({ host: ' unix:///opt/a.sock ' }))).toMatchObject({ kind: 'unix', socketPath: '/opt/a.sock', source: 'option' });
    // Only around it: a control character inside is still refused.
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://host\t:2375 ' } }))).toMatchObject({ kind: 'invalid', reason: 'it contains a control character' });
    // Go's TrimSpace keeps U+FEFF, which JavaScript's trim() would drop.
    expect(trimGoSpace('\ufeffx \u3000')).toBe('\ufeffx');
  });

  it('unix:// alone is docker\'s default socket, from DOCKER_HOST as from the option (as the docker CLI takes it)', () => {
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'unix://' } }))).toEqual({ kind: 'unix', url: 'unix://', socketPath: '/var/run/docker.sock', source: 'DOCKER_HOST' });
    expect(resolveEndpoint(inputs({ host: 'unix://' }))).toEqual({ kind: 'unix', url: 'unix://', socketPath: '/var/run/docker.sock', source: 'option' });
  });

  it('a TCP port outside 1-65535 or not a number: an endpoint nobody can reach, named with where it came from', () => {
    for (const [url, reason] of [
      ['tcp://127.0.0.1:99999', 'its port 99999 is outside 1-65535'],
      ['tcp://[::1]:0', 'its port 0 is outside 1-65535'],
      ['tcp://host:abc', 'its port "abc" is not a number'],
      ['https://host:+1', 'its port "+1" is not a number'],
      // ssh:// too (the attack pass: these got "reached only through the docker CLI", and port 0 an `ssh -p 0`)
      ['ssh://host:99999', 'its port 99999 is outside 1-65535'],
      ['ssh://me@host:0', 'its port 0 is outside 1-65535'],
      ['ssh://host:abc/run/docker.sock', 'its port "abc" is not a number'],
      ['ssh://me:secret@host', 'a password in an ssh:// URL is not supported: use an SSH key or agent'],
      ['ssh://ho\nst', 'it contains a control character'],
      ['tcp://host\t:2375', 'it contains a control character'],
      // From DOCKER_HOST as from --host (the fourth attack pass: "reached through the docker CLI").
      ['ssh://', 'the ssh:// endpoint has no host'],
      ['ssh://me@', 'the ssh:// endpoint has no host'],
      ['ssh://me@/run/docker.sock', 'the ssh:// endpoint has no host'],
      ['ssh://:22', 'the ssh:// endpoint has no host'],
    ] as const) {
      const endpoint = resolveEndpoint(inputs({ env: { DOCKER_HOST: url } }));
      expect(endpoint).toEqual({ kind: 'invalid', url, reason, source: 'DOCKER_HOST' });
      expect(describeEndpoint(endpoint)).toBe(`DOCKER_HOST ${url}`);
      expect(hostUrlProblem(url)).toBe(reason);
    }
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://host:' } }))).toMatchObject({ kind: 'tcp', host: 'host', port: 2375 });
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'ssh://me@build-host:2222' } }))).toMatchObject({ kind: 'cli-only' });
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'ssh://build-host/var/run/docker.sock' } }))).toMatchObject({ kind: 'cli-only' });
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://[::1]:65535' } }))).toMatchObject({ kind: 'tcp', host: '::1', port: 65535 });
    const config = join(home, 'cfg-port');
    writeContext(config, 'typo', 'tcp://10.0.0.1:70000');
    const fromContext = resolveEndpoint(inputs({ env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'typo' } }));
    expect(fromContext).toMatchObject({ kind: 'invalid', source: 'context "typo"' });
    expect(describeEndpoint(fromContext)).toBe('context "typo" tcp://10.0.0.1:70000');
  });

  it('TLS for tcp:// from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH (default: the config dir)', () => {
    const certs = join(home, 'certs');
    mkdirSync(certs, { recursive: true });
    writeFileSync(join(certs, 'ca.pem'), 'CA');
    writeFileSync(join(certs, 'cert.pem'), 'CERT');
    writeFileSync(join(certs, 'key.pem'), 'KEY');
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs } }))).toMatchObject({
      port: 2376,
      tls: { verify: true, ca: 'CA', cert: 'CERT', key: 'KEY' },
    });
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://h:1234', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: certs } }))).toMatchObject({
      port: 1234,
      tls: { verify: true, ca: 'CA' },
    });
    expect(resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://h' } }))).toMatchObject({ port: 2375, tls: undefined });
  });

  it("a helper's moved NODE_EXTRA_CA_CERTS is read for a verified engine that has no ca.pem of its own, and only then", () => {
    const certs = join(home, 'certs-no-ca');
    mkdirSync(certs, { recursive: true });
    writeFileSync(join(certs, 'cert.pem'), 'CERT');
    writeFileSync(join(certs, 'key.pem'), 'KEY');
    const extra = join(home, 'extra-ca.pem');
    writeFileSync(extra, 'EXTRA');
    const tlsOf = (env: Record<string, string>) => {
      const endpoint = resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs, ...env } }));
      return endpoint.kind === 'tcp' ? endpoint.tls : undefined;
    };
    expect(tlsOf({ [EXTRA_CA_ENV]: extra })).toEqual({ verify: true, ca: undefined, cert: 'CERT', key: 'KEY', extraCa: 'EXTRA' });
    // Node itself added NODE_EXTRA_CA_CERTS at start: nothing to add.
    expect(tlsOf({ [EXTRA_CA_ENV]: extra, NODE_EXTRA_CA_CERTS: extra })?.extraCa).toBeUndefined();
    expect(tlsOf({})?.extraCa).toBeUndefined();
    // A ca.pem replaces the default roots, the extra ones with them (as in Node).
    writeFileSync(join(certs, 'ca.pem'), 'CA');
    expect(tlsOf({ [EXTRA_CA_ENV]: extra })).toEqual({ verify: true, ca: 'CA', cert: 'CERT', key: 'KEY' });
    // Not verified: no CA is looked at.
    rmSync(join(certs, 'ca.pem'));
    const unverified = resolveEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://h', DOCKER_TLS: '1', DOCKER_CERT_PATH: certs, [EXTRA_CA_ENV]: extra } }));
    expect(unverified.kind === 'tcp' ? unverified.tls?.extraCa : 'not tcp').toBeUndefined();
  });

  it('the platform sockets in order, the first that is a socket', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    expect(defaultSocketPaths(env, home)).toEqual([
      '/var/run/docker.sock',
      '/run/user/1000/docker.sock',
      `${home}/.docker/run/docker.sock`,
      `${home}/.colima/default/docker.sock`,
      '/run/user/1000/podman/podman.sock',
    ]);
    sockets.add('/run/user/1000/podman/podman.sock');
    sockets.add(`${home}/.colima/default/docker.sock`);
    try {
      expect(resolveEndpoint(inputs({ env }))).toMatchObject({ kind: 'unix', socketPath: `${home}/.colima/default/docker.sock` });
    } finally {
      sockets.clear();
    }
  });

  it('nothing found: the list of what was tried, for one warning line', () => {
    const endpoint = resolveEndpoint(inputs({ env: {} }));
    expect(endpoint).toEqual({ kind: 'none', tried: ['/var/run/docker.sock', `${home}/.docker/run/docker.sock`, `${home}/.colima/default/docker.sock`] });
    expect(describeEndpoint(endpoint)).toBe(`no Docker endpoint (tried /var/run/docker.sock, ${home}/.docker/run/docker.sock, ${home}/.colima/default/docker.sock)`);
  });
});

describe('engineFromOptions: the transport', () => {
  let socketDir: string;
  let server: Server;
  let socket: string;

  beforeAll(async () => {
    socketDir = mkdtempSync(join(tmpdir(), 'dj-sock-'));
    socket = join(socketDir, 'docker.sock');
    server = createServer((connection) => connection.destroy());
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(socketDir, { recursive: true, force: true });
  });

  const base = { homeDir: home, isSocket: (path: string) => path === socket };

  it('auto: the API for a socket, even with no docker CLI on PATH', () => {
    const chosen = engineFromOptions({ ...base, env: { PATH: '/nonexistent', DOCKER_HOST: `unix://${socket}` } });
    expect(chosen.transport).toBe('api');
    expect(chosen.engine.transport).toBe('api');
    expect(chosen.description).toBe(`unix://${socket} (api)`);
    chosen.engine.close();
  });

  it('auto: the API for tcp://; the CLI for ssh:// and when a docker path is given', () => {
    expect(engineFromOptions({ ...base, env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } }).transport).toBe('api');
    const ssh = engineFromOptions({ ...base, env: { DOCKER_HOST: 'ssh://me@box' } });
    expect(ssh.transport).toBe('cli');
    expect(ssh.engine.endpoint).toBe('ssh://me@box');
    expect(engineFromOptions({ ...base, path: '/usr/bin/docker', env: { DOCKER_HOST: `unix://${socket}` } }).transport).toBe('cli');
    expect(engineFromOptions({ ...base, transport: 'cli', env: { DOCKER_HOST: `unix://${socket}` } }).transport).toBe('cli');
  });

  it('an endpoint nobody can reach: a DockerEndpointError at once, whatever the transport (nothing is asked)', () => {
    for (const transport of ['auto', 'api', 'cli'] as const) {
      expect(() => engineFromOptions({ ...base, transport, env: { DOCKER_HOST: 'tcp://127.0.0.1:99999' } })).toThrow(
        new DockerEndpointError('DOCKER_HOST tcp://127.0.0.1:99999', 'its port 99999 is outside 1-65535'),
      );
    }
    const error = (() => {
      try {
        engineFromOptions({ ...base, env: { DOCKER_HOST: 'tcp://[::1]:0' } });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect(error?.message).toBe('DOCKER_HOST tcp://[::1]:0 is not a usable Docker endpoint: its port 0 is outside 1-65535.');
  });

  it('api with a CLI-only endpoint, or nothing found: a typed error at once', () => {
    expect(() => engineFromOptions({ ...base, transport: 'api', env: { DOCKER_HOST: 'ssh://me@box' } })).toThrow(DockerUnreachableError);
    expect(() => engineFromOptions({ ...base, transport: 'api', env: {} })).toThrow(DockerNotFoundError);
  });

  it('auto with no socket and no CLI: one DockerNotFoundError naming every place tried', async () => {
    const chosen = engineFromOptions({ ...base, isSocket: () => false, env: { PATH: '/nonexistent' }, path: undefined });
    expect(chosen.transport).toBe('cli');
    const error = await chosen.engine.listImages().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DockerNotFoundError);
    expect((error as Error).message).toContain('/var/run/docker.sock');
    expect((error as Error).message).not.toContain('\n');
  });
});

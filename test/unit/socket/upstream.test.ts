import { describe, expect, it } from 'vitest';
import { upstreamFor } from '../../../src/socket/upstream.js';

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

  it('ssh and nothing found are reasons, not upstreams', () => {
    expect(upstreamFor({ kind: 'cli-only', url: 'ssh://me@box', reason: 'ssh is reached through the docker CLI', source: 'DOCKER_HOST' })).toEqual({
      unsupported: 'the engine ssh://me@box is reached only through the docker CLI (ssh is reached through the docker CLI)',
    });
    expect(upstreamFor({ kind: 'none', tried: ['/var/run/docker.sock'] })).toEqual({ unsupported: 'no Docker engine found (tried /var/run/docker.sock)' });
  });
});

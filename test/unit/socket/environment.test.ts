import { describe, expect, it } from 'vitest';
import { applyEnvironment, socketEnvironment } from '../../../src/socket/environment.js';

describe('socketEnvironment', () => {
  it('points DOCKER_HOST at the socket and unsets what would send clients elsewhere', () => {
    expect(socketEnvironment('/state/s1/docker.sock')).toEqual({
      set: { DOCKER_HOST: 'unix:///state/s1/docker.sock' },
      unset: ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'],
    });
  });

  it('applies and restores exactly: set values back, absent ones absent', () => {
    const env: NodeJS.ProcessEnv = { DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs', OTHER: 'x' };
    const restore = applyEnvironment(env, socketEnvironment('/s/docker.sock'));
    expect(env).toEqual({ DOCKER_HOST: 'unix:///s/docker.sock', OTHER: 'x' });
    restore();
    expect(env).toEqual({ DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs', OTHER: 'x' });

    const empty: NodeJS.ProcessEnv = { DOCKER_CONTEXT: 'colima' };
    const back = applyEnvironment(empty, socketEnvironment('/s/docker.sock'));
    expect(empty).toEqual({ DOCKER_HOST: 'unix:///s/docker.sock' });
    back();
    expect(empty).toEqual({ DOCKER_CONTEXT: 'colima' });
  });
});

/** Which writes to the engine start a create the session socket waits for at close (pure). */
import { describe, expect, it } from 'vitest';
import { startsCreate } from '../../../src/socket/in-flight.js';

const head = (line: string, body = '') => Buffer.from(`${line}\r\nHost: docker\r\nContent-Length: ${body.length}\r\n\r\n${body}`);

describe('startsCreate', () => {
  it('container, network and volume creates, any API version prefix, with a query', () => {
    expect(startsCreate(head('POST /v1.41/containers/create?name=x HTTP/1.1', '{}'))).toBe(true);
    expect(startsCreate(head('POST /containers/create HTTP/1.1'))).toBe(true);
    expect(startsCreate(head('POST /v1.45/networks/create HTTP/1.1', '{}'))).toBe(true);
    expect(startsCreate(head('POST /volumes/create HTTP/1.0', '{}'))).toBe(true);
  });

  it('nothing else: other requests, builds, bodies, tunnel bytes, a cut request line', () => {
    expect(startsCreate(head('GET /v1.41/containers/json HTTP/1.1'))).toBe(false);
    expect(startsCreate(head('POST /v1.41/containers/abc/wait HTTP/1.1'))).toBe(false);
    expect(startsCreate(head('POST /v1.41/containers/abc/start HTTP/1.1'))).toBe(false);
    expect(startsCreate(head('POST /v1.41/build?labels=%7B%7D HTTP/1.1'))).toBe(false);
    expect(startsCreate(head('DELETE /v1.41/containers/create HTTP/1.1'))).toBe(false);
    expect(startsCreate(Buffer.from('{"Image":"POST /containers/create HTTP/1.1"}'))).toBe(false);
    expect(startsCreate(Buffer.from('POST /containers/create HTTP/1.1'))).toBe(false);
    expect(startsCreate(Buffer.from('POST'))).toBe(false);
    expect(startsCreate(new Uint8Array(0))).toBe(false);
  });

  it('a view into a larger buffer is read from its own offset', () => {
    const whole = Buffer.concat([Buffer.from('xxxx'), head('POST /containers/create HTTP/1.1')]);
    expect(startsCreate(whole.subarray(4))).toBe(true);
    expect(startsCreate(whole)).toBe(false);
  });
});

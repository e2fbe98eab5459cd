/**
 * Where the session socket forwards to: the engine's unix socket, or its TCP endpoint with or
 * without TLS. One upstream connection per client connection, so the engine sees the client's
 * own connection pattern (keep-alive, hijacks) and answers arrive in order without parsing.
 */
import { connect as netConnect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ResolvedEndpoint } from '../docker/endpoint.js';

export type Upstream =
  | { readonly socketPath: string }
  | {
      readonly host: string;
      readonly port: number;
      readonly tls?: {
        readonly ca?: string | Buffer | undefined;
        readonly cert?: string | Buffer | undefined;
        readonly key?: string | Buffer | undefined;
        /** Check the engine's certificate against `ca` (default true; false as with DOCKER_TLS without DOCKER_TLS_VERIFY). */
        readonly verify?: boolean;
      };
    };

/**
 * How much may wait in a socket's write buffer before its source is paused. Node's default
 * (16 KiB) is below one 64 KiB read, so every read of a large copy paused and resumed the
 * other side; 1 MiB lets bulk transfers flow (measured in bench/socket.mjs).
 */
export const BUFFER_BYTES = 1024 * 1024;

export function connectUpstream(upstream: Upstream): Socket {
  if ('socketPath' in upstream) {
    // net.Socket hands its options to stream.Duplex, which reads writableHighWaterMark; the
    // type NetConnectOpts does not list it.
    const options: NetConnectOpts & { writableHighWaterMark: number } = { path: upstream.socketPath, allowHalfOpen: true, writableHighWaterMark: BUFFER_BYTES };
    return netConnect(options);
  }
  if (upstream.tls) {
    return tlsConnect({
      host: upstream.host,
      port: upstream.port,
      ...(isIP(upstream.host) ? {} : { servername: upstream.host }),
      ca: upstream.tls.ca,
      cert: upstream.tls.cert,
      key: upstream.tls.key,
      rejectUnauthorized: upstream.tls.verify !== false,
    });
  }
  const options: NetConnectOpts & { writableHighWaterMark: number } = { host: upstream.host, port: upstream.port, allowHalfOpen: true, writableHighWaterMark: BUFFER_BYTES };
  const socket = netConnect(options);
  socket.setNoDelay(true);
  return socket;
}

export function describeUpstream(upstream: Upstream): string {
  if ('socketPath' in upstream) return `unix://${upstream.socketPath}`;
  return `${upstream.tls ? 'https' : 'tcp'}://${upstream.host}:${upstream.port}`;
}

/**
 * The upstream for a resolved engine endpoint, or why the socket cannot relay to it (an
 * endpoint only the docker CLI reaches, such as `ssh://`, or no engine at all): the session
 * then goes on with labels and adoption, and says so in one warning line.
 */
export function upstreamFor(endpoint: ResolvedEndpoint): { readonly upstream: Upstream } | { readonly unsupported: string } {
  switch (endpoint.kind) {
    case 'unix':
      return { upstream: { socketPath: endpoint.socketPath } };
    case 'tcp':
      return {
        upstream: {
          host: endpoint.host,
          port: endpoint.port,
          ...(endpoint.tls ? { tls: { ca: endpoint.tls.ca, cert: endpoint.tls.cert, key: endpoint.tls.key, verify: endpoint.tls.verify } } : {}),
        },
      };
    case 'cli-only':
      return { unsupported: `the engine ${endpoint.url} is reached only through the docker CLI (${endpoint.reason})` };
    case 'none':
      return { unsupported: `no Docker engine found (tried ${endpoint.tried.join(', ')})` };
  }
}

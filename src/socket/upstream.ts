/**
 * Where the session socket forwards to: the engine's unix socket, or its TCP endpoint with or
 * without TLS. One upstream connection per client connection, so the engine sees the client's
 * own connection pattern (keep-alive, hijacks) and answers arrive in order without parsing.
 */
import { connect as netConnect, isIP, type NetConnectOpts, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type Upstream =
  | { readonly socketPath: string }
  | {
      readonly host: string;
      readonly port: number;
      readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
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

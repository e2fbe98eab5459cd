/**
 * Where the session socket forwards to: the engine's unix socket, or its TCP endpoint with or
 * without TLS. One upstream connection per client connection, so the engine sees the client's
 * own connection pattern (keep-alive, hijacks) and answers arrive in order without parsing.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type Upstream =
  | { readonly socketPath: string }
  | {
      readonly host: string;
      readonly port: number;
      readonly tls?: { readonly ca?: string | Buffer; readonly cert?: string | Buffer; readonly key?: string | Buffer };
    };

export function connectUpstream(upstream: Upstream): Socket {
  if ('socketPath' in upstream) return netConnect({ path: upstream.socketPath, allowHalfOpen: true });
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
  const socket = netConnect({ host: upstream.host, port: upstream.port, allowHalfOpen: true });
  socket.setNoDelay(true);
  return socket;
}

export function describeUpstream(upstream: Upstream): string {
  if ('socketPath' in upstream) return `unix://${upstream.socketPath}`;
  return `${upstream.tls ? 'https' : 'tcp'}://${upstream.host}:${upstream.port}`;
}

/**
 * A proxy in front of the suite's engine that drops every `filters` parameter: an engine (or a
 * proxy) that ignores the label filter, which answers every container, network and volume it
 * has. Plain request/answer relaying on a unix socket: enough for listings and removals, from
 * the Engine API client and from the docker CLI.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';

export interface FilterlessProxy {
  readonly host: string;
  close(): Promise<void>;
}

export async function startFilterlessProxy(engineSocket: string, dir: string): Promise<FilterlessProxy> {
  const socketPath = join(dir, 'filterless.sock');
  const server = createServer((incoming: IncomingMessage, answer) => {
    const url = new URL(incoming.url ?? '/', 'http://docker');
    url.searchParams.delete('filters');
    const upstream = request({ socketPath: engineSocket, method: incoming.method, path: `${url.pathname}${url.search}`, headers: incoming.headers }, (response) => {
      answer.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(answer);
    });
    upstream.on('error', () => answer.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

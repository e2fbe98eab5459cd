/**
 * A pass-through in front of the suite's private engine that holds `POST …/containers/create`
 * back for a while before the engine gets it: a slow engine, made from the real one (the engine
 * still does and answers everything; nothing is faked). For the tests of a create in flight
 * when the session socket closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SlowEngine {
  /** `unix://…` of the pass-through. */
  readonly host: string;
  /** Resolves when `count` creates have arrived (before they are held back). */
  createArrived(count?: number): Promise<void>;
  close(): Promise<void>;
}

const CREATE = /^POST (?:\/v[\d.]+)?\/containers\/create[ ?]/;

export async function startSlowEngine(enginePath: string, holdMs: number): Promise<SlowEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'dj-slow-engine-'));
  const path = join(dir, 'engine.sock');
  const sockets = new Set<Socket>();
  let arrivals = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(enginePath);
    sockets.add(client).add(upstream);
    // Client bytes go up in order; a chunk that starts a create waits `holdMs` first.
    let queue = Promise.resolve();
    client.on('data', (data: Buffer) => {
      const hold = CREATE.test(data.toString('latin1', 0, Math.min(data.length, 200)));
      if (hold) arrivals += 1;
      queue = queue.then(async () => {
        if (hold) await new Promise((resolve) => setTimeout(resolve, holdMs));
        if (!upstream.destroyed) upstream.write(data);
      });
    });
    upstream.on('data', (data: Buffer) => {
      if (!client.destroyed) client.write(data);
    });
    // The client going away does not stop a create already held: it reaches the engine, as a
    // request the engine already received would complete there.
    client.on('close', () => void queue.then(() => setTimeout(() => upstream.destroy(), 1_000)));
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    host: `unix://${path}`,
    async createArrived(count = 1) {
      while (arrivals < count) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

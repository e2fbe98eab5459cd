/**
 * Engines on the suite's private engine, over both transports, recording every request (API) or
 * docker invocation (CLI), with an optional hook before each Engine call to stage races.
 */
import { createApiEngine } from '../../src/docker/api/engine.js';
import { createCliEngine } from '../../src/docker/cli-engine.js';
import type { Engine, Transport } from '../../src/docker/engine.js';
import { TEMPORARY_REPO } from '../../src/cleaner/temporary.js';
import { privateHost } from './docker.js';

export const TRANSPORTS: readonly Transport[] = ['api', 'cli'];

export interface TestEngine {
  readonly engine: Engine;
  /** `DELETE /v1.41/images/…` or `docker image rm …`, one line per request or invocation. */
  readonly log: string[];
  /** Every way the records break the cleaner's promises; empty when all is well. */
  unsafe(options?: { allowIds?: boolean }): string[];
}

export type EngineHook = (method: string, args: readonly unknown[]) => void | Promise<void>;

export function testEngine(transport: Transport, options: { hook?: EngineHook; timeoutMs?: number } = {}): TestEngine {
  const host = privateHost();
  const log: string[] = [];
  const base =
    transport === 'api'
      ? createApiEngine({
          target: { kind: 'unix', socketPath: host.replace(/^unix:\/\//, '') },
          endpoint: host,
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          onRequest: (request) => log.push(`${request.method} ${request.path}`),
        })
      : createCliEngine({ host, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), onCommand: (args) => log.push(`docker ${args.join(' ')}`) });
  const engine = options.hook ? hooked(base, options.hook) : base;
  return { engine, log, unsafe: (check = {}) => unsafeCalls(log, check) };
}

/** The same engine, with `hook` awaited before each call. */
export function hooked(engine: Engine, hook: EngineHook): Engine {
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'close' || property === 'watchContainerCreates') return value;
      if (property === 'scope') return () => hooked(target.scope(), hook);
      return async (...args: unknown[]) => {
        await hook(String(property), args);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const isOurs = (reference: string) => reference.replace(/^(docker\.io\/)?(library\/)?/, '').startsWith(`${TEMPORARY_REPO}:`);
const isFullId = (reference: string) => /^sha256:[0-9a-f]{64}$/.test(reference);

/**
 * An image removal that forces, or names anything but one of our temporary references (or, with
 * `allowIds`, a full image ID: the last step of removeDigested); a prune; anything touching containers.
 */
export function unsafeCalls(log: readonly string[], options: { allowIds?: boolean } = {}): string[] {
  const problems: string[] = [];
  const allowed = (reference: string) => isOurs(reference) || (options.allowIds === true && isFullId(reference));
  for (const line of log) {
    const api = /^(GET|POST|DELETE|PUT|HEAD) (\S+)$/.exec(line);
    if (api) {
      const [, method, path = ''] = api;
      const [pathname = '', query = ''] = path.split('?');
      const bare = pathname.replace(/^\/v[\d.]+/, '');
      if (method === 'DELETE' && bare.startsWith('/images/')) {
        const reference = decodeURIComponent(bare.slice('/images/'.length));
        if (/(^|&)force=/.test(query)) problems.push(`${line}: forced image removal`);
        if (!allowed(reference)) problems.push(`${line}: removes "${reference}", not a temporary reference of the cleaner`);
      }
      if (bare.startsWith('/images/prune')) problems.push(`${line}: the cleaner must not prune`);
      if (bare.startsWith('/containers/') && method !== 'GET') problems.push(`${line}: the image cleaner must not touch containers`);
      continue;
    }
    const args = line.replace(/^docker /, '').split(' ');
    const [a, b] = args;
    const operands = a === 'rmi' ? args.slice(1) : a === 'image' && (b === 'rm' || b === 'remove') ? args.slice(2) : undefined;
    if (operands) {
      for (const operand of operands) {
        if (operand === '--force' || operand === '-f' || /^--force=/.test(operand) || /^-[a-z]*f/.test(operand)) problems.push(`${line}: forced image removal`);
        else if (!allowed(operand)) problems.push(`${line}: removes "${operand}", not a temporary reference of the cleaner`);
      }
    }
    if ((a === 'image' && b === 'prune') || (a === 'system' && b === 'prune')) problems.push(`${line}: the cleaner must not prune`);
    if (a === 'rm' || (a === 'container' && (b === 'rm' || b === 'prune'))) problems.push(`${line}: the image cleaner must not touch containers`);
  }
  return problems;
}

/**
 * Node's built-in modules that are needed only now and then, loaded by their first use: the
 * watchdog that serves the session socket starts without them (scripts/bundle-watchdog.mjs), and
 * a run on a unix engine never loads the TLS ones.
 * - `node:http`: the session socket's own requests (a named volume's create, the image listings
 *   around a build);
 * - `node:https`, `node:tls`: a TLS engine's connections (about 30 ms to load);
 * - `node:child_process`: an `ssh://` engine's `docker system dial-stdio` processes;
 * - `node:crypto`: a context's directory name.
 */
import type * as ChildProcess from 'node:child_process';
import type * as Crypto from 'node:crypto';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

const load = createRequire(import.meta.url);

export const nodeHttp = (): typeof Http => load('node:http') as typeof Http;
export const nodeHttps = (): typeof Https => load('node:https') as typeof Https;
export const nodeTls = (): typeof Tls => load('node:tls') as typeof Tls;
export const nodeChildProcess = (): typeof ChildProcess => load('node:child_process') as typeof ChildProcess;
export const nodeCrypto = (): typeof Crypto => load('node:crypto') as typeof Crypto;

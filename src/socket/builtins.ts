/**
 * Node's built-in modules that the session socket needs only now and then, loaded by their first
 * use: the watchdog that serves the socket starts without them (scripts/bundle-watchdog.mjs).
 * - `node:http`: the socket's own requests (a named volume's create, the image listings around
 *   a build);
 * - `node:tls`: a TLS engine's connections;
 * - `node:child_process`: an `ssh://` engine's `docker system dial-stdio` processes.
 */
import type * as ChildProcess from 'node:child_process';
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

const load = createRequire(import.meta.url);

export const nodeHttp = (): typeof Http => load('node:http') as typeof Http;
export const nodeTls = (): typeof Tls => load('node:tls') as typeof Tls;
export const nodeChildProcess = (): typeof ChildProcess => load('node:child_process') as typeof ChildProcess;

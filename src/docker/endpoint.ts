/**
 * Which engine to talk to, chosen once, the way the docker CLI chooses:
 *
 *  1. `docker.host` / `--host`, then `DOCKER_HOST`;
 *  2. `docker.context` / `DOCKER_CONTEXT`, then `currentContext` in `$DOCKER_CONFIG/config.json`
 *     (default `~/.docker`), its endpoint read from `contexts/meta/<sha256(name)>/meta.json`
 *     (`default` is no context);
 *  3. the platform sockets testcontainers also tries, the first that exists as a socket.
 *
 * Pure: the environment, the home directory and every file read are parameters, so tests give
 * temp dirs. Nothing here talks to an engine.
 */
import { join } from 'node:path';
import { nodeCrypto } from './builtins.js';

export interface TlsMaterial {
  /** Check the server's certificate against `ca` (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify). */
  readonly verify: boolean;
  /** PEM text, when the file exists. */
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /**
   * PEM text of the CAs `NODE_EXTRA_CA_CERTS` named for the runner, when this process started
   * without that variable (the session's helpers do: see EXTRA_CA_ENV) and no `ca` replaces the
   * default roots: they are trusted next to Node's own roots, as they were in the runner.
   */
  readonly extraCa?: string | undefined;
}

/**
 * Where a session's helper processes find the runner's `NODE_EXTRA_CA_CERTS`: they start without
 * that variable, which Node parses before any code runs (about 40 ms with Debian's bundle), and
 * read the file only for an engine reached over TLS.
 */
export const EXTRA_CA_ENV = 'DOCKER_JANITOR_EXTRA_CA_CERTS';

/** Where the endpoint came from, for messages. */
export type EndpointSource = 'option' | 'DOCKER_HOST' | `context "${string}"` | 'default socket';

export type ResolvedEndpoint =
  | { readonly kind: 'unix'; readonly url: string; readonly socketPath: string; readonly source: EndpointSource }
  | {
      readonly kind: 'tcp';
      readonly url: string;
      readonly host: string;
      readonly port: number;
      readonly tls: TlsMaterial | undefined;
      readonly source: EndpointSource;
    }
  /** Nobody can reach it: a TCP port outside 1-65535 or not a number. Nothing is asked. */
  | { readonly kind: 'invalid'; readonly url: string; readonly reason: string; readonly source: EndpointSource }
  /** Only the docker CLI reaches it: `ssh://`, `npipe://`, `fd://`, a context we cannot read. */
  | { readonly kind: 'cli-only'; readonly url: string; readonly reason: string; readonly source: EndpointSource; readonly context?: string }
  /** Nothing configured and no socket at any usual place. `tried`: the places, for one warning line. */
  | { readonly kind: 'none'; readonly tried: readonly string[] };

export interface EndpointInputs {
  /** `docker.host` / `--host`. */
  readonly host?: string | undefined;
  /** `docker.context` / `--context`. */
  readonly context?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  /** The text of a file, or undefined when it cannot be read. */
  readonly readFile: (path: string) => string | undefined;
  /** True when `path` exists and is a socket. */
  readonly isSocket: (path: string) => boolean;
}

/** The sockets tried when nothing is configured, in order. */
export function defaultSocketPaths(env: Readonly<Record<string, string | undefined>>, homeDir: string): string[] {
  const xdg = env.XDG_RUNTIME_DIR;
  return [
    '/var/run/docker.sock',
    ...(xdg ? [join(xdg, 'docker.sock')] : []),
    join(homeDir, '.docker/run/docker.sock'),
    join(homeDir, '.colima/default/docker.sock'),
    ...(xdg ? [join(xdg, 'podman/podman.sock')] : []),
  ];
}

export function resolveEndpoint(inputs: EndpointInputs): ResolvedEndpoint {
  const { env } = inputs;
  const configDir = env.DOCKER_CONFIG || join(inputs.homeDir, '.docker');

  // Spaces around a host are dropped, as the docker CLI drops them (docker/cli opts.ParseHost,
  // strings.TrimSpace): `unix:///var/run/docker.sock ` from a .env file works with docker, and a
  // session socket relaying to the path with the space would fail every request of the tests.
  const host = trimGoSpace(inputs.host ?? '');
  if (host) return fromHost(host, 'option', envTls(inputs, configDir));
  const envHost = trimGoSpace(env.DOCKER_HOST ?? '');
  // The option's context beats DOCKER_HOST, as `docker --context x` beats it.
  if (!inputs.context && envHost) return fromHost(envHost, 'DOCKER_HOST', envTls(inputs, configDir));

  const context = inputs.context || env.DOCKER_CONTEXT || currentContext(inputs, configDir);
  if (context && context !== 'default') return fromContext(inputs, configDir, context);

  const tried = defaultSocketPaths(env, inputs.homeDir);
  const found = tried.find((path) => inputs.isSocket(path));
  if (found) return { kind: 'unix', url: `unix://${found}`, socketPath: found, source: 'default socket' };
  return { kind: 'none', tried };
}

/** Unicode White_Space as Go's `unicode.IsSpace` has it (not U+FEFF, which JavaScript's trim() also drops). */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_SPACE_AROUND = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/** Go's `strings.TrimSpace`: Go's white space at both ends. Pure. */
export function trimGoSpace(text: string): string {
  return text.replace(GO_SPACE_AROUND, '');
}

/** A short description for messages: `unix:///var/run/docker.sock`, `docker context "x" (ssh://…)`. */
export function describeEndpoint(endpoint: ResolvedEndpoint): string {
  if (endpoint.kind === 'none') return `no Docker endpoint (tried ${endpoint.tried.join(', ')})`;
  if (endpoint.kind === 'invalid') return `${endpoint.source === 'option' ? '' : `${endpoint.source} `}${endpoint.url}`;
  if (endpoint.source.startsWith('context ')) return `docker ${endpoint.source} (${endpoint.url})`;
  return endpoint.url;
}

/** How the docker CLI describes its target for the same inputs (the CLI engine's `endpoint`). */
export function cliEndpointLabel(env: Readonly<Record<string, string | undefined>>): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  if (env.DOCKER_CONTEXT) return `docker context "${env.DOCKER_CONTEXT}"`;
  return 'the current docker context';
}

export function contextDirName(name: string): string {
  return nodeCrypto().createHash('sha256').update(name).digest('hex');
}

/** Docker's socket when `unix://` names none (docker/cli opts.ParseHost, as the docker CLI reads DOCKER_HOST). */
export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';

const TCP_URL = /^(tcp|http|https):\/\/(\[[^\]]+\]|[^:/]+)(?::([^/]*))?\/?$/;
/** `ssh://[user[:password]@]host[:port][/path]`, as docker/cli's connhelper/ssh parses it. */
const SSH_URL = /^ssh:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/@]*)(?::([^/]*))?(?:\/.*)?$/;

/**
 * Pure: why no client can reach `url`, or undefined: a control character anywhere (Go's URL
 * parser refuses it), a TCP or SSH port that is not a number, or outside 1-65535 (Node would
 * throw on it, or connect to port 80 for 0; ssh would be run with `-p 0`), or a password in an
 * ssh:// URL (the docker CLI refuses it too), or an ssh:// URL without a host. An empty port is
 * the default.
 */
export function hostUrlProblem(url: string): string | undefined {
  if (/[\u0000-\u001f\u007f]/.test(url)) return 'it contains a control character';
  const ssh = SSH_URL.exec(url);
  if (url.startsWith('ssh://') && !ssh?.[2]) return 'the ssh:// endpoint has no host';
  if (ssh?.[1]?.includes(':')) return 'a password in an ssh:// URL is not supported: use an SSH key or agent';
  const port = ssh ? ssh[3] : TCP_URL.exec(url)?.[3];
  if (port === undefined || port === '') return undefined;
  if (!/^\d+$/.test(port)) return `its port ${JSON.stringify(port)} is not a number`;
  const number = Number(port);
  return number >= 1 && number <= 65535 ? undefined : `its port ${port} is outside 1-65535`;
}

function fromHost(url: string, source: EndpointSource, tls: TlsMaterial | undefined, context?: string): ResolvedEndpoint {
  const ctx = context === undefined ? {} : { context };
  if (url.startsWith('unix://')) {
    // `unix://` alone is docker's default socket, as the docker CLI takes it.
    const socketPath = url.slice('unix://'.length) || DEFAULT_UNIX_SOCKET;
    return { kind: 'unix', url, socketPath, source };
  }
  const problem = hostUrlProblem(url);
  if (problem) return { kind: 'invalid', url, reason: problem, source };
  const tcp = TCP_URL.exec(url);
  if (tcp?.[2]) {
    const secure = tls !== undefined || tcp[1] === 'https';
    const port = tcp[3] ? Number(tcp[3]) : secure ? 2376 : 2375;
    const host = tcp[2].replace(/^\[|\]$/g, '');
    return { kind: 'tcp', url, host, port, tls: tls ?? (tcp[1] === 'https' ? { verify: true } : undefined), source };
  }
  const scheme = /^([a-z0-9+.-]+):\/\//i.exec(url)?.[1];
  return {
    kind: 'cli-only',
    url,
    reason: scheme ? `${scheme}:// endpoints are reached through the docker CLI` : 'not an endpoint URL the API client knows',
    source,
    ...ctx,
  };
}

/** TLS from DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH (default: the config dir). */
function envTls(inputs: EndpointInputs, configDir: string): TlsMaterial | undefined {
  const verify = Boolean(inputs.env.DOCKER_TLS_VERIFY);
  if (!verify && !inputs.env.DOCKER_TLS) return undefined;
  const dir = inputs.env.DOCKER_CERT_PATH || configDir;
  return readTls(inputs, dir, verify);
}

function readTls(inputs: EndpointInputs, dir: string, verify: boolean): TlsMaterial {
  const ca = inputs.readFile(join(dir, 'ca.pem'));
  // Node added NODE_EXTRA_CA_CERTS to its roots at start when it had it; a helper started
  // without it has the path under EXTRA_CA_ENV. Only the default roots take it, as in Node.
  const extraPath = inputs.env.NODE_EXTRA_CA_CERTS === undefined ? inputs.env[EXTRA_CA_ENV] : undefined;
  const extraCa = verify && ca === undefined && extraPath ? inputs.readFile(extraPath) : undefined;
  return {
    verify,
    ca,
    cert: inputs.readFile(join(dir, 'cert.pem')),
    key: inputs.readFile(join(dir, 'key.pem')),
    ...(extraCa !== undefined ? { extraCa } : {}),
  };
}

function currentContext(inputs: EndpointInputs, configDir: string): string | undefined {
  const text = inputs.readFile(join(configDir, 'config.json'));
  if (!text) return undefined;
  try {
    const config = JSON.parse(text) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' && config.currentContext ? config.currentContext : undefined;
  } catch {
    // docker itself refuses a broken config.json; the CLI will say so if it is used.
    return undefined;
  }
}

function fromContext(inputs: EndpointInputs, configDir: string, name: string): ResolvedEndpoint {
  const source = `context "${name}"` as const;
  const sha = contextDirName(name);
  const metaPath = join(configDir, 'contexts/meta', sha, 'meta.json');
  const text = inputs.readFile(metaPath);
  const cliOnly = (reason: string): ResolvedEndpoint => ({ kind: 'cli-only', url: `docker context "${name}"`, reason, source, context: name });
  if (!text) return cliOnly(`no ${metaPath}`);
  let host: unknown;
  let skipVerify: unknown;
  try {
    const meta = JSON.parse(text) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    host = meta.Endpoints?.docker?.Host;
    skipVerify = meta.Endpoints?.docker?.SkipTLSVerify;
  } catch {
    return cliOnly(`${metaPath} is not JSON`);
  }
  if (typeof host !== 'string' || !host) return cliOnly(`no docker endpoint in ${metaPath}`);
  const tlsDir = join(configDir, 'contexts/tls', sha, 'docker');
  const material = readTls(inputs, tlsDir, skipVerify !== true);
  const hasTls = material.ca !== undefined || material.cert !== undefined;
  return fromHost(host, source, host.startsWith('tcp://') && hasTls ? material : undefined, name);
}

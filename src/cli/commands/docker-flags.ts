/** The flags every command that talks to Docker takes, and what they set in the options. */
import { DOCKER_DEFAULTS, TRANSPORTS } from '../../options/defaults.js';
import { OptionsError } from '../../options/errors.js';
import type { DockerOptions } from '../../options/schema.js';
import { simpleDockerOptions } from '../../options/simple.js';
import { usageFromOptionsError, type OptionSpec, type OptionValues } from '../args.js';
import { UsageError } from '../command.js';

export const dockerFlagSpecs: Readonly<Record<string, OptionSpec>> = {
  'docker-path': { type: 'string', value: 'PATH', description: 'The docker CLI to run (default: $DOCKER_JANITOR_DOCKER_PATH, else docker)' },
  host: { type: 'string', value: 'HOST', description: 'Engine endpoint, e.g. unix:///run/docker.sock (default: $DOCKER_HOST)' },
  context: { type: 'string', value: 'NAME', description: 'Docker context to use (default: $DOCKER_CONTEXT)' },
  timeout: { type: 'string', value: 'MS', description: `Timeout of each docker call, in milliseconds (default: ${DOCKER_DEFAULTS.timeoutMs})` },
  transport: { type: 'string', value: TRANSPORTS.join('|'), description: `Engine API over the socket, the docker CLI, or auto (default: ${DOCKER_DEFAULTS.transport})` },
};

/** Option paths of the schema → the flags that set them, for usage errors. */
export const dockerFlagNames: Readonly<Record<string, string>> = {
  'docker.path': '--docker-path',
  'docker.host': '--host',
  'docker.context': '--context',
  'docker.timeoutMs': '--timeout',
  'docker.transport': '--transport',
};

export const dockerFlagAllowed: Readonly<Record<string, string>> = {
  '--timeout': 'expected a positive whole number of milliseconds, at most 86400000 (24 hours)',
  '--transport': 'expected auto, api or cli',
};

/** Parsed flags → the `docker` part of the options input. Pure; the schema validates. */
export function toDockerInput(values: OptionValues): Partial<DockerOptions> {
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const docker: Partial<DockerOptions> = {};
  const path = string('docker-path');
  const host = string('host');
  const context = string('context');
  const timeout = string('timeout');
  const transport = string('transport');
  if (path !== undefined) docker.path = path;
  if (host !== undefined) docker.host = host;
  if (context !== undefined) docker.context = context;
  // A number when it looks like one; otherwise the text, which the schema rejects by name.
  // The text as given: the schema names it when it is not one of the three.
  if (transport !== undefined) docker.transport = transport as DockerOptions['transport'];
  // Past 2^53 a number is no longer the one typed: the text then, which the schema refuses once.
  if (timeout !== undefined) docker.timeoutMs = (/^\d+$/.test(timeout) && Number.isSafeInteger(Number(timeout)) ? Number(timeout) : timeout) as number;
  return docker;
}

/**
 * The docker flags as options: without zod when they are plainly valid (options/simple.ts), else
 * checked by the schema (loaded then), whose complaint becomes a usage error naming the flag.
 */
export async function dockerOptionsFromFlags(values: OptionValues): Promise<DockerOptions> {
  const input = toDockerInput(values);
  const simple = simpleDockerOptions(input);
  if (simple) return simple;
  const { dockerOnlyOptionsSchema, parseOptions } = await import('../../options/schema.js');
  try {
    return parseOptions(dockerOnlyOptionsSchema, { docker: input }).docker;
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(usageFromOptionsError(error, dockerFlagNames, dockerFlagAllowed, values));
    throw error;
  }
}

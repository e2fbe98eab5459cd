/**
 * The CLI entry: argv in, exit code out. Testable without spawning: the environment and the
 * streams are parameters. Commands live in one table; adding one (e.g. `sweep`) is one entry.
 */
import { DockerApiError, DockerCommandError, DockerEndpointError, DockerNotInstalledError, DockerOutputError, DockerUnreachableError, isEngineFailure } from '../docker/errors.js';
import { parseArgs } from './args.js';
import { EXIT, UsageError, type CliIO, type Command } from './command.js';
import { cleanCommand } from './commands/clean.js';
import { sessionsCommand } from './commands/sessions.js';
import { sweepCommand } from './commands/sweep.js';
import { toolVersion as version } from '../publish/tool.js';
import { renderHelp } from './usage.js';

export type { CliIO, Command } from './command.js';
export { EXIT } from './command.js';

/** Every command the CLI knows, in help order. */
export const commands: readonly Command[] = [cleanCommand, sweepCommand, sessionsCommand];

const HELP_HINT = 'see docker-janitor --help';

export async function main(argv: readonly string[], io: CliIO, table: readonly Command[] = commands): Promise<number> {
  const specs = table.map((command) => command.spec);
  const parsed = parseArgs(argv, specs);
  switch (parsed.kind) {
    case 'usage-error':
      io.stderr.write(`docker-janitor: ${parsed.message} (${HELP_HINT})\n`);
      return EXIT.usage;
    case 'help':
      io.stdout.write(`${renderHelp(specs, version(), parsed.command)}\n`);
      return EXIT.ok;
    case 'version':
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    case 'run': {
      const command = table.find((candidate) => candidate.spec.name === parsed.command);
      if (!command) throw new Error(`no command ${parsed.command}`);
      try {
        return await command.run(parsed.values, io);
      } catch (error) {
        return reportError(error, io);
      }
    }
  }
}

/** One clear line on stderr, no stack trace, for everything a user can act on. */
function reportError(error: unknown, io: CliIO): number {
  if (error instanceof UsageError) {
    io.stderr.write(`docker-janitor: ${error.message} (${HELP_HINT})\n`);
    return EXIT.usage;
  }
  // DOCKER_HOST (or a context) names an endpoint no client can reach: a usage error, as --host.
  if (error instanceof DockerEndpointError) {
    io.stderr.write(`docker-janitor: ${oneLine(error.message)} (${HELP_HINT})\n`);
    return EXIT.usage;
  }
  // Unreachable includes its API kinds: a timeout, and "not a Docker engine" at the endpoint.
  if (error instanceof DockerNotInstalledError || error instanceof DockerUnreachableError) {
    io.stderr.write(`docker-janitor: ${oneLine(error.message)}\n`);
    return EXIT.docker;
  }
  if (error instanceof DockerApiError) {
    // A refused removal is an outcome in the result, never thrown: what reaches here is a
    // listing, ping or inspection. A 5xx there means the engine is not working (exit 3, as an
    // unreachable one); a 4xx is one refused request (exit 1).
    io.stderr.write(`docker-janitor: ${oneLine(error.message)}\n`);
    return isEngineFailure(error) ? EXIT.docker : EXIT.failed;
  }
  if (error instanceof DockerOutputError) {
    io.stderr.write(`docker-janitor: ${oneLine(error.shortMessage)}\n`);
    return EXIT.failed;
  }
  if (error instanceof DockerCommandError) {
    // Nothing was removed yet (failures once removal started are in the result): a listing
    // that hangs means the engine does not answer.
    const stderr = oneLine(error.stderr);
    io.stderr.write(`docker-janitor: ${error.shortMessage}${stderr ? `: ${stderr}` : ''}\n`);
    return error.timedOut ? EXIT.docker : EXIT.failed;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`docker-janitor: unexpected error (please report it): ${detail}\n`);
  return EXIT.failed;
}

function oneLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** The package version (one reader for the CLI and the report file). */
export { toolVersion as version } from '../publish/tool.js';

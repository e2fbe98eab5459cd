/** What a CLI command is, the streams it writes to, and the exit codes every command shares. */
import type { CommandSpec, OptionValues } from './args.js';

export interface CliIO {
  /** The environment (DOCKER_HOST, NO_COLOR, …). */
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Whether stdout is a terminal: colours only then (and never with NO_COLOR). */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal: the progress line only then. */
  readonly stderrIsTTY?: boolean;
}

export interface Command {
  readonly spec: CommandSpec;
  /** Runs the command; returns the exit code. Throws {@link UsageError} or Docker errors. */
  run(values: OptionValues, io: CliIO): Promise<number>;
}

export const EXIT = {
  /** Nothing failed (skipped images are not failures). */
  ok: 0,
  /** Some removal failed unexpectedly, or a docker command failed. */
  failed: 1,
  /** Bad usage: unknown option, invalid value. */
  usage: 2,
  /** Docker is not installed, or the engine is not reachable. */
  docker: 3,
} as const;

/** A bad option value found after parsing (by the options schema). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

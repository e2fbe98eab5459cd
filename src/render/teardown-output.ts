/**
 * What a runner adapter (Vitest, Jest) prints at teardown, decided from the teardown result:
 * pure, a string or nothing. Printing (stream, colours) is the adapter's business.
 */
import type { JanitorOptions } from '../options/schema.js';
import type { TeardownResult } from '../session/result.js';
import { createColors } from './colors.js';
import { figures } from './figures.js';
import { renderTeardownSummary } from './summary.js';

export interface TeardownOutput {
  /** Text to print, or undefined for nothing. */
  readonly text: string | undefined;
  /** failOnCleanupError and a cleanup problem: the run must fail. */
  readonly failRun: boolean;
}

export interface TeardownOutputContext {
  readonly options: Pick<JanitorOptions, 'summary' | 'failOnCleanupError'>;
  readonly color: boolean;
  /** Warnings from setup (a dead session that could not be swept…). */
  readonly setupWarnings?: readonly string[];
}

export function teardownOutput(result: TeardownResult, context: TeardownOutputContext): TeardownOutput {
  const c = createColors({ color: context.color });
  const failRun = context.options.failOnCleanupError && result.hasProblems;
  const lines: string[] = [];
  const warn = (text: string) => `${c.yellow(figures.warning)} docker-janitor: ${firstLine(text)}`;

  const unavailable = result.dockerUnavailable;
  if (unavailable !== undefined) {
    // Docker missing or unreachable: one line, not a summary of nothing.
    // Still one line: why, and the exact command that finishes the job later.
    const later = result.incomplete ? ` (session kept; later: npx docker-janitor sweep --session ${result.sessionId})` : '';
    lines.push(warn(`nothing was cleaned: ${firstLine(unavailable)}${later}`));
  } else {
    for (const warning of context.setupWarnings ?? []) lines.push(warn(warning));
    const kept = [result.containers, result.networks, result.volumes].some((outcomes) => outcomes.kept.length > 0);
    if (context.options.summary || result.hasProblems || kept) {
      lines.push(renderTeardownSummary(result, { color: context.color, optionStyle: 'config' }));
    }
  }
  if (failRun) lines.push(`${c.red(figures.cross)} docker-janitor: cleanup problems fail the run (failOnCleanupError)`);
  return { text: lines.length > 0 ? lines.join('\n') : undefined, failRun };
}

/**
 * The session could not be opened at all (state directory unwritable…), or teardown threw: one
 * line. Without options (they were never parsed) the run's result is left alone.
 */
export function openFailedOutput(
  message: string,
  options: Pick<JanitorOptions, 'failOnCleanupError'> | undefined,
  color: boolean,
): TeardownOutput {
  const c = createColors({ color });
  const failRun = options?.failOnCleanupError ?? false;
  const lines = [`${c.yellow(figures.warning)} docker-janitor: could not start a session, nothing was cleaned: ${firstLine(message)}`];
  if (failRun) lines.push(`${c.red(figures.cross)} docker-janitor: cleanup problems fail the run (failOnCleanupError)`);
  return { text: lines.join('\n'), failRun };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

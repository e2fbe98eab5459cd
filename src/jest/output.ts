/**
 * What Jest's global teardown prints, decided from the teardown result: pure, a string or
 * nothing. Printing (and choosing the stream and colours) is the caller's business.
 */
import type { JanitorOptions } from '../options/schema.js';
import { createColors } from '../render/colors.js';
import { figures } from '../render/figures.js';
import { renderTeardownSummary } from '../render/summary.js';
import type { TeardownResult } from '../session/result.js';

export interface TeardownOutputContext {
  readonly options: Pick<JanitorOptions, 'summary' | 'failOnCleanupError' | 'keepOnFailure'>;
  readonly color: boolean;
  /** Setup already said Docker is not available: do not say it again. */
  readonly warnedUnavailable: boolean;
  /** The reporter ran, so whether the run failed is known. */
  readonly resultKnown: boolean;
}

export interface TeardownOutput {
  /** Lines to print, or undefined for nothing. */
  readonly text: string | undefined;
  /** failOnCleanupError and a cleanup problem: the run must fail. */
  readonly failRun: boolean;
}

export function teardownOutput(result: TeardownResult, context: TeardownOutputContext): TeardownOutput {
  const c = createColors({ color: context.color });
  const { options } = context;
  const failRun = options.failOnCleanupError && result.hasProblems;
  const lines: string[] = [];

  if (options.keepOnFailure && !context.resultKnown) {
    lines.push(
      `${c.yellow(figures.warning)} docker-janitor: keepOnFailure needs the reporter 'docker-janitor/jest/reporter' to know whether the run failed; the containers were removed`,
    );
  }

  if (nothingButOneWarning(result)) {
    // Docker missing or unreachable: one line, not a summary of nothing.
    if (!context.warnedUnavailable || failRun) lines.push(`${c.yellow(figures.warning)} docker-janitor: ${result.warnings[0]}`);
  } else if (options.summary || result.hasProblems) {
    lines.push(renderTeardownSummary(result, { color: context.color, optionStyle: 'config' }));
  }

  if (failRun) {
    lines.push(`${c.red(figures.cross)} docker-janitor: cleanup problems fail the run (failOnCleanupError)`);
  }
  return { text: lines.length > 0 ? lines.join('\n') : undefined, failRun };
}

/** Nothing removed, kept or failed, no image result, one warning: Docker was not reachable. */
export function nothingButOneWarning(result: TeardownResult): boolean {
  const outcomes = [result.containers, result.networks, result.volumes];
  const none = outcomes.every((o) => o.removed.length + o.kept.length + o.failed.length === 0);
  return none && result.images === undefined && result.warnings.length === 1;
}

/** The setup-time line for the warnings `openSession` collected (Docker unavailable…). */
export function setupWarnings(warnings: readonly string[], color: boolean): string | undefined {
  if (warnings.length === 0) return undefined;
  const c = createColors({ color });
  return warnings.map((warning) => `${c.yellow(figures.warning)} docker-janitor: ${warning.split('\n')[0] ?? ''}`).join('\n');
}

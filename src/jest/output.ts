/**
 * What Jest's global teardown prints: the same text as the Vitest adapter (one summary, one
 * warning line when Docker is unavailable, the failOnCleanupError line), plus a warning when
 * keepOnFailure cannot know the run's result because the reporter is missing. Pure.
 */
import type { JanitorOptions } from '../options/schema.js';
import { createColors } from '../render/colors.js';
import { figures } from '../render/figures.js';
import type { TeardownResult } from '../session/result.js';
import { teardownOutput as sharedTeardownOutput, type TeardownOutput } from '../render/teardown-output.js';

export type { TeardownOutput };
export { openFailedOutput } from '../render/teardown-output.js';

export interface JestTeardownOutputContext {
  readonly options: Pick<JanitorOptions, 'summary' | 'failOnCleanupError' | 'keepOnFailure'>;
  readonly color: boolean;
  /** Warnings from setup worth showing (a dead session that could not be swept…). */
  readonly setupWarnings: readonly string[];
  /** The reporter told whether the run failed. */
  readonly resultKnown: boolean;
}

export const REPORTER_MISSING =
  "keepOnFailure needs the reporter 'docker-janitor/jest/reporter' (withDockerJanitor adds it) to know whether the run failed; the containers were removed";

export function teardownOutput(result: TeardownResult, context: JestTeardownOutputContext): TeardownOutput {
  const output = sharedTeardownOutput(result, { options: context.options, color: context.color, setupWarnings: context.setupWarnings });
  if (!context.options.keepOnFailure || context.resultKnown) return output;
  const c = createColors({ color: context.color });
  const line = `${c.yellow(figures.warning)} docker-janitor: ${REPORTER_MISSING}`;
  return { ...output, text: output.text ? `${line}\n${output.text}` : line };
}

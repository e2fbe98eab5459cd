/**
 * The runner adapters' one call after teardown: publish the result (job summary, report file)
 * and add a warning line to what they print for each file that could not be written. The
 * run's result (`failRun`) never changes because of it.
 */
import type { JanitorOptions } from '../options/schema.js';
import { createColors } from '../render/colors.js';
import { figures } from '../render/figures.js';
import type { TeardownOutput } from '../render/teardown-output.js';
import type { TeardownResult } from '../session/result.js';
import { publishRun } from './publish.js';

export interface PublishTeardownContext {
  readonly color: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where a relative `reportFile` starts (the runner's root directory). */
  readonly cwd?: string;
}

export function publishTeardown(
  result: TeardownResult,
  options: Pick<JanitorOptions, 'jobSummary' | 'reportFile'>,
  output: TeardownOutput,
  context: PublishTeardownContext,
): TeardownOutput {
  const { warnings } = publishRun({ kind: 'teardown', result }, options, { env: context.env, ...(context.cwd ? { cwd: context.cwd } : {}) });
  if (warnings.length === 0) return output;
  const c = createColors({ color: context.color });
  const lines = warnings.map((warning) => `${c.yellow(figures.warning)} docker-janitor: ${warning}`);
  return { ...output, text: [output.text, ...lines].filter((line) => line !== undefined).join('\n') };
}

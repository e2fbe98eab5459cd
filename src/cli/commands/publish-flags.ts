/**
 * The flags of `clean` and `sweep` that say where the result goes besides the terminal
 * (`--report-file`, `--no-job-summary`), and the progress line they show on a terminal.
 */
import { OptionsError } from '../../options/errors.js';
import type { PublishOptions } from '../../options/schema.js';
import { simplePublishOptions } from '../../options/simple.js';
import { publishRun, type PublishInput } from '../../publish/publish.js';
import { progressEnabled } from '../../render/progress.js';
import { usageFromOptionsError, type OptionSpec, type OptionValues } from '../args.js';
import { UsageError, type CliIO } from '../command.js';
import { createProgressWriter, silentProgress, type ProgressWriter } from '../progress.js';

export const publishFlagSpecs: Readonly<Record<string, OptionSpec>> = {
  'report-file': { type: 'string', value: 'PATH', description: 'Also write the JSON result (with a schema version) to PATH' },
  'no-job-summary': { type: 'boolean', description: 'Do not append a section to $GITHUB_STEP_SUMMARY (GitHub Actions job summary)' },
};

/** Parsed flags → the publish options: plainly valid ones without zod, else checked by the one schema. */
export async function toPublishOptions(values: OptionValues): Promise<PublishOptions> {
  const input: Record<string, unknown> = { jobSummary: values['no-job-summary'] === true ? false : 'auto' };
  if (typeof values['report-file'] === 'string') input.reportFile = values['report-file'];
  const simple = simplePublishOptions(input);
  if (simple) return simple;
  const { parseOptions, publishOptionsSchema } = await import('../../options/schema.js');
  try {
    return parseOptions(publishOptionsSchema, input);
  } catch (error) {
    if (error instanceof OptionsError) throw new UsageError(usageFromOptionsError(error, { reportFile: '--report-file', jobSummary: '--no-job-summary' }));
    throw error;
  }
}

/** Append the job summary and write the report file; one warning line on stderr per file that failed. */
export function publish(io: CliIO, input: PublishInput, options: PublishOptions): void {
  const { warnings } = publishRun(input, options, { env: io.env });
  for (const warning of warnings) io.stderr.write(`docker-janitor: warning: ${warning}\n`);
}

/** The progress line on stderr when a person watches (see `progressEnabled`), else nothing. */
export function startProgress(io: CliIO, values: OptionValues, what: string): ProgressWriter {
  const enabled = progressEnabled({ isTTY: io.stderrIsTTY === true, env: io.env, json: values.json === true });
  return enabled ? createProgressWriter(io.stderr, { what }) : silentProgress;
}

/**
 * After a run (teardown, `clean`, `sweep`): append the job summary to `$GITHUB_STEP_SUMMARY`
 * and write the report file, as the options say. The effects are here, the content comes from
 * `render/job-summary.ts` and `report.ts`. A file that cannot be written is one warning, never
 * an exception, and never changes the run's result.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CleanResult } from '../cleaner/result.js';
import type { JanitorOptions } from '../options/schema.js';
import { renderJobSummary } from '../render/job-summary.js';
import type { TeardownResult } from '../session/result.js';
import type { SweptSession } from '../session/sweep.js';
import { buildReport, renderReport, type ReportInput } from './report.js';
import { toolVersion } from './tool.js';

export type PublishInput =
  | { readonly kind: 'teardown'; readonly result: TeardownResult }
  | { readonly kind: 'clean'; readonly result: CleanResult }
  | { readonly kind: 'sweep'; readonly sessions: readonly SweptSession[]; readonly dryRun: boolean };

export type PublishOptions = Pick<JanitorOptions, 'jobSummary' | 'reportFile'>;

export interface PublishContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where a relative report path starts; default `process.cwd()`. */
  readonly cwd?: string;
  readonly now?: Date;
}

export interface PublishOutcome {
  /** The files written: the step summary appended to, the report file. */
  readonly written: readonly string[];
  /** One line per file that could not be written. */
  readonly warnings: readonly string[];
}

/** Where the job summary goes: `$GITHUB_STEP_SUMMARY` with `'auto'`, nowhere with `false`. Pure. */
export function jobSummaryPath(option: PublishOptions['jobSummary'], env: PublishContext['env']): string | undefined {
  if (option === false) return undefined;
  const path = env.GITHUB_STEP_SUMMARY;
  return path ? path : undefined;
}

export function publishRun(input: PublishInput, options: PublishOptions, context: PublishContext): PublishOutcome {
  const written: string[] = [];
  const warnings: string[] = [];

  const summaryPath = jobSummaryPath(options.jobSummary, context.env);
  if (summaryPath !== undefined) {
    try {
      // Appended, never overwritten: Vitest 4.1 (and other steps' tools) write to the same file.
      appendFileSync(summaryPath, renderJobSummary(input));
      written.push(summaryPath);
    } catch (error) {
      warnings.push(`could not append the job summary to ${summaryPath} (GITHUB_STEP_SUMMARY): ${reason(error)}`);
    }
  }

  if (options.reportFile !== undefined) {
    const path = resolve(context.cwd ?? process.cwd(), options.reportFile);
    try {
      const report = buildReport(reportInput(input), { toolVersion: toolVersion(), now: context.now ?? new Date() });
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, renderReport(report));
      written.push(path);
    } catch (error) {
      warnings.push(`could not write the report file ${path}: ${reason(error)}`);
    }
  }
  return { written, warnings };
}

function reportInput(input: PublishInput): ReportInput {
  return input.kind === 'sweep' ? { kind: 'sweep', result: { dryRun: input.dryRun, sessions: input.sessions } } : input;
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().split('\n')[0] ?? text;
}

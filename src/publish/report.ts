/**
 * The report file's content (`reportFile` / `--report-file`): the run's JSON result, the same
 * object `--json` prints, with three fields in front. Pure; writing is `publish.ts`'s job.
 *
 * Schema version 1:
 *   { "version": 1, "tool": { "name": "docker-janitor", "version": "0.1.0" },
 *     "kind": "clean" | "sweep" | "teardown", "finishedAt": "<ISO 8601>", ...result }
 * `version` changes only when a field is removed or changes meaning; new fields may appear.
 */
import type { CleanResult } from '../cleaner/result.js';
import type { TeardownResult } from '../session/result.js';
import type { SweptSession } from '../session/sweep.js';
import { TOOL_NAME } from './tool.js';

export const REPORT_SCHEMA_VERSION = 1;

export interface ReportHeader {
  readonly version: typeof REPORT_SCHEMA_VERSION;
  readonly tool: { readonly name: typeof TOOL_NAME; readonly version: string };
  readonly kind: 'clean' | 'sweep' | 'teardown';
  readonly finishedAt: string;
}

/** What `docker-janitor sweep --json` prints. */
export interface SweepJson {
  readonly dryRun: boolean;
  readonly sessions: readonly SweptSession[];
}

export type Report =
  | (ReportHeader & { readonly kind: 'clean' } & CleanResult)
  | (ReportHeader & { readonly kind: 'sweep' } & SweepJson)
  | (ReportHeader & { readonly kind: 'teardown' } & TeardownResult);

export type ReportInput =
  | { readonly kind: 'clean'; readonly result: CleanResult }
  | { readonly kind: 'sweep'; readonly result: SweepJson }
  | { readonly kind: 'teardown'; readonly result: TeardownResult };

export function buildReport(input: ReportInput, context: { readonly toolVersion: string; readonly now: Date }): Report {
  const header = {
    version: REPORT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: context.toolVersion },
    finishedAt: context.now.toISOString(),
  } as const;
  switch (input.kind) {
    case 'clean':
      return { ...header, kind: 'clean', ...input.result };
    case 'sweep':
      return { ...header, kind: 'sweep', ...input.result };
    case 'teardown':
      return { ...header, kind: 'teardown', ...input.result };
  }
}

/** The file's text: indented JSON and a final newline. */
export function renderReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

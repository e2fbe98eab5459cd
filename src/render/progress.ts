/**
 * Progress of a long `clean` or `sweep` on a terminal: whether to show it, and the one line.
 * Pure; the writer that redraws the line in place is `cli/progress.ts`.
 */
import { formatBytes, noun } from './format.js';

/** What the cleaner (or the CLI watching its docker calls) reports as it goes. */
export interface ProgressEvent {
  /** Items handled so far (removed, skipped or failed). */
  readonly done: number;
  /** Items in all, when known. */
  readonly total?: number | undefined;
  /** Bytes reclaimed so far, when known. */
  readonly bytes?: number | undefined;
}

export interface ProgressDecisionInput {
  /** Whether stderr (where the line goes) is a terminal. */
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--json`: the output is for a program. */
  readonly json: boolean;
}

/** Show progress only to a person at a terminal: never without a TTY, with --json, under CI, with NO_COLOR or TERM=dumb. */
export function progressEnabled(input: ProgressDecisionInput): boolean {
  const { env } = input;
  if (!input.isTTY || input.json) return false;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return true;
}

/** `Removing images: 120/300, 1.2GB reclaimed (3s)`: no newline, no escape codes. */
export function renderProgressLine(what: string, event: ProgressEvent, elapsedMs: number): string {
  const count = event.total !== undefined ? `${event.done}/${event.total}` : noun(event.done, 'object', 'objects');
  const bytes = event.bytes !== undefined && event.bytes > 0 ? `, ${formatBytes(event.bytes)} reclaimed` : '';
  return `${what}: ${count}${bytes} (${Math.floor(elapsedMs / 1000)}s)`;
}

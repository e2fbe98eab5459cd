/**
 * The GitHub Actions job summary: a teardown, clean or sweep result → one Markdown section.
 * Pure: results in, a string out; appending it to `$GITHUB_STEP_SUMMARY` is `publish/`'s job.
 *
 * Bounded: GitHub rejects a step summary over 1 MiB (Vitest 4.1 writes into the same file), so
 * every list stops after {@link MAX_ROWS} rows with "… and N more", every cell is one line of
 * at most {@link MAX_CELL} characters, and a section never exceeds {@link MAX_SECTION_BYTES}.
 */
import type { CleanResult, ContainerRef, SkippedImage } from '../cleaner/result.js';
import type { ResourceOutcomes, TeardownResult } from '../session/result.js';
import type { SweptSession } from '../session/sweep.js';
import { SESSION_LABEL } from '../session/names.js';
import { formatBytes, noun, shortId } from './format.js';

/** Rows of one table before "… and N more". */
export const MAX_ROWS = 20;
/** Characters of one table cell (a daemon message, a container name). */
export const MAX_CELL = 200;
/** Bytes of one section, whatever it holds: far under GitHub's 1 MiB for the whole summary. */
export const MAX_SECTION_BYTES = 64 * 1024;

export type JobSummaryInput =
  | { readonly kind: 'teardown'; readonly result: TeardownResult }
  | { readonly kind: 'clean'; readonly result: CleanResult }
  | { readonly kind: 'sweep'; readonly sessions: readonly SweptSession[]; readonly dryRun: boolean };

/** One Markdown section: a blank line, a `###` heading, tables; ends with a newline. */
export function renderJobSummary(input: JobSummaryInput): string {
  const lines =
    input.kind === 'teardown' ? teardownSection(input.result) : input.kind === 'clean' ? cleanSection(input.result) : sweepSection(input.sessions, input.dryRun);
  return bounded(lines);
}

function teardownSection(result: TeardownResult): string[] {
  const lines = [`### 🧹 docker-janitor: test session \`${result.sessionId}\``, ''];
  if (result.dockerUnavailable !== undefined) {
    lines.push(`> [!WARNING]`, `> Nothing was cleaned: ${cell(result.dockerUnavailable)}`, '');
    lines.push(...incompleteNote(result));
    return lines;
  }
  const images = result.images;
  const dry = result.dryRun === true || images?.dryRun === true;
  const resource = (name: string, outcomes: ResourceOutcomes) =>
    `| ${name} | ${outcomes.removed.length} | ${outcomes.kept.length} | – | ${outcomes.failed.length} |`;
  lines.push(
    `| | ${dry ? 'would remove' : 'removed'} | kept | skipped (safe) | failed |`,
    '|---|---:|---:|---:|---:|',
    resource('containers', result.containers),
    resource('networks', result.networks),
    resource('volumes', result.volumes),
  );
  if (images) lines.push(`| dangling images | ${images.removed.length} | – | ${images.skipped.length} | ${images.failed.length} |`);
  lines.push('');
  if (images) lines.push(...reclaimedLine(images));

  const kept = [result.containers, result.networks, result.volumes].flatMap((outcomes) => outcomes.kept);
  if (kept.length > 0) {
    lines.push(
      `**Kept for debugging** (the run failed): ${kept.length} object${kept.length === 1 ? '' : 's'}. Inspect with`,
      `\`docker ps -a --filter label=${SESSION_LABEL}=${result.sessionId}\`, remove with`,
      `\`npx docker-janitor sweep --session ${result.sessionId}\`.`,
      '',
    );
  }
  if (images) lines.push(...skippedTable(images.skipped));
  const failed = [result.containers, result.networks, result.volumes].flatMap((outcomes) => outcomes.failed);
  lines.push(
    ...failureTable(
      'Failures',
      [...failed.map((f) => [`${f.kind} \`${f.name ?? shortName(f.id)}\``, f.message] as const), ...(images?.failed ?? []).map((f) => [`image \`${shortId(f.id)}\``, f.message] as const), ...(images?.unknown ?? []).map((f) => [`image \`${shortId(f.id)}\``, f.message] as const)],
    ),
  );
  lines.push(...warningList(result.warnings));
  lines.push(...incompleteNote(result));
  lines.push(result.hasProblems ? '⚠️ Cleanup finished with problems.' : dry ? '✅ Dry run complete (nothing was removed).' : '✅ Cleanup complete.', '');
  return lines;
}

/** Teardown could not remove everything: the session is kept; the command that finishes it. */
function incompleteNote(result: TeardownResult): string[] {
  if (!result.incomplete) return [];
  return [`**Not fully cleaned**: the session record is kept. Finish with \`npx docker-janitor sweep --session ${result.sessionId}\`.`, ''];
}

function cleanSection(result: CleanResult): string[] {
  const lines = [`### 🧹 docker-janitor: dangling images${result.dryRun ? ' (dry run)' : ''}`, ''];
  lines.push(
    `| ${result.dryRun ? 'would remove' : 'removed'} | skipped (safe) | left alone (filters) | failed | reclaimed |`,
    '|---:|---:|---:|---:|---:|',
    `| ${result.removed.length} | ${result.skipped.length} | ${result.filtered} | ${result.failed.length} | ${result.dryRun ? '–' : formatBytes(result.bytesReclaimed)} |`,
    '',
  );
  lines.push(...skippedTable(result.skipped));
  lines.push(...failureTable('Failures', result.failed.map((f) => [`image \`${shortId(f.id)}\``, f.message] as const)));
  const unknown = result.unknown?.length ?? 0;
  lines.push(result.failed.length > 0 ? `⚠️ ${noun(result.failed.length, 'image', 'images')} could not be removed.` : unknown > 0 ? `⚠️ Docker stopped answering: whether ${noun(unknown, 'image was', 'images were')} removed is not known.` : result.dryRun ? '✅ Dry run complete (nothing was removed).' : '✅ Cleanup complete.', '');
  return lines;
}

function sweepSection(sessions: readonly SweptSession[], dryRun: boolean): string[] {
  const lines = [`### 🧹 docker-janitor: sessions left by dead test runs${dryRun ? ' (dry run)' : ''}`, ''];
  if (sessions.length === 0) return [...lines, '✅ No dead sessions to sweep.', ''];
  lines.push(`| session | containers | networks | volumes | failed | note |`, '|---|---:|---:|---:|---:|---|');
  const row = (session: SweptSession) => {
    const report = session.report;
    if (!report) return `| \`${cell(session.sessionId)}\` | – | – | – | – | could not sweep: ${cell(session.error ?? 'unknown error')} |`;
    const failed = report.containers.failed.length + report.networks.failed.length + report.volumes.failed.length;
    const note = report.warnings.length > 0 ? cell(report.warnings[0] ?? '') : '';
    return `| \`${cell(session.sessionId)}\` | ${report.containers.removed.length} | ${report.networks.removed.length} | ${report.volumes.removed.length} | ${failed} | ${note} |`;
  };
  lines.push(...capped(sessions, row, 6), '');
  const problems = sessions.some((s) => !s.report || s.report.containers.failed.length + s.report.networks.failed.length + s.report.volumes.failed.length > 0);
  lines.push(problems ? '⚠️ Sweep finished with problems.' : dryRun ? '✅ Dry run complete (nothing was removed).' : '✅ Sweep complete.', '');
  return lines;
}

function reclaimedLine(images: CleanResult): string[] {
  if (images.dryRun) return [];
  return [`Reclaimed **${formatBytes(images.bytesReclaimed)}** from dangling images.`, ''];
}

function skippedTable(skipped: readonly SkippedImage[]): string[] {
  if (skipped.length === 0) return [];
  const row = (image: SkippedImage) => `| \`${shortId(image.id)}\` | ${REASONS[image.reason]} | ${usedBy(image.containers)} |`;
  return [`**Skipped images** (never forced)`, '', '| image | why | used by |', '|---|---|---|', ...capped(skipped, row, 3), ''];
}

function failureTable(title: string, failures: ReadonlyArray<readonly [string, string]>): string[] {
  if (failures.length === 0) return [];
  const row = ([what, message]: readonly [string, string]) => `| ${what} | ${cell(message)} |`;
  return [`**${title}**`, '', '| what | error |', '|---|---|', ...capped(failures, row, 2), ''];
}

function warningList(warnings: readonly string[]): string[] {
  if (warnings.length === 0) return [];
  const shown = warnings.slice(0, MAX_ROWS).map((warning) => `- ⚠️ ${cell(warning)}`);
  if (warnings.length > MAX_ROWS) shown.push(`- … and ${warnings.length - MAX_ROWS} more`);
  return ['**Warnings**', '', ...shown, ''];
}

const REASONS: Readonly<Record<SkippedImage['reason'], string>> = {
  'in-use-running': 'in use (running)',
  'in-use-stopped': 'in use (stopped)',
  'in-use': 'in use',
  'has-children': 'has child images',
  tagged: 'tagged',
  'multiple-repositories': 'in several repositories',
  digested: 'digest-only (kept by default)',
  gone: 'already gone',
  changed: 'changed after the listing (kept)',
};

function usedBy(containers: readonly ContainerRef[]): string {
  if (containers.length === 0) return '–';
  const shown = containers.slice(0, 3).map((container) => {
    const state = container.state === 'exited' ? 'stopped' : container.state;
    return `${state ? `${cell(state)} ` : ''}\`${shortId(container.id)}\`${container.name ? ` (${cell(container.name)})` : ''}`;
  });
  if (containers.length > 3) shown.push(`${containers.length - 3} more`);
  return shown.join(', ');
}

/** The first MAX_ROWS items as table rows, then one "… and N more" row with `columns` cells. */
function capped<T>(items: readonly T[], row: (item: T) => string, columns: number): string[] {
  const rows = items.slice(0, MAX_ROWS).map(row);
  if (items.length > MAX_ROWS) rows.push(`| … and ${items.length - MAX_ROWS} more |${' |'.repeat(columns - 1)}`);
  return rows;
}

/**
 * Text safe inside a table cell: one line, at most MAX_CELL characters, no HTML, no cell
 * breaks, no code-span breaks.
 */
export function cell(text: string): string {
  const line = (text.trim().split('\n')[0] ?? '').replace(/\s+/g, ' ');
  const short = line.length > MAX_CELL ? `${line.slice(0, MAX_CELL - 1)}…` : line;
  return short.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/`/g, "'");
}

function shortName(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? shortId(id) : cell(id);
}

/** Join the lines; past MAX_SECTION_BYTES, cut at a line and say so. */
export function bounded(lines: readonly string[]): string {
  const text = `${lines.join('\n').replace(/\n+$/, '')}\n`;
  if (Buffer.byteLength(text) <= MAX_SECTION_BYTES) return `\n${text}`;
  const kept: string[] = [];
  let bytes = 200; // room for the note
  for (const line of lines) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > MAX_SECTION_BYTES) break;
    kept.push(line);
  }
  return `\n${kept.join('\n')}\n\n_… cut to ${MAX_SECTION_BYTES / 1024} KiB (GitHub limits the job summary); see the job log or the report file._\n`;
}

/**
 * The seed-style summaries: a title line, `✓` lines with counts, the skipped images with their
 * reasons and containers, `✗` failures, and one ending line. Pure: results in, a string out
 * (no trailing newline); printing is the caller's business.
 */
import type { CleanResult, ContainerRef, SkippedImage, SkipReason } from '../cleaner/result.js';
import type { FailedResource, ResourceKind, ResourceOutcomes, ResourceRef, TeardownResult } from '../session/result.js';
import type { SweepReport } from '../session/sweep.js';
import { SESSION_LABEL } from '../session/names.js';
import { createColors, type Colors } from './colors.js';
import { figures } from './figures.js';
import { formatBytes, noun, shortId } from './format.js';

export interface RenderOptions {
  /** Colour the output (decided by the caller: off with NO_COLOR or without a TTY). */
  readonly color: boolean;
  /**
   * How option names are spelled in hints: command-line flags (`--remove-digested`, the
   * default) or config keys (`removeDigested: true`, for the runner plugins).
   */
  readonly optionStyle?: 'cli' | 'config';
}

/** How many names a count line lists before "and N more". */
const MAX_NAMES = 5;
/** How many containers a skipped image's line names before "N more". */
const MAX_CONTAINERS = 3;

export function renderCleanSummary(result: CleanResult, options: RenderOptions): string {
  const c = createColors(options);
  const title = result.dryRun ? 'Cleaning up dangling Docker images (dry run)...' : 'Cleaning up dangling Docker images...';
  const lines = [`${figures.broom} ${c.bold(title)}`, ...imageLines(result, c, options)];
  const unknown = result.unknown?.length ?? 0;
  if (result.failed.length > 0) {
    lines.push(warn(c, `Cleanup incomplete: ${noun(result.failed.length, 'image', 'images')} could not be removed`));
  } else if (unknown > 0) {
    lines.push(warn(c, `Cleanup incomplete: Docker stopped answering; whether ${noun(unknown, 'image was', 'images were')} removed is not known`));
  } else {
    lines.push(ok(c, result.dryRun ? 'Dry run complete (nothing was removed)' : 'Cleanup complete'));
  }
  return lines.join('\n');
}

export function renderTeardownSummary(result: TeardownResult, options: RenderOptions): string {
  const c = createColors(options);
  const lines = [`${figures.broom} ${c.bold(`Cleaning up Docker resources of test session ${result.sessionId}...`)}`];
  const kinds = [
    ['container', result.containers],
    ['network', result.networks],
    ['volume', result.volumes],
  ] as const;

  for (const [kind, outcomes] of kinds) {
    if (outcomes.removed.length > 0) lines.push(ok(c, `${result.dryRun ? 'Would remove' : 'Removed'} ${countAndNames(kind, outcomes.removed)}`));
  }
  // With warnings (Docker unreachable, a listing failed) "nothing to remove" could be untrue.
  const nothing = kinds.every(([, outcomes]) => outcomes.removed.length + outcomes.kept.length + outcomes.failed.length === 0);
  if (nothing && result.warnings.length === 0) {
    lines.push(ok(c, 'No containers, networks or volumes to remove'));
  }

  const kept = kinds.filter(([, outcomes]) => outcomes.kept.length > 0);
  if (kept.length > 0) {
    for (const [kind, outcomes] of kept) {
      const what = kind === 'container' ? `stopped ${plural(kind, outcomes.kept.length)}` : plural(kind, outcomes.kept.length);
      lines.push(warn(c, `Kept ${outcomes.kept.length} ${what} of the failed run for debugging: ${names(outcomes.kept)}`));
    }
    const filter = `label=${SESSION_LABEL}=${result.sessionId}`;
    for (const [kind] of kept) lines.push(detail(c, `inspect: ${inspectCommand(kind)} --filter ${filter}`));
    lines.push(detail(c, `remove:  npx docker-janitor sweep --session ${result.sessionId}`));
  }

  lines.push(...failedResourceLines(kinds, c));
  for (const warning of result.warnings) lines.push(warn(c, firstLine(warning)));
  lines.push(...incompleteLines(result, c));

  if (result.images) {
    lines.push(result.images.dryRun ? 'Cleaning up dangling images (dry run)...' : 'Cleaning up dangling images...');
    lines.push(...imageLines(result.images, c, options));
  }

  const failures =
    kinds.reduce((sum, [, outcomes]) => sum + outcomes.failed.length, 0) + (result.images?.failed.length ?? 0) + (result.images?.unknown?.length ?? 0);
  const warnings = result.warnings.length;
  if (failures > 0 || warnings > 0) {
    const parts = [failures > 0 ? noun(failures, 'failure', 'failures') : '', warnings > 0 ? noun(warnings, 'warning', 'warnings') : ''];
    lines.push(warn(c, `Cleanup finished with ${parts.filter(Boolean).join(' and ')}`));
  } else if (result.hasProblems) {
    lines.push(warn(c, 'Cleanup finished with problems'));
  } else {
    lines.push(ok(c, 'Cleanup complete'));
  }
  return lines.join('\n');
}

/** The image part shared by both summaries: removals, skips by reason, failures. */
/** `docker-janitor sweep`: one line per swept session, failures and errors after it. */
export function renderSweepSummary(sweep: SweepReport, options: RenderOptions & { readonly dryRun: boolean }): string {
  const swept = sweep.sessions;
  const c = createColors(options);
  const lines = [`${figures.broom} ${c.bold(options.dryRun ? 'Sweeping sessions left by dead test runs (dry run)...' : 'Sweeping sessions left by dead test runs...')}`];
  for (const warning of sweep.warnings) lines.push(warn(c, firstLine(warning)));
  if (swept.length === 0) lines.push(ok(c, 'No dead sessions to sweep'));
  // Sessions of one engine that did not answer share one line, however many there are.
  const errors = new Map<string, string[]>();
  let nothing = 0;
  for (const session of swept) {
    if (!session.report) {
      const error = firstLine(session.error ?? 'unknown error');
      errors.set(error, [...(errors.get(error) ?? []), session.sessionId]);
      continue;
    }
    const { containers, networks, volumes } = session.report;
    const counts = (
      [
        ['container', containers],
        ['network', networks],
        ['volume', volumes],
      ] as const
    )
      .filter(([, outcomes]) => outcomes.removed.length > 0)
      .map(([kind, outcomes]) => `${outcomes.removed.length} ${plural(kind, outcomes.removed.length)}`);
    const verb = options.dryRun ? 'would remove' : 'removed';
    const failed = containers.failed.length + networks.failed.length + volumes.failed.length;
    if (counts.length === 0 && failed === 0 && session.report.warnings.length === 0 && !session.incomplete) {
      nothing += 1;
      continue;
    }
    lines.push(ok(c, `Session ${session.sessionId}: ${counts.length > 0 ? `${verb} ${counts.join(', ')}` : 'nothing left'}`));
    lines.push(
      ...failedResourceLines(
        [
          ['container', containers],
          ['network', networks],
          ['volume', volumes],
        ],
        c,
      ),
    );
    for (const warning of session.report.warnings) lines.push(warn(c, firstLine(warning)));
    if (session.incomplete) lines.push(detail(c, `kept for a later try: npx docker-janitor sweep --session ${session.sessionId}`));
  }
  if (nothing > 0) lines.push(ok(c, `${noun(nothing, 'dead session', 'dead sessions')} had nothing left${options.dryRun ? '' : ' (records removed)'}`));
  for (const [error, ids] of errors) {
    const which = ids.length === 1 ? `Session ${ids[0]}` : `${ids.length} sessions (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''})`;
    lines.push(warn(c, `${which}: could not sweep: ${error}`));
  }
  return lines.join('\n');
}

function imageLines(result: CleanResult, c: Colors, options: RenderOptions): string[] {
  const lines: string[] = [];
  if (result.dryRun) {
    if (result.removed.length > 0) {
      lines.push(ok(c, `Would remove ${noun(result.removed.length, '<none> image', '<none> images')}`));
      for (const image of result.removed) lines.push(item(c, image.id, formatBytes(image.size)));
    }
  } else {
    const pruned = result.removed.filter((image) => image.step === 'prune').length;
    if (result.prune.ran) {
      lines.push(ok(c, `Pruned: ${noun(pruned, '<none> image', '<none> images')}, reclaimed ${formatBytes(result.prune.reclaimed)}`));
    }
    const oneByOne = result.removed.filter((image) => image.step === 'remove');
    if (oneByOne.length > 0) {
      const bytes = oneByOne.reduce((sum, image) => sum + image.size, 0);
      lines.push(ok(c, `Removed ${noun(oneByOne.length, '<none> image', '<none> images')}, reclaimed ${formatBytes(bytes)}`));
    }
  }
  if (result.removed.length === 0 && result.failed.length === 0 && (result.unknown?.length ?? 0) === 0 && !result.prune.ran) {
    lines.push(ok(c, 'No <none> images to remove'));
  }

  for (const group of SKIP_GROUPS) {
    const skipped = result.skipped.filter((image) => group.reasons.includes(image.reason));
    if (skipped.length === 0) continue;
    lines.push(ok(c, group.heading(skipped.length, options.optionStyle ?? 'cli')));
    for (const image of skipped) lines.push(item(c, image.id, explain(image)));
  }

  if (result.filtered > 0) {
    lines.push(ok(c, `Left ${noun(result.filtered, 'other <none> image', 'other <none> images')} alone (outside the filters)`));
  }

  if (result.failed.length > 0) {
    lines.push(fail(c, `Failed to remove ${noun(result.failed.length, 'image', 'images')}`));
    for (const image of result.failed) lines.push(item(c, image.id, firstLine(image.message)));
  }
  if (result.unknown && result.unknown.length > 0) {
    lines.push(warn(c, `Not known whether ${noun(result.unknown.length, 'image was', 'images were')} removed (Docker stopped answering; a later clean finds what is left)`));
    for (const image of result.unknown) lines.push(item(c, image.id, firstLine(image.message)));
  }
  // Loud: a reference other than ours was untagged, a temporary reference was left behind.
  for (const warning of result.warnings ?? []) lines.push(warn(c, firstLine(warning)));
  return lines;
}

interface SkipGroup {
  readonly reasons: readonly SkipReason[];
  readonly heading: (count: number, style: 'cli' | 'config') => string;
}

const SKIP_GROUPS: readonly SkipGroup[] = [
  {
    reasons: ['in-use-running', 'in-use-stopped', 'in-use'],
    heading: (count) => `Skipped ${noun(count, 'in-use image', 'in-use images')} (safe)`,
  },
  {
    reasons: ['has-children'],
    heading: (count) => `Skipped ${noun(count, 'image', 'images')} with dependent child images (safe)`,
  },
  {
    reasons: ['tagged', 'multiple-repositories'],
    heading: (count) => `Skipped ${noun(count, 'tagged image', 'tagged images')} (safe)`,
  },
  {
    reasons: ['digested'],
    heading: (count, style) =>
      `Kept ${noun(count, 'digest-only image', 'digest-only images')} (${style === 'cli' ? '--remove-digested' : 'removeDigested: true'} removes ${count === 1 ? 'it' : 'them'})`,
  },
  {
    reasons: ['gone'],
    heading: (count) => `Skipped ${noun(count, 'image', 'images')} already removed by someone else`,
  },
  {
    reasons: ['changed'],
    heading: (count) => `Left ${noun(count, 'image', 'images')} alone that changed after the listing (safe)`,
  },
];

/** The reason for one skipped image, in words. */
function explain(image: SkippedImage): string {
  switch (image.reason) {
    case 'in-use-running':
    case 'in-use-stopped':
    case 'in-use':
      return `${usedBy(image)}${image.temporaryReference ? ` (temporary reference ${image.temporaryReference} kept until it is unused)` : ''}`;
    case 'has-children':
      return 'other images are built on it';
    case 'tagged':
      return 'it has a tag';
    case 'multiple-repositories':
      return 'referenced in several repositories';
    case 'digested':
      return 'no tag, but a repository digest (pulled by digest)';
    case 'gone':
      return 'already gone';
    case 'changed':
      return `${image.message ?? 'changed after the listing'}${image.temporaryReference ? ` (temporary reference ${image.temporaryReference} kept)` : ''}`;
  }
}

function usedBy(image: SkippedImage): string {
  if (image.containers.length === 0) {
    const state = image.reason === 'in-use-running' ? 'a running' : image.reason === 'in-use-stopped' ? 'a stopped' : 'a';
    return `used by ${state} container`;
  }
  const shown = image.containers.slice(0, MAX_CONTAINERS).map((container) => describeContainer(container, image.reason));
  if (image.containers.length > MAX_CONTAINERS) shown.push(`${image.containers.length - MAX_CONTAINERS} more`);
  return `used by ${shown.join(', ')}`;
}

function describeContainer(container: ContainerRef, reason: SkipReason): string {
  const state = stateWord(container.state, reason);
  const name = container.name ? ` (${container.name})` : '';
  return `${state ? `${state} ` : ''}container ${shortId(container.id)}${name}`;
}

function stateWord(state: string | undefined, reason: SkipReason): string {
  switch (state) {
    case undefined:
      return reason === 'in-use-running' ? 'running' : reason === 'in-use-stopped' ? 'stopped' : '';
    case 'exited':
      return 'stopped';
    case 'created':
      return 'created (never started)';
    default:
      return state;
  }
}

/**
 * Failed removals: those Docker refused one by one, per kind; those it gave no answer to in time
 * (or that were never sent, the engine having stopped answering) in one line for all kinds,
 * with the timeout's message once.
 */
function failedResourceLines(kinds: ReadonlyArray<readonly [ResourceKind, ResourceOutcomes]>, c: Colors): string[] {
  const lines: string[] = [];
  const silent = (resource: FailedResource) => resource.noAnswer === true || resource.notSent === true;
  for (const [kind, outcomes] of kinds) {
    const refused = outcomes.failed.filter((resource) => !silent(resource));
    if (refused.length === 0) continue;
    lines.push(fail(c, `Failed to remove ${noun(refused.length, kind, plural(kind, 2))}`));
    lines.push(...refused.map((resource) => item(c, resourceName(resource), firstLine(resource.message))));
  }
  const unanswered = kinds.map(([kind, outcomes]) => [kind, outcomes.failed.filter(silent)] as const).filter(([, list]) => list.length > 0);
  if (unanswered.length > 0) {
    const counts = unanswered.map(([kind, list]) => noun(list.length, kind, plural(kind, 2)));
    const all = unanswered.flatMap(([, list]) => list);
    const first = all.find((resource) => resource.noAnswer) ?? all[0];
    lines.push(fail(c, `Docker stopped answering: ${counts.join(', ')} may not be removed`));
    if (first) lines.push(detail(c, firstLine(first.message)));
  }
  return lines;
}

function countAndNames(kind: ResourceKind, refs: readonly ResourceRef[]): string {
  return `${noun(refs.length, kind, plural(kind, 2))}: ${names(refs)}`;
}

function names(refs: readonly ResourceRef[]): string {
  const shown = refs.slice(0, MAX_NAMES).map(resourceName);
  if (refs.length > MAX_NAMES) shown.push(`and ${refs.length - MAX_NAMES} more`);
  return shown.join(', ');
}

function resourceName(ref: ResourceRef): string {
  if (ref.name) return ref.name;
  return ref.kind === 'volume' ? ref.id : shortId(ref.id);
}

function inspectCommand(kind: ResourceKind): string {
  return kind === 'container' ? 'docker ps -a' : `docker ${kind} ls`;
}

function plural(kind: ResourceKind, count: number): string {
  return count === 1 ? kind : `${kind}s`;
}

function ok(c: Colors, text: string): string {
  return `${c.green(figures.tick)} ${text}`;
}

function fail(c: Colors, text: string): string {
  return `${c.red(figures.cross)} ${text}`;
}

function warn(c: Colors, text: string): string {
  return `${c.yellow(figures.warning)} ${text}`;
}

/** An indented line under a count line: `  - 2aba318ec17d  used by running container …`. */
function item(c: Colors, id: string, text: string): string {
  return `  ${c.dim(figures.dash)} ${c.dim(id.startsWith('sha256:') || /^[0-9a-f]{64}$/.test(id) ? shortId(id) : id)}  ${text}`;
}

/** Teardown could not remove everything: the record stays; say which session and how to finish. */
export function incompleteLines(result: Pick<TeardownResult, 'incomplete' | 'sessionId'>, c: Colors): string[] {
  if (!result.incomplete) return [];
  return [
    warn(c, `Session ${result.sessionId} was not fully cleaned; its record is kept and the next run retries`),
    detail(c, `remove now: npx docker-janitor sweep --session ${result.sessionId}`),
  ];
}

function detail(c: Colors, text: string): string {
  return `  ${c.dim(text)}`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/**
 * Label filters checked here as well as by the engine. Teardown, sweeps and the watchdog remove
 * what a label listing returns; an engine or a proxy in front of it that ignored `filters` would
 * otherwise hand back every container, network and volume on it. Each returned object's labels
 * are matched locally, on both transports, and what does not match is left out. Pure.
 */
import type { LabelFilters } from './engine.js';

/** `KEY` → `{ key }`, `KEY=VALUE` → `{ key, value }` (split at the first `=`, as Docker does). */
export function labelFilterParts(filter: string): { readonly key: string; readonly value?: string } {
  const at = filter.indexOf('=');
  return at === -1 ? { key: filter } : { key: filter.slice(0, at), value: filter.slice(at + 1) };
}

/** Docker's `label` filter: `KEY` matches when the key is present, `KEY=VALUE` when equal. */
export function matchesLabel(labels: Readonly<Record<string, string>> | undefined, filter: string): boolean {
  const { key, value } = labelFilterParts(filter);
  if (!labels || !Object.hasOwn(labels, key)) return false;
  return value === undefined || labels[key] === value;
}

/** Whether `labels` satisfy every filter. */
export function matchesLabelFilters(labels: Readonly<Record<string, string>> | undefined, filters: LabelFilters): boolean {
  return filters.every((filter) => matchesLabel(labels, filter));
}

/**
 * `--format` for a docker CLI listing (`container ls`, `network ls`, `volume ls`) with label
 * filters: one JSON array per line, the object's ID (`idField`: `.ID`, `.Name`), then the value
 * of each filter's key (`.Label`, as `listLabelValuesArgs` uses it).
 */
export function labelCheckFormat(idField: string, filters: LabelFilters): string {
  const values = filters.map((filter) => `,{{json (.Label ${JSON.stringify(labelFilterParts(filter).key)})}}`).join('');
  return `[{{json ${idField}}}${values}]`;
}

/**
 * The IDs printed with {@link labelCheckFormat} whose values satisfy the filters. The CLI's
 * `.Label` cannot tell a label with an empty value from none: a `KEY` filter needs a value that
 * is not empty here (the safe side: such an object is left alone). Throws on a line that is not
 * such an array (the caller names the command).
 */
export function parseLabelChecked(stdout: string, filters: LabelFilters): string[] {
  const ids = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as unknown;
    if (!Array.isArray(row) || row.length !== filters.length + 1 || !row.every((cell) => typeof cell === 'string')) {
      throw new Error(`expected [ID, ${filters.length} label value(s)] on each line`);
    }
    const [id, ...values] = row as string[];
    const labels: Record<string, string> = {};
    filters.forEach((filter, index) => {
      const value = values[index];
      if (value !== undefined && value !== '') labels[labelFilterParts(filter).key] = value;
    });
    if (id && matchesLabelFilters(labels, filters)) ids.add(id);
  }
  return [...ids];
}

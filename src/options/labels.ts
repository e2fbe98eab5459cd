/** Docker's label filter semantics: `KEY` matches when the key is present, `KEY=VALUE` when equal. */
export function matchesLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return Object.hasOwn(labels, filter);
  const key = filter.slice(0, eq);
  return Object.hasOwn(labels, key) && labels[key] === filter.slice(eq + 1);
}

/** True when every filter matches. */
export function matchesLabelFilters(labels: Readonly<Record<string, string>>, filters: readonly string[]): boolean {
  return filters.every((filter) => matchesLabel(labels, filter));
}

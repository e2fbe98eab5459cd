/** Small pure formatters shared by the summaries. */

/** `noun(1, 'image', 'images')` → `1 image`; `noun(3, …)` → `3 images`. */
export function noun(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/**
 * Bytes in decimal units with up to 4 significant digits, the way Docker prints sizes
 * (`docker image prune`: `Total reclaimed space: 40.5MB`, `6B`, `1.234kB`).
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0B';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  let digits = Number(value.toPrecision(4));
  // 999.95kB rounds up to 1000kB: carry into the next unit like Docker's output would.
  if (digits >= 1000 && unit < BYTE_UNITS.length - 1) {
    digits = Number((digits / 1000).toPrecision(4));
    unit++;
  }
  return `${digits}${BYTE_UNITS[unit]}`;
}

/** Docker's short form of an image or container ID: 12 hex digits, no `sha256:`. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * Colours for the summaries. Render never looks at the environment: the caller (CLI, plugin)
 * decides with {@link colorEnabled} and passes `{ color }` in.
 */
import picocolors from 'picocolors';

export type Colors = ReturnType<typeof picocolors.createColors>;

/** A picocolors instance that colours only when `color` is true. */
export function createColors(options: { readonly color: boolean }): Colors {
  return picocolors.createColors(options.color);
}

/**
 * Whether output to a stream should be coloured: never with `NO_COLOR` (https://no-color.org)
 * or `FORCE_COLOR=0`, always with another `FORCE_COLOR`, otherwise only on a terminal that is
 * not `dumb`.
 */
export function colorEnabled(options: { readonly env: Readonly<Record<string, string | undefined>>; readonly isTTY: boolean }): boolean {
  const { env, isTTY } = options;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR !== undefined) return true;
  return isTTY && env.TERM !== 'dumb';
}

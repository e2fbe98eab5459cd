/** The colour decision alone, without loading picocolors (the runners' setup path imports it). */
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

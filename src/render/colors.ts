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

export { colorEnabled } from './color-enabled.js';

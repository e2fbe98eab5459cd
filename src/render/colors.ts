/**
 * Colours for the summaries. Render never looks at the environment: the caller (CLI, plugin)
 * decides with {@link colorEnabled} and passes `{ color }` in. picocolors is loaded only to
 * colour: it is CommonJS, and the first CommonJS module of a process starts Node's CommonJS
 * loader (~5 ms of a CLI command whose output is not a terminal).
 */
import { createRequire } from 'node:module';
import type picocolors from 'picocolors';

/** The colours the summaries use. */
export type Colors = Pick<ReturnType<typeof picocolors.createColors>, 'bold' | 'dim' | 'red' | 'green' | 'yellow'>;

const plain = (input: string | number | null | undefined): string => String(input);
const NO_COLORS: Colors = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain };

/** Colours when `color` is true (picocolors); plain text otherwise. */
export function createColors(options: { readonly color: boolean }): Colors {
  if (!options.color) return NO_COLORS;
  return (createRequire(import.meta.url)('picocolors') as typeof picocolors).createColors(true);
}

export { colorEnabled } from './color-enabled.js';

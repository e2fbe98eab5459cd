/** The one place the Jest adapter writes: a stream, colours decided for that stream. */
import { colorEnabled } from '../render/color-enabled.js';

export type StreamName = 'stdout' | 'stderr';

export function useColor(stream: StreamName): boolean {
  return colorEnabled({ env: process.env, isTTY: process[stream].isTTY === true });
}

export function print(stream: StreamName, text: string): void {
  process[stream].write(`${text}\n`);
}

/** Who wrote a report: the package name and version, from the package.json next to `src/` or `dist/`. */
import { readFileSync } from 'node:fs';

export const TOOL_NAME = 'docker-janitor';

let cached: string | undefined;

export function toolVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}

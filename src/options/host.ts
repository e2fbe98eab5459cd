/** Checks of option values shared by the schema and the zod-free parsing (`simple.ts`). No zod here. */
import { hostUrlProblem } from '../docker/endpoint.js';

/** A label filter: `KEY` or `KEY=VALUE`. */
export const LABEL_FILTER = /^[^=\s]+(=.*)?$/;

/**
 * Why an engine endpoint cannot be used, or undefined. `fd://` is a daemon's listener, not a
 * client endpoint; `npipe://` exists only on Windows; `ssh://` needs a host; a TCP port must be
 * a number in 1-65535. (`unix://` alone is docker's default socket, as the docker CLI takes it.)
 */
export function hostProblem(host: string, platform: string = process.platform): string | undefined {
  const expected = 'expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST' + (platform === 'win32' ? ' or npipe:////./pipe/NAME' : '');
  const unusable = hostUrlProblem(host);
  if (unusable) return `${unusable}; ${expected}`;
  if (/^fd:\/\//i.test(host)) return `fd:// is where a daemon listens, not an endpoint a client can use; ${expected}`;
  if (/^npipe:\/\//i.test(host) && platform !== 'win32') return `npipe:// endpoints exist only on Windows; ${expected}`;
  return undefined;
}

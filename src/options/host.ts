/** Checks of option values shared by the schema and the zod-free parsing (`simple.ts`). No zod here. */

/** A label filter: `KEY` or `KEY=VALUE`. */
export const LABEL_FILTER = /^[^=\s]+(=.*)?$/;

/**
 * Why an engine endpoint cannot be used, or undefined. An empty `unix://` path would otherwise
 * reach docker's default socket; `fd://` is a daemon's listener, not a client endpoint; `npipe://`
 * exists only on Windows; `ssh://` needs a host.
 */
export function hostProblem(host: string, platform: string = process.platform): string | undefined {
  const expected = 'expected unix:///PATH, tcp://HOST[:PORT], ssh://[USER@]HOST' + (platform === 'win32' ? ' or npipe:////./pipe/NAME' : '');
  if (/^unix:\/\/$/i.test(host)) return `the unix:// endpoint has no socket path; ${expected}`;
  if (/^fd:\/\//i.test(host)) return `fd:// is where a daemon listens, not an endpoint a client can use; ${expected}`;
  if (/^npipe:\/\//i.test(host) && platform !== 'win32') return `npipe:// endpoints exist only on Windows; ${expected}`;
  if (/^ssh:\/\/([^@/]*@)?(\/|$)/i.test(host)) return `the ssh:// endpoint has no host; ${expected}`;
  return undefined;
}

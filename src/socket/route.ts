/**
 * Which Engine API route a request reaches, decided the way dockerd decides it, as pure
 * functions. dockerd's HTTP server is Go's net/http with a gorilla/mux router (moby
 * `daemon/server/server.go`, 20.10's `api/server/server.go`):
 *
 * - the request target is parsed with `url.ParseRequestURI`: the path is everything before the
 *   first `?`, percent-decoded (an escape that is not `%` and two hex digits is refused with
 *   400); a control byte anywhere in the target is refused too;
 * - the router matches the decoded path (`Router.UseEncodedPath` is off), so `%63reate` is
 *   `create` and `%2F` is `/`;
 * - before matching, a path that `path.Clean` would change (`//`, `/./`, `/../`) is answered
 *   with a redirect to the cleaned path;
 * - every route is registered twice, as `/v{version:[0-9.]+}` + path and as the path alone, so
 *   `/v1.41./containers/create` and `/v./containers/create` are a create too;
 * - methods match exactly (`POST`, not `post`); `{name:.*}` matches any run of characters but a
 *   newline, slashes included.
 *
 * Where the decoded path is ambiguous for a request that could create something (a POST), the
 * socket refuses it instead of guessing: an encoded slash, or a path the router would clean.
 */

export type Route =
  /** `POST /containers/create`, `/networks/create`, `/volumes/create`: the JSON body's `Labels`. */
  | { readonly kind: 'create'; readonly object: 'containers' | 'networks' | 'volumes' }
  /** `POST /build`: the `labels` query parameter. */
  | { readonly kind: 'build' }
  /**
   * `POST /commit` and an import (`POST /images/create` without `fromImage`, which would make it
   * a pull): a `changes` query parameter with a `LABEL` instruction, applied after the client's
   * own changes.
   */
  | { readonly kind: 'changes'; readonly making: 'commit' | 'import' }
  /** `POST /containers/{name}/start`: before API 1.24 its body could be a host config with volumes. */
  | { readonly kind: 'start' }
  /**
   * An endpoint that takes the connection over when it succeeds (attach, its websocket, exec
   * start, BuildKit's session and grpc): its answer decides whether the connection stays HTTP.
   */
  | { readonly kind: 'takeover' }
  | { readonly kind: 'other' }
  /** Refused with 400: dockerd would refuse it too, or what it would route to is ambiguous. */
  | { readonly kind: 'refused'; readonly message: string };

const VERSION = '(?:/v[0-9.]+)?';
/** gorilla/mux's `.*` for `{name:.*}`: Go's `.` is any character but `\n`. */
const NAME = '[^\\n]*';
const CREATE = new RegExp(`^${VERSION}/(containers|networks|volumes)/create$`);
const BUILD = new RegExp(`^${VERSION}/build$`);
const COMMIT = new RegExp(`^${VERSION}/commit$`);
const IMAGES_CREATE = new RegExp(`^${VERSION}/images/create$`);
const START = new RegExp(`^${VERSION}/containers/${NAME}/start$`);
const TAKEOVER_POST = new RegExp(`^${VERSION}/(?:containers/${NAME}/attach|exec/${NAME}/start|session|grpc)$`);
const TAKEOVER_GET = new RegExp(`^${VERSION}/containers/${NAME}/attach/ws$`);

export function routeOf(method: string, target: string): Route {
  const decoded = decodeTargetPath(target);
  if (!decoded.ok) return { kind: 'refused', message: decoded.message };
  const { path, encodedSlash } = decoded;
  if (method === 'GET') return TAKEOVER_GET.test(path) && isCleanPath(path) ? { kind: 'takeover' } : { kind: 'other' };
  if (method !== 'POST') return { kind: 'other' };
  if (encodedSlash) return { kind: 'refused', message: `an encoded slash (%2F) in the path of a POST is ambiguous: ${quote(target)}` };
  if (!isCleanPath(path)) return { kind: 'refused', message: `the path of a POST must be clean (no //, /./ or /../ after decoding): ${quote(target)}` };
  const create = CREATE.exec(path);
  if (create) return { kind: 'create', object: create[1] as 'containers' | 'networks' | 'volumes' };
  if (BUILD.test(path)) return { kind: 'build' };
  if (COMMIT.test(path)) return { kind: 'changes', making: 'commit' };
  // dockerd pulls when the first `fromImage` value is not empty, and imports otherwise.
  if (IMAGES_CREATE.test(path)) return firstQueryValue(target, 'fromImage') ? { kind: 'other' } : { kind: 'changes', making: 'import' };
  if (START.test(path)) return { kind: 'start' };
  if (TAKEOVER_POST.test(path)) return { kind: 'takeover' };
  return { kind: 'other' };
}

/** A control byte, which Go refuses anywhere in a request target. */
const CONTROL_BYTE = /[\x00-\x1f\x7f]/;

export type DecodedPath = { readonly ok: true; readonly path: string; readonly encodedSlash: boolean } | { readonly ok: false; readonly message: string };

/**
 * The path of a request target as Go's `url.ParseRequestURI` gives it to the router: the part
 * before the first `?`, percent-decoded byte by byte (as a latin1 string: one character per
 * byte). `+` stays `+`. An invalid escape or a control byte is an error, as it is for Go.
 */
export function decodeTargetPath(target: string): DecodedPath {
  if (CONTROL_BYTE.test(target)) return { ok: false, message: `a control character in the request target: ${quote(target)}` };
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  if (!raw.includes('%')) return { ok: true, path: raw, encodedSlash: false };
  let path = '';
  let encodedSlash = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '%') {
      path += c;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return { ok: false, message: `an invalid percent-escape in the request target: ${quote(target)}` };
    const byte = parseInt(hex, 16);
    if (byte === 0x2f) encodedSlash = true;
    path += String.fromCharCode(byte);
    i += 2;
  }
  return { ok: true, path, encodedSlash };
}

/** gorilla/mux serves a path only when `path.Clean` leaves it as it is (a trailing slash kept). */
export function isCleanPath(path: string): boolean {
  // No empty segment but the last, no `.` or `..` segment: string searches instead of a split
  // (the socket's code mostly runs before V8 optimizes it).
  return path.startsWith('/') && !path.includes('//') && !path.includes('/./') && !path.includes('/../') && !path.endsWith('/.') && !path.endsWith('/..');
}

const quote = (target: string) => JSON.stringify(target.slice(0, 200));

/**
 * One `name=value` part of a query string decoded as Go's `url.ParseQuery` decodes it (`+` is a
 * space), or undefined when it is not valid percent-encoding.
 */
export function decodeQueryPart(part: string): { readonly name: string; readonly value: string } | undefined {
  const eq = part.indexOf('=');
  try {
    return {
      name: decodeURIComponent((eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' ')),
      value: eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/**
 * The first `name` parameter of `target`'s query, decoded: its value, `'absent'`, or
 * `'undecodable'` when a part before it (or it) is not valid percent-encoding.
 */
function firstQueryPart(target: string, name: string): { readonly value: string } | 'absent' | 'undecodable' {
  const q = target.indexOf('?');
  if (q === -1) return 'absent';
  for (const part of target.slice(q + 1).split('&')) {
    const decoded = decodeQueryPart(part);
    if (decoded === undefined) return 'undecodable';
    if (decoded.name === name) return { value: decoded.value };
  }
  return 'absent';
}

/**
 * The first value of query parameter `name` in `target`, or undefined when absent or when a part
 * before it is not decodable.
 */
export function firstQueryValue(target: string, name: string): string | undefined {
  const found = firstQueryPart(target, name);
  return typeof found === 'object' ? found.value : undefined;
}

/**
 * Whether dockerd runs a build as quiet (`q`, read with `httputils.BoolValue`: the first value,
 * trimmed and lower-cased, is anything but "", "0", "no", "false" or "none"). A query that does
 * not decode counts as quiet: the socket then takes the care a quiet build needs.
 */
export function isQuietBuild(target: string): boolean {
  const found = firstQueryPart(target, 'q');
  if (found === 'absent') return false;
  if (found === 'undecodable') return true;
  return !['', '0', 'no', 'false', 'none'].includes(found.value.trim().toLowerCase());
}

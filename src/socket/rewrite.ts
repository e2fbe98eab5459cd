/**
 * The only change the session socket makes to traffic, as pure functions: which requests get
 * labels, and the rewritten body or request target. Everything else passes through untouched.
 */
import { memberMatch, objectLayout, type JsonMember, type JsonObjectLayout } from './json-object.js';
import { decodeQueryPart, routeOf } from './route.js';

export type Labels = Readonly<Record<string, string>>;

/**
 * How a request is labelled: `'body'` for the JSON `Labels` of a create call, `'build'` for the
 * `labels` query parameter of an image build, `'changes'` for a `LABEL` change of a commit or an
 * import, undefined for everything else (see route.ts for how the path is matched, as dockerd's
 * router matches it).
 */
export type LabelTarget = 'body' | 'build' | 'changes' | undefined;

export function labelTarget(method: string, target: string): LabelTarget {
  const route = routeOf(method, target);
  if (route.kind === 'create') return 'body';
  if (route.kind === 'build') return 'build';
  if (route.kind === 'changes') return 'changes';
  return undefined;
}

export type Rewrite<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * `body` (a create call's JSON) with `labels` merged into its `Labels` member, so that dockerd
 * reads exactly the labels it would have read from the body as sent, plus `labels`.
 *
 * dockerd's JSON decoder binds every member whose name folds to `Labels` (json-object.ts), in
 * order: an object is merged into the labels read so far, `null` drops them. The rewrite reads
 * them the same way, then replaces every such member by one `Labels` member (in place of the
 * first one, or first in the object) holding the result with `labels` merged in (`labels` win
 * over the user's values for the same keys). All other bytes are kept. An empty body becomes
 * `{"Labels":{...}}`. A member name that some Go decoder might bind and another not is refused.
 */
export function mergeBodyLabels(body: Buffer, labels: Labels): Rewrite<Buffer> {
  return mergeTextLabels(readBody(body.toString('utf8')), labels);
}

/** A create body read once, for the label merge and the implicit-volume check alike. */
export interface ReadBody {
  readonly text: string;
  /** Its top-level members; undefined for an empty (blank) body or one that is not a JSON object. */
  readonly layout: JsonObjectLayout | undefined;
}

export function readBody(text: string): ReadBody {
  return { text, layout: text.trim() === '' ? undefined : objectLayout(text) };
}

/** {@link mergeBodyLabels} of a body already read. */
export function mergeTextLabels({ text, layout }: ReadBody, labels: Labels): Rewrite<Buffer> {
  if (text.trim() === '') return { ok: true, value: Buffer.from(`{"Labels":${labelsJson(new Map(Object.entries(labels)))}}`) };
  if (!layout) return { ok: false, message: 'the request body is not a JSON object' };
  // A Map: a label named __proto__ is a label like any other.
  const merged = new Map<string, string>();
  const found: Array<{ member: JsonMember; index: number }> = [];
  for (const [index, member] of layout.members.entries()) {
    const match = memberMatch(member, 'Labels');
    if (match === 'no') continue;
    if (match === 'ambiguous') return { ok: false, message: `the member name ${JSON.stringify(member.key)} is ambiguous (it may or may not be read as "Labels")` };
    const value: unknown = JSON.parse(text.slice(member.valueStart, member.end));
    if (value === null) merged.clear();
    else {
      if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: `"${member.key}" must be an object of strings` };
      for (const [key, label] of Object.entries(value)) {
        if (typeof label !== 'string') return { ok: false, message: `label "${key}" must be a string` };
        merged.set(key, label);
      }
    }
    found.push({ member, index });
  }
  for (const [key, label] of Object.entries(labels)) merged.set(key, label);
  const labelsMember = `"Labels":${labelsJson(merged)}`;
  const [first, ...later] = found;
  if (first === undefined) {
    const comma = layout.members.length > 0 ? ',' : '';
    return { ok: true, value: Buffer.from(`${text.slice(0, layout.open)}${labelsMember}${comma}${text.slice(layout.open)}`, 'utf8') };
  }
  // The first labels member is replaced in place; later ones are cut with the comma before them.
  let out = text.slice(0, first.member.start) + labelsMember;
  let cursor = first.member.end;
  for (const { member, index } of later) {
    const previous = layout.members[index - 1];
    const cutFrom = previous ? previous.end : member.start;
    out += text.slice(cursor, cutFrom);
    cursor = member.end;
  }
  out += text.slice(cursor);
  return { ok: true, value: Buffer.from(out, 'utf8') };
}

/** A JSON object of string values, in insertion order. */
export function labelsJson(labels: ReadonlyMap<string, string>): string {
  return `{${[...labels].map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
}

/**
 * Why a build's body could carry form values, or undefined. dockerd reads a build's options with
 * Go's `Request.FormValue`, which also parses a form body (`application/x-www-form-urlencoded`,
 * `multipart/form-data`) where a value wins over the query's, so a `labels` value there could
 * override the labelled query (a build with a remote context has no other use for its body).
 * Engine 20.10 did not take a build's labels from such a body when tried here (its rename did
 * take `name` from one); the socket refuses the form rather than depend on that. The docker CLI
 * and BuildKit send `application/x-tar` or no body.
 */
export function buildFormBody(headers: ReadonlyArray<readonly [string, string]>): string | undefined {
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'content-type') continue;
    const media = (value.split(';')[0] ?? '').trim().toLowerCase();
    if (media === 'application/x-www-form-urlencoded' || media.startsWith('multipart/')) {
      return `a build, commit or import with a form body (Content-Type ${JSON.stringify(value.slice(0, 100))}) is not accepted: the engine would read its options from the body`;
    }
  }
  return undefined;
}

/**
 * A build's request target with `labels` merged into its `labels` query parameter (a JSON map).
 * The daemon reads the first `labels` value; all of them are replaced by one merged parameter at
 * the end, and the rest of the query is kept as written.
 */
export function mergeBuildLabels(target: string, labels: Labels): Rewrite<string> {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  const kept: string[] = [];
  let first: string | undefined;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const decoded = decodeQueryPart(part);
    if (decoded === undefined) return { ok: false, message: 'the query string is not valid percent-encoding' };
    if (decoded.name === 'labels') {
      first ??= decoded.value;
    } else {
      kept.push(part);
    }
  }
  const merged = new Map<string, string>();
  if (first !== undefined && first !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(first);
    } catch {
      return { ok: false, message: 'the "labels" query parameter is not JSON' };
    }
    if (parsed !== null) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, message: 'the "labels" query parameter must be a JSON object' };
      for (const [key, label] of Object.entries(parsed)) {
        if (typeof label !== 'string') return { ok: false, message: `label "${key}" must be a string` };
        merged.set(key, label);
      }
    }
  }
  for (const [key, label] of Object.entries(labels)) merged.set(key, label);
  kept.push(`labels=${encodeURIComponent(labelsJson(merged))}`);
  return { ok: true, value: `${path}?${kept.join('&')}` };
}

/**
 * A commit's or an import's request target with one more `changes` parameter at the end: a
 * Dockerfile `LABEL` instruction setting `labels`. dockerd applies every `changes` value in order
 * (moby `dockerfile.BuildFromConfig`), so these labels win over the client's own `changes` and
 * over the labels a commit copies from its container. The rest of the target is kept as written.
 */
export function appendLabelChange(target: string, labels: Labels): string {
  const instruction = `LABEL ${Object.entries(labels)
    .map(([key, value]) => `${JSON.stringify(key)}=${JSON.stringify(value)}`)
    .join(' ')}`;
  const separator = target.includes('?') ? (target.endsWith('?') || target.endsWith('&') ? '' : '&') : '?';
  return `${target}${separator}changes=${encodeURIComponent(instruction)}`;
}

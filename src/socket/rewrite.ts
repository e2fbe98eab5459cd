/**
 * The only change the session socket makes to traffic, as pure functions: which requests get
 * labels, and the rewritten body or request target. Everything else passes through untouched.
 */
import { isAscii } from 'node:buffer';
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
export function mergeTextLabels(read: ReadBody, labels: Labels): Rewrite<Buffer> {
  const edit = labelEdit(read, labels);
  return edit.ok ? { ok: true, value: Buffer.from(editedText(read.text, edit.value), 'utf8') } : edit;
}

/**
 * The body with the labels merged, as the parts of its text: the text between `keep[2i]` and
 * `keep[2i + 1]`, with `insert` written in place where `at` says (before the `at`-th kept span).
 */
export interface LabelEdit {
  readonly keep: readonly number[];
  readonly insert: string;
  readonly at: number;
}

/**
 * How {@link mergeTextLabels} changes a body: every byte kept but the `Labels` members, replaced
 * by one. Parts instead of a string, so that a request can be assembled from the body's own bytes
 * ({@link labelledRequest}) without encoding the text again.
 */
export function labelEdit({ text, layout }: ReadBody, labels: Labels): Rewrite<LabelEdit> {
  if (layout === undefined) {
    if (text.trim() === '') return { ok: true, value: { keep: [], insert: `{"Labels":${ownLabelsJson(labels)}}`, at: 0 } };
    return { ok: false, message: 'the request body is not a JSON object' };
  }
  // A Map: a label named __proto__ is a label like any other. Made only when the body has labels.
  let merged: Map<string, string> | undefined;
  let first: JsonMember | undefined;
  const keep = [0];
  const { members } = layout;
  for (let index = 0; index < members.length; index++) {
    const member = members[index] as JsonMember;
    const match = memberMatch(member, 'Labels');
    if (match === 'no') continue;
    if (match === 'ambiguous') return { ok: false, message: `the member name ${JSON.stringify(member.key)} is ambiguous (it may or may not be read as "Labels")` };
    const value: unknown = JSON.parse(text.slice(member.valueStart, member.end));
    if (value === null) merged?.clear();
    else {
      if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: `"${member.key}" must be an object of strings` };
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const label: unknown = (value as Record<string, unknown>)[key];
        if (typeof label !== 'string') return { ok: false, message: `label "${key}" must be a string` };
        (merged ??= new Map()).set(key, label);
      }
    }
    // The first labels member is replaced in place; later ones are cut with the comma before them.
    if (first === undefined) {
      first = member;
      keep.push(member.start, member.end);
    } else {
      const previous = members[index - 1];
      keep.push(previous ? previous.end : member.start, member.end);
    }
  }
  keep.push(text.length);
  const json = merged === undefined || merged.size === 0 ? ownLabelsJson(labels) : mergedLabelsJson(merged, labels);
  if (first === undefined) {
    const comma = members.length > 0 ? ',' : '';
    return { ok: true, value: { keep: [0, layout.open, layout.open, text.length], insert: `"Labels":${json}${comma}`, at: 1 } };
  }
  return { ok: true, value: { keep, insert: `"Labels":${json}`, at: 1 } };
}

/** The text an edit makes. */
function editedText(text: string, edit: LabelEdit): string {
  let out = '';
  for (let i = 0; i < edit.keep.length; i += 2) {
    if (i / 2 === edit.at) out += edit.insert;
    out += text.slice(edit.keep[i], edit.keep[i + 1]);
  }
  if (edit.keep.length / 2 <= edit.at) out += edit.insert;
  return out;
}

/**
 * A labelled create request in one buffer: `head` (the head's text, one character per byte,
 * given the body's length: `renderRequestHeadText`'s) and the body `bytes` (whose text `read` is)
 * with the edit made, encoded as {@link mergeTextLabels} encodes it. The common case, an ASCII
 * body and ASCII labels, is encoded in one call: there UTF-8 and latin1 are the same bytes.
 */
export function labelledRequest(head: (length: number) => string, bytes: Buffer, text: string, edit: LabelEdit): Buffer {
  const body = editedText(text, edit);
  if (isAscii(bytes) && !NOT_ASCII.test(edit.insert)) return Buffer.from(head(body.length) + body, 'latin1');
  const encoded = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(head(encoded.length), 'latin1'), encoded]);
}

const NOT_ASCII = /[^\x00-\x7f]/;

/** The JSON of the socket's own labels, made once per labels object. */
const ownJson = new WeakMap<Labels, string>();
function ownLabelsJson(labels: Labels): string {
  let json = ownJson.get(labels);
  if (json === undefined) {
    json = labelsJson(new Map(Object.entries(labels)));
    ownJson.set(labels, json);
  }
  return json;
}

/** `merged` (the body's labels) with `labels` set over them, as JSON. */
function mergedLabelsJson(merged: Map<string, string>, labels: Labels): string {
  for (const key in labels) if (Object.hasOwn(labels, key)) merged.set(key, labels[key] as string);
  return labelsJson(merged);
}

/** A JSON object of string values, in insertion order. */
export function labelsJson(labels: ReadonlyMap<string, string>): string {
  let json = '{';
  for (const [key, value] of labels) json += `${json.length > 1 ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  return `${json}}`;
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

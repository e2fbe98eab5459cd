/**
 * JSON objects as dockerd's decoder sees them, and a scanner for where their members lie in the
 * text. The label rewrite edits only the `Labels` member and leaves every other byte of a create
 * body as the client wrote it (a JSON.parse/stringify round trip would reformat it and lose
 * integers above 2^53, such as memory limits).
 *
 * Go's encoding/json binds an object member to a struct field when the names are equal under
 * Unicode simple case folding (`bytes.EqualFold`; `foldName` since Go 1.21): `labels`, `LABELS`
 * and `Labelſ` (U+017F, LATIN SMALL LETTER LONG S) all bind to `Labels`, as `K` (U+212A, KELVIN
 * SIGN) would to a `k`. Members are decoded in order, and a later member for the same field
 * decodes into the same value: a map is merged into, `null` resets it.
 */

/** One member: its decoded key, and its `[start, end)` span in the text (key through value). */
export interface JsonMember {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly valueStart: number;
}

export interface JsonObjectLayout {
  /** Index just after the opening `{`. */
  readonly open: number;
  readonly members: JsonMember[];
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The top-level member layout of `text`, which must be a JSON object (checked with JSON.parse
 * first), or undefined when it is not one.
 */
export function objectLayout(text: string): JsonObjectLayout | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return objectLayoutAt(text, skipWs(text, 0));
}

/**
 * The member layout of the object whose `{` is at `text[brace]`, in text already known to be
 * valid JSON (the scanner is lenient).
 */
export function objectLayoutAt(text: string, brace: number): JsonObjectLayout {
  const open = brace + 1;
  let i = open;
  const members: JsonMember[] = [];
  for (;;) {
    i = skipWs(text, i);
    if (i >= text.length || text[i] === '}') break;
    if (text[i] === ',') i = skipWs(text, i + 1);
    const start = i;
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    i = skipWs(text, i + 1); // ':'
    const valueStart = i;
    const end = skipValue(text, i);
    members.push({ key, start, end, valueStart });
    i = end;
  }
  return { open, members };
}

/** The elements of the array whose `[` is at `text[bracket]`: each one's `[start, end)`. */
export function arrayElementsAt(text: string, bracket: number): Array<{ readonly start: number; readonly end: number }> {
  let i = bracket + 1;
  const elements: Array<{ start: number; end: number }> = [];
  for (;;) {
    i = skipWs(text, i);
    if (i >= text.length || text[i] === ']') break;
    if (text[i] === ',') i = skipWs(text, i + 1);
    const start = i;
    const end = skipValue(text, i);
    elements.push({ start, end });
    i = end;
  }
  return elements;
}

/**
 * Whether member name `key` binds to the Go struct field `name`: `'yes'` under Go's folding;
 * `'ambiguous'` when it does not but comes close enough that another Go JSON decoder might
 * (folding dotless or dotted I to `i`, as `unicode.ToUpper(unicode.ToLower(r))` does, or
 * ignoring `_` and `-`, as encoding/json/v2's case-insensitive matching does); `'no'` otherwise.
 */
export function goFieldMatch(key: string, name: string): 'yes' | 'no' | 'ambiguous' {
  const pattern = foldPattern(name);
  if (pattern.test(key)) return 'yes';
  return pattern.test(key.replace(/[_-]/g, '').replace(/[\u0130\u0131]/g, 'i')) ? 'ambiguous' : 'no';
}

const patterns = new Map<string, RegExp>();
/**
 * A regular expression for `name` under Unicode simple case folding: with flags `iu`, JavaScript
 * compares characters by their CaseFolding.txt simple (C and S) mappings, the equivalence
 * Go's `unicode.SimpleFold` walks.
 */
function foldPattern(name: string): RegExp {
  let pattern = patterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'iu');
    patterns.set(name, pattern);
  }
  return pattern;
}

export function skipWs(text: string, i: number): number {
  while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  return i;
}

/** `text[i]` is `"`; the index after the closing quote. */
function skipString(text: string, i: number): number {
  i++;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return i;
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  // number, true, false, null
  while (i < text.length && !WS.has(text.charCodeAt(i)) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']') i++;
  return i;
}

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
  /**
   * The key is written in ASCII without an escape, `_` or `-`: it binds to an (ASCII) field
   * name exactly when the two are equal but for case ({@link memberMatch}).
   */
  readonly plain: boolean;
  /**
   * The layout of the member's value when that is an object and the layout was read with its
   * members' objects ({@link objectLayout} reads the top level's): the same text is not scanned
   * twice to find a create body's `HostConfig` members.
   */
  readonly object?: JsonObjectLayout;
}

export interface JsonObjectLayout {
  /** Index just after the opening `{`. */
  readonly open: number;
  /** Index just after the closing `}`. */
  readonly end: number;
  readonly members: JsonMember[];
}

const SPACE = 0x20;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The top-level member layout of `text`, which must be a JSON object (checked with JSON.parse
 * first), or undefined when it is not one. Members whose value is an object come with its layout.
 */
export function objectLayout(text: string): JsonObjectLayout | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  return objectLayoutAt(text, skipWs(text, 0), true);
}

/**
 * The member layout of the object whose `{` is at `text[brace]`, in text already known to be
 * valid JSON (the scanner is lenient); with `objects`, each member whose value is an object
 * comes with that object's layout (read in the same pass).
 */
export function objectLayoutAt(text: string, brace: number, objects = false): JsonObjectLayout {
  const open = brace + 1;
  let i = open;
  const members: JsonMember[] = [];
  // Whitespace is skipped with a call only where there is some (compact JSON has none): the
  // socket's code mostly runs unoptimized, where each call costs (see isPlainKey).
  for (;;) {
    if (text.charCodeAt(i) <= SPACE) i = skipWs(text, i);
    if (i >= text.length || text.charCodeAt(i) === CLOSE_BRACE) break;
    if (text.charCodeAt(i) === COMMA) {
      i++;
      if (text.charCodeAt(i) <= SPACE) i = skipWs(text, i);
    }
    const start = i;
    const keyEnd = skipString(text, i);
    // Without a backslash, a (valid) JSON string is its own characters between the quotes.
    const raw = text.slice(i + 1, keyEnd - 1);
    const plain = isPlainKey(raw);
    const key = plain || !raw.includes('\\') ? raw : (JSON.parse(text.slice(i, keyEnd)) as string);
    i = keyEnd;
    if (text.charCodeAt(i) <= SPACE) i = skipWs(text, i);
    i++; // ':'
    if (text.charCodeAt(i) <= SPACE) i = skipWs(text, i);
    const valueStart = i;
    if (objects && text.charCodeAt(i) === OPEN_BRACE) {
      const object = objectLayoutAt(text, i);
      members.push({ key, start, end: object.end, valueStart, plain, object });
      i = object.end;
      continue;
    }
    const end = skipValue(text, i);
    members.push({ key, start, end, valueStart, plain });
    i = end;
  }
  return { open, end: Math.min(i + 1, text.length), members };
}

/** The elements of the array whose `[` is at `text[bracket]`: each one's `[start, end)`. */
export function arrayElementsAt(text: string, bracket: number): Array<{ readonly start: number; readonly end: number }> {
  let i = bracket + 1;
  const elements: Array<{ start: number; end: number }> = [];
  for (;;) {
    i = skipWs(text, i);
    if (i >= text.length || text.charCodeAt(i) === CLOSE_BRACKET) break;
    if (text.charCodeAt(i) === COMMA) i = skipWs(text, i + 1);
    const start = i;
    const end = skipValue(text, i);
    elements.push({ start, end });
    i = end;
  }
  return elements;
}

/**
 * {@link goFieldMatch} of a member's key and `name`, a field name in ASCII without `_` or `-`:
 * for a plain key (most of them), a case-insensitive comparison without a pass over the key.
 */
export function memberMatch(member: JsonMember, name: string): 'yes' | 'no' | 'ambiguous' {
  if (!member.plain) return goFieldMatch(member.key, name);
  return member.key.length === name.length && asciiEqualFold(member.key, name) ? 'yes' : 'no';
}

/** Not in a plain key: a character beyond ASCII, a backslash (an escape), `_` or `-`. */
const NOT_PLAIN = /[^\x00-\x7f]|[\\_-]/;

/**
 * A key's raw text (between its quotes) is ASCII without a backslash, `_` or `-`. A RegExp: the
 * socket's code mostly runs before V8 optimizes it (a run makes few requests), where a loop over
 * characters in JavaScript costs tens of nanoseconds a character.
 */
function isPlainKey(raw: string): boolean {
  return !NOT_PLAIN.test(raw);
}

/**
 * Whether member name `key` binds to the Go struct field `name`: `'yes'` under Go's folding;
 * `'ambiguous'` when it does not but comes close enough that another Go JSON decoder might
 * (folding dotless or dotted I to `i`, as `unicode.ToUpper(unicode.ToLower(r))` does, or
 * ignoring `_` and `-`, as encoding/json/v2's case-insensitive matching does); `'no'` otherwise.
 */
export function goFieldMatch(key: string, name: string): 'yes' | 'no' | 'ambiguous' {
  if (isAscii(key) && isAscii(name)) {
    // Between ASCII strings, simple case folding is ASCII case: the same answers as the
    // patterns below (which `goFieldMatch` checks against in its tests), without a RegExp or
    // a string copy for each of a create body's many members that bind to nothing.
    if (key.length === name.length) return asciiEqualFold(key, name) ? 'yes' : 'no';
    // Only a longer name with `_` or `-` in it can come close.
    if (key.length < name.length || (!key.includes('_') && !key.includes('-'))) return 'no';
    return key.replace(/[_-]/g, '').toLowerCase() === name.toLowerCase() ? 'ambiguous' : 'no';
  }
  const pattern = foldPattern(name);
  if (pattern.test(key)) return 'yes';
  return pattern.test(key.replace(/[_-]/g, '').replace(/[\u0130\u0131]/g, 'i')) ? 'ambiguous' : 'no';
}

/** `a` and `b` (ASCII, of one length) are equal but for the case of their letters. */
function asciiEqualFold(a: string, b: string): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Letters differ only in bit 0x20; anything else that differs differs.
    const lower = x | 0x20;
    if (lower !== (y | 0x20) || lower < 0x61 || lower > 0x7a) return false;
  }
  return true;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
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
  while (i < text.length && isWs(text.charCodeAt(i))) i++;
  return i;
}

/** `text[i]` is `"`; the index after the closing quote (the text's length when there is none). */
function skipString(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return text.length;
    // The quote closes the string unless an odd number of backslashes escapes it.
    let backslashes = 0;
    while (quote - backslashes - 1 > i && text.charCodeAt(quote - backslashes - 1) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        i = skipString(text, i);
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  // number, true, false, null (in valid JSON, nothing at or below a space but whitespace ends one)
  for (; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d <= SPACE || d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET) break;
  }
  return i;
}

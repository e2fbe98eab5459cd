/**
 * A scanner for the top level of one JSON object: where each member starts and ends in the
 * text. The label rewrite edits only the `Labels` member and leaves every other byte of a create
 * body as the client wrote it (a JSON.parse/stringify round trip would reformat it and lose
 * integers above 2^53, such as memory limits).
 */

/** One top-level member: its decoded key, and its `[start, end)` span in the text (key through value). */
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
 * The member layout of `text`, which must be a JSON object (checked with JSON.parse first), or
 * undefined when it is not one.
 */
export function objectLayout(text: string): JsonObjectLayout | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  // Valid JSON from here on: the scanner can be lenient.
  let i = skipWs(text, 0);
  const open = i + 1; // text[i] === '{'
  i = open;
  const members: JsonMember[] = [];
  for (;;) {
    i = skipWs(text, i);
    if (text[i] === '}') break;
    if (text[i] === ',') {
      i = skipWs(text, i + 1);
    }
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

function skipWs(text: string, i: number): number {
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
  while (i < text.length && !WS.has(text.charCodeAt(i)) && text[i] !== ',' && text[i] !== '}') i++;
  return i;
}

import { describe, expect, it } from 'vitest';
import { goFieldMatch, memberMatch, objectLayout, objectLayoutAt } from '../../../src/socket/json-object.js';

/** A small deterministic generator (the same cases on every run). */
function generator(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    // The high bits: the low ones of this generator repeat with short periods.
    return Math.floor(seed / 65536) % n;
  };
}

const FIELDS = ['Labels', 'Binds', 'Mounts', 'VolumeDriver', 'HostConfig', 'Type', 'Source', 'VolumeOptions', 'DriverConfig', 'Name', 'Options'];

/** Strings with what makes a scanner slip: escaped quotes, runs of backslashes, escapes, non-ASCII. */
const PIECES = ['a', 'Z', '"', '\\', '\\\\', '\\"', 'ſ', '\u212A', '_', '-', '{', '}', '[', ']', ',', ':', ' ', 'é', '\u0130', '\n'];

describe('objectLayout: where the members of a JSON object lie', () => {
  it('finds each member of random objects with the keys and values JSON.parse reads', () => {
    const random = generator(11);
    const text = (length: number) => Array.from({ length }, () => PIECES[random(PIECES.length)] ?? '').join('');
    const value = (depth: number): unknown => {
      const kind = random(depth > 2 ? 3 : 5);
      if (kind === 0) return text(random(8));
      if (kind === 1) return random(3) === 0 ? null : random(1000) - 500;
      if (kind === 2) return random(2) === 0;
      if (kind === 3) return Array.from({ length: random(4) }, () => value(depth + 1));
      return object(depth + 1);
    };
    const object = (depth: number): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let n = random(6); n > 0; n--) out[random(3) === 0 ? (FIELDS[random(FIELDS.length)] ?? '') : text(1 + random(6))] = value(depth);
      return out;
    };
    for (let round = 0; round < 500; round++) {
      const parsed = object(0);
      // Spaces between tokens now and then, as clients may write them.
      const body = random(2) ? JSON.stringify(parsed) : JSON.stringify(parsed, null, random(2) ? 2 : '\t');
      const layout = objectLayout(body);
      expect(layout).toBeDefined();
      if (!layout) continue;
      expect(layout.end).toBe(body.length);
      expect(layout.members.map((member) => member.key)).toEqual(Object.keys(parsed));
      for (const member of layout.members) {
        expect(JSON.parse(body.slice(member.valueStart, member.end))).toEqual(parsed[member.key]);
        expect(JSON.parse(`{${body.slice(member.start, member.end)}}`)).toEqual({ [member.key]: parsed[member.key] });
        // An object value comes with the layout a second scan of it would find.
        if (body[member.valueStart] === '{') expect(member.object).toEqual(objectLayoutAt(body, member.valueStart));
        else expect(member.object).toBeUndefined();
      }
    }
  });

  it('reads a key written with escapes as the string it stands for', () => {
    const layout = objectLayout('{"\\u004cabels":{"a":"1"},"B\\"x":2,"c\\\\":3}');
    expect(layout?.members.map((member) => [member.key, member.plain])).toEqual([
      ['Labels', false],
      ['B"x', false],
      ['c\\', false],
    ]);
  });

  it('is undefined for text that is not one JSON object', () => {
    for (const text of ['', '[]', 'null', '"x"', '{"a":1', '{"a":1}}', '{} {}']) expect(objectLayout(text)).toBeUndefined();
  });
});

describe('memberMatch: a member\'s key against a field, without a pass over plain keys', () => {
  it('answers as goFieldMatch does for every kind of key', () => {
    const random = generator(5);
    const extra = ['a', 'S', 's', 'K', 'k', '_', '-', '.', ' ', '0', '@', '[', '`', '{', 'ſ', '\u212A', '\u0130', '\u0131', 'é'];
    let checked = 0;
    let expected = 0;
    for (const field of FIELDS) {
      const keys: string[] = [];
      for (let n = 0; n < 300; n++) {
        let key = [...field].map((c) => (random(2) ? c.toUpperCase() : c.toLowerCase())).join('');
        for (let edits = random(4); edits > 0; edits--) {
          const at = random(key.length + 1);
          if (random(2)) key = key.slice(0, at) + (extra[random(extra.length)] ?? '') + key.slice(at);
          else key = key.slice(0, at) + key.slice(at + 1);
        }
        keys.push(key);
      }
      const unique = [...new Set(keys)];
      // Some written with escapes, which the layout decodes.
      const members = unique.map((key, i) => (i % 7 === 0 ? JSON.stringify(key).replace(/[A-Za-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : JSON.stringify(key)));
      const body = `{${members.map((key, i) => `${key}:${i}`).join(',')}}`;
      const layout = objectLayout(body);
      expect(layout?.members.map((member) => member.key)).toEqual(unique);
      expected += unique.length * FIELDS.length;
      for (const member of layout?.members ?? []) {
        for (const other of FIELDS) {
          expect([member.key, other, memberMatch(member, other)]).toEqual([member.key, other, goFieldMatch(member.key, other)]);
          checked += 1;
        }
      }
    }
    expect(checked).toBe(expected);
    expect(expected).toBeGreaterThan(FIELDS.length * 200 * FIELDS.length);
  });
});

import { describe, expect, it } from 'vitest';
import { goFieldMatch } from '../../../src/socket/json-object.js';
import { parseRequestHead, renderRequestHead, renderRequestHeadText } from '../../../src/socket/request-head.js';
import { appendLabelChange, buildFormBody, labelEdit, labelledRequest, labelTarget, mergeBodyLabels, mergeBuildLabels, readBody } from '../../../src/socket/rewrite.js';

const SESSION = { 'docker-janitor.session': 's1' };
const merge = (body: string) => {
  const result = mergeBodyLabels(Buffer.from(body), SESSION);
  return result.ok ? result.value.toString() : { error: result.message };
};

describe('labelTarget', () => {
  it.each([
    ['POST', '/containers/create', 'body'],
    ['POST', '/v1.41/containers/create?name=web', 'body'],
    ['POST', '/v1.24/networks/create', 'body'],
    ['POST', '/volumes/create', 'body'],
    ['POST', '/v1.41/build?t=a&labels=%7B%7D', 'build'],
    ['POST', '/build', 'build'],
    ['POST', '/v1.41./containers/create', 'body'],
    ['POST', '/v1.41/containers/%63reate', 'body'],
    ['POST', '/v1.41/%62uild', 'build'],
    ['POST', '/v1.41/commit?container=web', 'changes'],
    ['POST', '/images/create?fromSrc=-', 'changes'],
  ])('%s %s is labelled in the %s', (method, target, expected) => {
    expect(labelTarget(method, target)).toBe(expected);
  });

  it.each([
    ['GET', '/containers/create'],
    ['POST', '/containers/abc/start'],
    ['POST', '/containers/create/x'],
    ['POST', '/x/containers/create'],
    ['POST', '/v1.41/build/prune'],
    ['POST', '/images/create?fromImage=busybox'],
    ['POST', '/exec/abc/start'],
    ['POST', '/vx/containers/create'],
  ])('%s %s is passed through', (method, target) => {
    expect(labelTarget(method, target)).toBeUndefined();
  });
});

describe('mergeBodyLabels', () => {
  it('adds Labels first when the body has none, every other byte kept', () => {
    expect(merge('{"Image":"busybox", "Cmd":["sh"]}')).toBe('{"Labels":{"docker-janitor.session":"s1"},"Image":"busybox", "Cmd":["sh"]}');
  });

  it('merges into the user labels in place, keeping theirs', () => {
    expect(merge('{"Image":"b","Labels":{"user":"x","b":"2"},"Tty":false}')).toBe(
      '{"Image":"b","Labels":{"user":"x","b":"2","docker-janitor.session":"s1"},"Tty":false}',
    );
  });

  it('replaces null Labels (what Go clients send when there are none)', () => {
    expect(merge('{"Name":"v","Labels":null}')).toBe('{"Name":"v","Labels":{"docker-janitor.session":"s1"}}');
  });

  it('the session label wins over a user value for the same key', () => {
    expect(merge('{"Labels":{"docker-janitor.session":"other"}}')).toBe('{"Labels":{"docker-janitor.session":"s1"}}');
  });

  it('merges every case variant the daemon would read (case-insensitive members), later wins', () => {
    expect(merge('{"labels":{"a":"1","c":"x"},"Image":"i","LABELS":{"b":"2","c":"y"},"Tty":true}')).toBe(
      '{"Labels":{"a":"1","c":"y","b":"2","docker-janitor.session":"s1"},"Image":"i","Tty":true}',
    );
  });

  it('reads member names as Go folds them: Labelſ (U+017F) is Labels, escaped or not', () => {
    // The attack report's S2.4: a null Labelſ after the real Labels empties the labels Go reads.
    expect(merge('{"Image":"attack-bb","Cmd":["true"],"Labelſ":null}')).toBe('{"Image":"attack-bb","Cmd":["true"],"Labels":{"docker-janitor.session":"s1"}}');
    expect(merge('{"Labels":{"a":"1"},"Labelſ":null}')).toBe('{"Labels":{"docker-janitor.session":"s1"}}');
    expect(merge('{"Labels":{"a":"1"},"LABEL\\u017f":{"b":"2"},"label\\u0073":{"c":"3"}}')).toBe('{"Labels":{"a":"1","b":"2","c":"3","docker-janitor.session":"s1"}}');
    const out = merge('{"Image":"i","Labelſ":{"u":"1"},"Labels":null,"labels":{"v":"2"}}') as string;
    expect(out).toBe('{"Image":"i","Labels":{"v":"2","docker-janitor.session":"s1"}}');
  });

  it('takes duplicates the way Go does: null drops what was read so far, an object is merged into it', () => {
    expect(merge('{"Labels":{"a":"1"},"Labels":null,"Labels":{"b":"2"}}')).toBe('{"Labels":{"b":"2","docker-janitor.session":"s1"}}');
    expect(merge('{"Labels":{"a":"1"},"Labels":{"a":"2","b":"3"}}')).toBe('{"Labels":{"a":"2","b":"3","docker-janitor.session":"s1"}}');
    expect(merge('{"Labels":null}')).toBe('{"Labels":{"docker-janitor.session":"s1"}}');
  });

  it('exactly one labels member remains, and it parses to the user labels plus the session label', () => {
    for (const body of ['{"Labels":{"a":"1"},"labels":{"b":"2"},"LABELſ":{"c":"3"},"Image":"i"}', '{"Image":"i","lAbElS":{"a":"1"}}']) {
      const out = merge(body) as string;
      const keys = [...out.matchAll(/"([^"]*)":/g)].map((m) => m[1]).filter((key) => key !== undefined && goFieldMatch(key, 'Labels') !== 'no');
      expect(keys).toEqual(['Labels']);
      expect(JSON.parse(out).Labels['docker-janitor.session']).toBe('s1');
    }
  });

  it('refuses a member name another Go decoder might read as Labels and this one not', () => {
    expect(merge('{"Label_s":{"a":"1"}}')).toEqual({ error: 'the member name "Label_s" is ambiguous (it may or may not be read as "Labels")' });
    expect(merge('{"labels-":null}')).toMatchObject({ error: expect.stringMatching(/ambiguous/) });
  });

  it('a label named __proto__ is kept like any other', () => {
    expect(JSON.parse(merge('{"Labels":{"__proto__":"x"}}') as string).Labels).toEqual(JSON.parse('{"__proto__":"x","docker-janitor.session":"s1"}'));
  });

  it('cuts a trailing labels member with its comma', () => {
    expect(merge('{"Labels":{"a":"1"}, "x":1, "labels":{"b":"2"}}')).toBe('{"Labels":{"a":"1","b":"2","docker-janitor.session":"s1"}, "x":1}');
  });

  it('keeps integers beyond 2^53 and unusual spacing exactly', () => {
    const body = '{ "HostConfig" : { "Memory" : 18446744073709551615 } ,\n "Image":"b\\"{x" }';
    expect(merge(body)).toBe(`{"Labels":{"docker-janitor.session":"s1"}, "HostConfig" : { "Memory" : 18446744073709551615 } ,\n "Image":"b\\"{x" }`);
  });

  it('keys inside nested objects are not mistaken for Labels', () => {
    expect(merge('{"HostConfig":{"Labels":{"no":"1"}}}')).toBe('{"Labels":{"docker-janitor.session":"s1"},"HostConfig":{"Labels":{"no":"1"}}}');
  });

  it('an empty body and an empty object get just the labels', () => {
    expect(merge('')).toBe('{"Labels":{"docker-janitor.session":"s1"}}');
    expect(merge('{}')).toBe('{"Labels":{"docker-janitor.session":"s1"}}');
    expect(merge(' { } ')).toBe(' {"Labels":{"docker-janitor.session":"s1"} } ');
  });

  it('refuses what is not a JSON object, and labels that are not strings', () => {
    expect(merge('[1]')).toEqual({ error: 'the request body is not a JSON object' });
    expect(merge('{"Image":')).toEqual({ error: 'the request body is not a JSON object' });
    expect(merge('{"Labels":["a"]}')).toEqual({ error: '"Labels" must be an object of strings' });
    expect(merge('{"Labels":{"a":1}}')).toEqual({ error: 'label "a" must be a string' });
  });

  it('the result parses to the merged object', () => {
    const out = merge('{"Image":"b","Labels":{"u":"1"},"Env":["A=1"]}') as string;
    expect(JSON.parse(out)).toEqual({ Image: 'b', Labels: { u: '1', 'docker-janitor.session': 's1' }, Env: ['A=1'] });
  });
});

describe('labelledRequest: the head and the labelled body in one buffer', () => {
  const bodies = [
    '',
    ' ',
    '{}',
    ' { } ',
    '{"Image":"busybox", "Cmd":["sh"]}',
    '{"Image":"b","Labels":{"user":"x","b":"2"},"Tty":false}',
    '{"labels":{"a":"1","c":"x"},"Image":"i","LABELS":{"b":"2","c":"y"},"Tty":true}',
    '{"Labels":{"a":"1"}, "x":1, "labels":{"b":"2"}}',
    '{"Labels":{"a":"1"},"Labels":null,"Labels":{"b":"2"}}',
    '{"Image":"i","Labelſ":{"u":"1"},"Labels":null,"labels":{"v":"2"}}',
    '{ "HostConfig" : { "Memory" : 18446744073709551615 } ,\n "Image":"b\\"{x" }',
    '{"Image":"bü","Labels":{"ключ":"значение"}}',
    '{"Image":"b","Env":["A=\u00e9"],"Labels":{"a":"😀"}}',
  ];
  const head = parseRequestHead(Buffer.from('POST /v1.41/containers/create?name=x HTTP/1.1\r\nHost: api.moby.localhost\r\nContent-Length: 9\r\nX-Latin: caf\xe9\r\nExpect: 100-continue\r\n\r\n', 'latin1'));
  if (head.kind !== 'head') throw new Error('the head did not parse');

  it.each([SESSION, { 'docker-janitor.session': 'sé', 'ünicode': '😀' }])('is the rendered head and the merged body, byte for byte (labels %j)', (labels) => {
    for (const text of [...bodies, ...bodies.map((body) => body.replace('"Image"', ' "Image"'))]) {
      const bytes = Buffer.from(text, 'utf8');
      const merged = mergeBodyLabels(bytes, labels);
      if (!merged.ok) throw new Error(`${text}: ${merged.message}`);
      const read = readBody(bytes.toString('utf8'));
      const edit = labelEdit(read, labels);
      if (!edit.ok) throw new Error(edit.message);
      const out = labelledRequest((length) => renderRequestHeadText(head.head, { length }), bytes, read.text, edit.value);
      expect(out.equals(Buffer.concat([renderRequestHead(head.head, { length: merged.value.length }), merged.value])), text).toBe(true);
    }
  });

  it('encodes a body with bytes that are not UTF-8 as the merge does (each one as U+FFFD)', () => {
    const bytes = Buffer.concat([Buffer.from('{"Image":"b'), Buffer.from([0x80, 0xff]), Buffer.from('"}')]);
    const read = readBody(bytes.toString('utf8'));
    const edit = labelEdit(read, SESSION);
    if (!edit.ok) throw new Error(edit.message);
    const out = labelledRequest((length) => renderRequestHeadText(head.head, { length }), bytes, read.text, edit.value);
    const merged = mergeBodyLabels(bytes, SESSION);
    if (!merged.ok) throw new Error(merged.message);
    expect(out.subarray(out.length - merged.value.length).equals(merged.value)).toBe(true);
    expect(out.toString('latin1')).toContain(`Content-Length: ${merged.value.length}\r\n\r\n`);
  });
});

describe('goFieldMatch: member names as Go encoding/json binds them to struct fields', () => {
  it.each([
    ['Labels', 'Labels', 'yes'],
    ['labels', 'Labels', 'yes'],
    ['LABELS', 'Labels', 'yes'],
    ['Labelſ', 'Labels', 'yes'],
    ['LABELſ', 'Labels', 'yes'],
    // U+212A KELVIN SIGN folds to k, as Go's unicode.SimpleFold has it
    ['\u212Aey', 'Key', 'yes'],
    ['ſource', 'Source', 'yes'],
    ['Label', 'Labels', 'no'],
    ['Labelss', 'Labels', 'no'],
    ['Labels ', 'Labels', 'no'],
    // U+0130 and U+0131 fold to nothing under simple folding, but to i under ToUpper(ToLower(r))
    ['B\u0131nds', 'Binds', 'ambiguous'],
    ['B\u0130NDS', 'Binds', 'ambiguous'],
    // encoding/json/v2's case-insensitive matching also ignores _ and -
    ['Volume_Driver', 'VolumeDriver', 'ambiguous'],
    ['host-config', 'HostConfig', 'ambiguous'],
  ])('%j against %s: %s', (key, field, expected) => {
    expect(goFieldMatch(key, field)).toBe(expected);
  });

  it('ASCII names (read without a RegExp) get the answers of the Unicode folding patterns', () => {
    // The reference: JavaScript's `iu` matching (CaseFolding.txt simple folding), as the
    // non-ASCII path does it.
    const reference = (key: string, field: string) => {
      const pattern = new RegExp(`^${field}$`, 'iu');
      if (pattern.test(key)) return 'yes';
      return pattern.test(key.replace(/[_-]/g, '').replace(/[\u0130\u0131]/g, 'i')) ? 'ambiguous' : 'no';
    };
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const fields = ['Labels', 'Binds', 'Mounts', 'VolumeDriver', 'HostConfig', 'Type', 'Source', 'VolumeOptions', 'DriverConfig', 'Name', 'Options'];
    const extra = 'abcxyzKSks_-. 0';
    let checked = 0;
    for (const field of fields) {
      for (let n = 0; n < 400; n++) {
        let key = [...field].map((c) => (random(2) ? c.toUpperCase() : c.toLowerCase())).join('');
        const edits = random(4);
        for (let e = 0; e < edits; e++) {
          const at = random(key.length + 1);
          const what = random(3);
          if (what === 0) key = key.slice(0, at) + (extra[random(extra.length)] ?? '') + key.slice(at);
          else if (what === 1) key = key.slice(0, at) + key.slice(at + 1);
          else key = key.slice(0, at) + (random(2) ? '_' : '-') + key.slice(at);
        }
        expect([key, field, goFieldMatch(key, field)]).toEqual([key, field, reference(key, field)]);
        checked += 1;
      }
    }
    expect(checked).toBe(fields.length * 400);
  });
});

describe('mergeBuildLabels', () => {
  const build = (target: string) => {
    const result = mergeBuildLabels(target, SESSION);
    return result.ok ? result.value : { error: result.message };
  };
  const labelsOf = (target: string) => JSON.parse(new URL(`http://x${target}`).searchParams.get('labels') ?? 'null');

  it('adds a labels parameter, the rest of the query kept as written', () => {
    const out = build('/v1.41/build?t=a%3Alatest&q=1') as string;
    expect(out.startsWith('/v1.41/build?t=a%3Alatest&q=1&labels=')).toBe(true);
    expect(labelsOf(out)).toEqual(SESSION);
  });

  it("merges into the user's labels", () => {
    const out = build(`/build?labels=${encodeURIComponent('{"b":"1"}')}&t=x`) as string;
    expect(labelsOf(out)).toEqual({ b: '1', ...SESSION });
    expect(out).toMatch(/^\/build\?t=x&labels=/);
  });

  it('works without a query, and with an empty or null labels value', () => {
    expect(labelsOf(build('/build') as string)).toEqual(SESSION);
    expect(labelsOf(build('/build?labels=') as string)).toEqual(SESSION);
    expect(labelsOf(build('/build?labels=null') as string)).toEqual(SESSION);
  });

  it('refuses labels that are not a JSON object', () => {
    expect(build('/build?labels=%5B%5D')).toEqual({ error: 'the "labels" query parameter must be a JSON object' });
    expect(build('/build?labels=%7B')).toEqual({ error: 'the "labels" query parameter is not JSON' });
    expect(build('/build?labels=%E0%A4%A')).toEqual({ error: 'the query string is not valid percent-encoding' });
  });
});

describe('appendLabelChange: a LABEL instruction after the client\'s own changes', () => {
  const changes = (target: string) => new URL(`http://x${target}`).searchParams.getAll('changes');
  const LABELS = { 'docker-janitor.session': '', 'docker-janitor.build-session': 's1', 'docker-janitor.build': 's1.ab' };
  const INSTRUCTION = 'LABEL "docker-janitor.session"="" "docker-janitor.build-session"="s1" "docker-janitor.build"="s1.ab"';

  it('is appended last, the rest of the target kept as written', () => {
    const out = appendLabelChange(`/v1.41/commit?container=web&changes=${encodeURIComponent('LABEL docker-janitor.session=x')}&pause=1`, LABELS);
    expect(out.startsWith(`/v1.41/commit?container=web&changes=${encodeURIComponent('LABEL docker-janitor.session=x')}&pause=1&changes=`)).toBe(true);
    expect(changes(out)).toEqual(['LABEL docker-janitor.session=x', INSTRUCTION]);
  });

  it('works without a query, and after a trailing ? or &', () => {
    expect(changes(appendLabelChange('/commit', LABELS))).toEqual([INSTRUCTION]);
    expect(appendLabelChange('/commit?', LABELS)).toBe(`/commit?changes=${encodeURIComponent(INSTRUCTION)}`);
    expect(appendLabelChange('/commit?a=1&', LABELS)).toBe(`/commit?a=1&changes=${encodeURIComponent(INSTRUCTION)}`);
  });
});

describe('buildFormBody: a build body Go would read form values from', () => {
  it.each([
    ['application/x-www-form-urlencoded', true],
    ['Application/X-WWW-Form-Urlencoded; charset=utf-8', true],
    ['multipart/form-data; boundary=x', true],
    ['multipart/mixed', true],
    ['application/x-tar', false],
    ['application/json', false],
  ])('%s: %s', (type, refused) => {
    expect(buildFormBody([['Host', 'd'], ['Content-Type', type]]) !== undefined).toBe(refused);
  });

  it('no Content-Type (Go reads application/octet-stream), or a form type in a second header line too', () => {
    expect(buildFormBody([['Host', 'd']])).toBeUndefined();
    expect(buildFormBody([['content-type', 'application/x-tar'], ['Content-Type', 'application/x-www-form-urlencoded']])).toMatch(/form body/);
  });
});

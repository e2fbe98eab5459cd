/** Label filters matched locally (docker/labels.ts): Docker's `label` filter semantics, and the CLI listing format. */
import { describe, expect, it } from 'vitest';
import { labelCheckFormat, labelFilterParts, matchesLabelFilters, parseLabelChecked } from '../../../src/docker/labels.js';

describe('matchesLabelFilters', () => {
  const labels = { 'docker-janitor.session': 'mwwv0000-deadbeef', 'a=b': 'c', empty: '' };
  it.each([
    [['docker-janitor.session=mwwv0000-deadbeef'], true],
    [['docker-janitor.session=mwwv0000-deadbee'], false],
    [['docker-janitor.session=other'], false],
    [['docker-janitor.session'], true],
    [['empty'], true],
    [['empty='], true],
    [['missing'], false],
    [['a=b=c'], false], // split at the first '=': key "a", value "b=c"
    [['docker-janitor.session=mwwv0000-deadbeef', 'missing'], false],
    [[], true],
  ])('%j → %s', (filters, expected) => {
    expect(matchesLabelFilters(labels, filters)).toBe(expected);
  });

  it('no labels at all (null in the engine\'s answer) match no filter', () => {
    expect(matchesLabelFilters(undefined, ['k'])).toBe(false);
    expect(matchesLabelFilters({}, ['k=v'])).toBe(false);
    expect(matchesLabelFilters(undefined, [])).toBe(true);
  });

  it('a key is never found on the prototype', () => {
    expect(matchesLabelFilters({}, ['constructor'])).toBe(false);
    expect(matchesLabelFilters({}, ['__proto__'])).toBe(false);
  });

  it('splits a filter at its first =', () => {
    expect(labelFilterParts('k')).toEqual({ key: 'k' });
    expect(labelFilterParts('k=v=w')).toEqual({ key: 'k', value: 'v=w' });
    expect(labelFilterParts('k=')).toEqual({ key: 'k', value: '' });
  });
});

describe('the CLI listing with label values', () => {
  it('prints the ID and each filter key\'s value as JSON, the key quoted as a Go string', () => {
    expect(labelCheckFormat('.ID', ['docker-janitor.session=x', 'other'])).toBe('[{{json .ID}},{{json (.Label "docker-janitor.session")}},{{json (.Label "other")}}]');
    expect(labelCheckFormat('.Name', ['we"ird=1'])).toBe('[{{json .Name}},{{json (.Label "we\\"ird")}}]');
  });

  it('keeps the lines whose values satisfy the filters (an engine that ignored the filter: the rest is dropped)', () => {
    const filters = ['docker-janitor.session=mine'];
    const stdout = ['["aaa","mine"]', '["bbb","theirs"]', '["ccc",""]', '', '["aaa","mine"]'].join('\n');
    expect(parseLabelChecked(stdout, filters)).toEqual(['aaa']);
  });

  it('a KEY filter needs a value that is not empty (the CLI\'s .Label cannot tell empty from missing): the safe side', () => {
    expect(parseLabelChecked('["aaa","x"]\n["bbb",""]\n', ['k'])).toEqual(['aaa']);
  });

  it('anything but [ID, one value per filter] throws (the caller names the command)', () => {
    expect(() => parseLabelChecked('aaa\n', ['k=v'])).toThrow();
    expect(() => parseLabelChecked('["aaa"]\n', ['k=v'])).toThrow(/expected \[ID, 1 label value\(s\)\]/);
    expect(() => parseLabelChecked('["aaa",1]\n', ['k=v'])).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { AnswerFramer } from '../../../src/socket/answer-framing.js';
import { implicitVolumesOf } from '../../../src/socket/implicit-volumes.js';
import { parseRequestHead } from '../../../src/socket/request-head.js';
import { labelEdit, readBody } from '../../../src/socket/rewrite.js';
import { routeOf } from '../../../src/socket/route.js';
import { SAMPLE_ANSWER, SAMPLE_BODY, SAMPLE_HEAD, warmUpSteps } from '../../../src/socket/warm-up.js';

const LABELS = { 'docker-janitor.session': 's1' };

describe('warmUpSteps', () => {
  it('runs the whole create path on its sample: a labelled container create without volumes, and its answer', () => {
    const parsed = parseRequestHead(Buffer.from(SAMPLE_HEAD + SAMPLE_BODY, 'latin1'));
    if (parsed.kind !== 'head') throw new Error('the sample head did not parse');
    expect(parsed.head.body).toEqual({ kind: 'length', length: SAMPLE_BODY.length });
    expect(routeOf(parsed.head.method, parsed.head.target)).toEqual({ kind: 'create', object: 'containers' });
    const read = readBody(SAMPLE_BODY);
    expect(labelEdit(read, LABELS).ok).toBe(true);
    expect(implicitVolumesOf(read.text, read.layout)).toEqual({ ok: true, volumes: [] });
    const framer = new AnswerFramer();
    framer.expect('POST', false);
    expect(framer.feed(Buffer.from(SAMPLE_ANSWER, 'latin1'))).toEqual({ kind: 'none' });
    expect(framer.answersStarted).toBe(1);
  });

  it('gives its steps round after round, and none of them throws, whatever the labels', () => {
    expect(warmUpSteps(LABELS, 2)).toHaveLength(2 * warmUpSteps(LABELS, 1).length);
    for (const step of warmUpSteps({ ...LABELS, 'ü\u0000': '😀' }, 2)) expect(() => step()).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { HeldTail } from '../../../src/socket/held-tail.js';

const text = (parts: Buffer[]) => Buffer.concat(parts).toString('latin1');

describe('HeldTail: the last bytes of a body wait, the rest goes on in order', () => {
  it('holds the last `limit` bytes whatever the split, and gives back every byte once, in order', () => {
    const body = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');
    for (let limit = 1; limit <= 40; limit += 3) {
      for (let split = 1; split <= body.length; split++) {
        const tail = new HeldTail(limit);
        let sent = '';
        for (let at = 0; at < body.length; at += split) {
          sent += text(tail.push(body.subarray(at, at + split)));
          expect(sent.length).toBe(Math.max(0, Math.min(at + split, body.length) - limit));
        }
        const held = text(tail.release());
        expect(held.length).toBe(Math.min(limit, body.length));
        expect(sent + held).toBe(body.toString('latin1'));
        expect(tail.release()).toEqual([]);
      }
    }
  });

  it('an empty push gives nothing', () => {
    const tail = new HeldTail(4);
    expect(tail.push(Buffer.alloc(0))).toEqual([]);
    expect(text(tail.release())).toBe('');
  });
});

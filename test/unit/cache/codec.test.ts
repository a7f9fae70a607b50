import { describe, expect, it } from 'vitest';
import { CORRUPT, decode, encode } from '../../../src/cache/codec.ts';

describe('codec', () => {
  it('round-trips JSON values, including null and Chinese text', () => {
    for (const value of [null, 0, 'x', '李白', { a: [1, { b: '长' }] }, [], true]) {
      const text = encode(value);
      expect(text).toBeTypeOf('string');
      expect(decode(text as string)).toEqual(value);
    }
  });

  it('refuses values JSON cannot store', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(encode(undefined)).toBeUndefined();
    expect(encode(() => 1)).toBeUndefined();
    expect(encode(10n)).toBeUndefined();
    expect(encode(cyclic)).toBeUndefined();
  });

  it('marks an entry that does not parse as CORRUPT', () => {
    expect(decode('{not json')).toBe(CORRUPT);
    expect(decode('#2 4\n{not')).toBe(CORRUPT); // a v2 header over text that is not JSON
    expect(decode('')).toBe(CORRUPT);
    expect(decode('"ok"')).toBe('ok');
  });
});

import { describe, expect, it } from 'vitest';
import { CORRUPT } from '../../../src/cache/codec.ts';
import { DecodedValues } from '../../../src/cache/decoded-values.ts';
import { resolveCacheOptions } from '../../../src/cache/options.ts';

describe('DecodedValues', () => {
  it('hands the same bytes the same deep-frozen value, and different bytes a different one', () => {
    const memo = new DecodedValues(10);
    const text = JSON.stringify({ settings: { profile: '诗人' }, list: [{ a: 1 }] });
    const a = memo.decode(text) as { settings: { profile: string }; list: { a: number }[] };
    // a string with the same characters made separately (as each Redis reply is) finds the same value
    const b = memo.decode(JSON.stringify(JSON.parse(text)));
    expect(b).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.settings) && Object.isFrozen(a.list[0])).toBe(true);
    expect(() => {
      a.settings.profile = 'changed';
    }).toThrow(TypeError);
    const changed = memo.decode(JSON.stringify({ settings: { profile: '词人' }, list: [{ a: 1 }] }));
    expect(changed).not.toBe(a);
    expect(changed).toEqual({ settings: { profile: '词人' }, list: [{ a: 1 }] });
  });

  it('never remembers a corrupt entry, and stays bounded', () => {
    const memo = new DecodedValues(2);
    expect(memo.decode('{"not json')).toBe(CORRUPT);
    expect(memo.size).toBe(0);
    for (const n of [1, 2, 3]) memo.decode(JSON.stringify({ n }));
    expect(memo.size).toBe(2);
    expect(memo.decode('null')).toBeNull();
  });

  it('is off by default (every hit decoded into a fresh, mutable value) and rejects a negative size', () => {
    expect(resolveCacheOptions({ redis: 'redis://127.0.0.1:1' }).decodedValues).toBe(0);
    expect(() => resolveCacheOptions({ redis: 'redis://127.0.0.1:1', decodedValues: -1 })).toThrow(/decodedValues/);
  });
});

import { describe, expect, it } from 'vitest';
import { KeySpace, leaseKeyOf } from '../../../src/cache/key-space.ts';
import { encodeKeySegment, keys } from '../../../src/cache/keys.ts';

/** The string Redis Cluster hashes for `key`: the first non-empty `{…}`, else the whole key. */
function hashedPart(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('KeySpace', () => {
  it("gives every builder's entry and its lease the same hash-tag input (same Cluster slot)", () => {
    const space = new KeySpace('fastnpc', 'w1');
    for (const key of [
      keys.userSettings(42),
      keys.characterId(42, 'Bob {the} builder'),
      keys.characterProfile('{u}', '}{'),
      keys.characterList(7),
    ]) {
      expect(hashedPart(space.lease(key))).toBe(hashedPart(space.value(key)));
      expect(space.lease(key)).toBe(leaseKeyOf('fastnpc', key));
    }
  });

  it('puts the statistics keys in one slot', () => {
    const space = new KeySpace('fastnpc', 'w1');
    const parts = new Set([space.statsSystem, space.statsWorker, space.statsWorkers].map(hashedPart));
    expect(parts).toEqual(new Set(['stats']));
  });

  it('escapes braces in user-chosen parts', () => {
    expect(encodeKeySegment('{x}')).toBe('%7Bx%7D');
  });

  it('refuses keys with braces only on a Cluster', () => {
    expect(new KeySpace('ns', 'w', false).valid('raw:{x}')).toBe(true);
    expect(new KeySpace('ns', 'w', true).valid('raw:{x}')).toBe(false);
    expect(new KeySpace('ns', 'w', true).valid(keys.characterId(1, '{x}'))).toBe(true);
  });

  it('splits removals per key on a Cluster only', () => {
    expect(new KeySpace('ns', 'w', false).removeBatches(['a', 'b'])).toHaveLength(1);
    expect(new KeySpace('ns', 'w', true).removeBatches(['a', 'b'])).toEqual([
      ['ns:a', 'ns:__cache__:lease:{ns:a}'],
      ['ns:b', 'ns:__cache__:lease:{ns:b}'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeKeySegment, escapeGlob, keys, MAX_SEGMENT_BYTES, patterns } from '../../../src/cache/keys.ts';

const HOSTILE = [
  '*',
  '?',
  '[a-z]',
  'a:b',
  ':',
  '::',
  'with space',
  ' ',
  '李白',
  '李白:*',
  '\\',
  '%',
  '%3A',
  'a%3Ab',
  'tab\there',
  'new\nline',
  '',
  'x'.repeat(10_240),
  `${'x'.repeat(10_240)}y`,
  '长'.repeat(5_000),
];

describe('encodeKeySegment', () => {
  it('never leaves a separator or a glob character in a segment', () => {
    for (const name of HOSTILE) {
      const segment = encodeKeySegment(name);
      expect(segment, JSON.stringify(name.slice(0, 20))).not.toMatch(/[:*?[\]\\\s]/);
    }
  });

  it('is injective over hostile names (no two names share a segment)', () => {
    const segments = HOSTILE.map(encodeKeySegment);
    expect(new Set(segments).size).toBe(HOSTILE.length);
  });

  it('is deterministic', () => {
    for (const name of HOSTILE) expect(encodeKeySegment(name)).toBe(encodeKeySegment(name));
  });

  it('answers a name it remembers as it encoded it, before and after the memo is full', () => {
    const first = HOSTILE.map(encodeKeySegment);
    // 10 000 other names push every hostile one out of the memo: each is then encoded afresh
    for (let i = 0; i < 10_001; i += 1) encodeKeySegment(`角色 ${i}`);
    expect(HOSTILE.map(encodeKeySegment)).toEqual(first);
    expect(encodeKeySegment('角色 7')).toBe('角色%207');
    expect(encodeKeySegment('角色 7')).toBe('角色%207'); // remembered
  });

  it('keeps readable names readable', () => {
    expect(encodeKeySegment('李白')).toBe('李白');
    expect(encodeKeySegment('Alice_01.v2-x')).toBe('Alice_01.v2-x');
    expect(encodeKeySegment(42)).toBe('42');
  });

  it('percent-encodes the escape character so an encoded-looking name stays distinct', () => {
    expect(encodeKeySegment('a:b')).toBe('a%3Ab');
    expect(encodeKeySegment('a%3Ab')).toBe('a%253Ab');
  });

  it('hashes long names into a short segment that percent-encoding never produces', () => {
    const long = encodeKeySegment('x'.repeat(10_240));
    expect(long.startsWith('%H')).toBe(true);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(encodeKeySegment('%H')).toBe('%25H');
  });
});

describe('keys', () => {
  it('builds the plan key layout', () => {
    expect(keys.userSettings(42)).toBe('user_settings:42');
    expect(keys.characterId(42, '李白')).toBe('char_id:42:李白');
    expect(keys.characterProfile(42, '李白')).toBe('char_profile:42:李白');
    expect(keys.characterList(42)).toBe('char_list:42');
  });

  it('keeps the user id and the name apart (no collision through a separator in either)', () => {
    expect(keys.characterId('1:a', 'b')).not.toBe(keys.characterId(1, 'a:b'));
    expect(keys.characterProfile(1, '2:x')).not.toBe(keys.characterProfile('1:2', 'x'));
    expect(keys.characterProfile(1, 'x').split(':')).toHaveLength(3);
    expect(keys.characterProfile(1, '::*::').split(':')).toHaveLength(3);
  });
});

describe('patterns', () => {
  it('targets one user only', () => {
    expect(patterns.characterProfiles(42)).toBe('char_profile:42:*');
    expect(patterns.characterIds(42)).toBe('char_id:42:*');
    expect(patterns.userEntries(42)).toEqual(['user_settings:42', 'char_id:42:*', 'char_profile:42:*', 'char_list:42']);
  });

  it('escapes a hostile user id so the pattern cannot widen', () => {
    expect(patterns.characterProfiles('*')).toBe('char_profile:%2A:*');
  });

  it('escapeGlob escapes every MATCH metacharacter', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
  });
});

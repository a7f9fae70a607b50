import { describe, expect, it } from 'vitest';
import { CachedEntry, CORRUPT, decode, decodeEntry, encode, VALUE_FORMAT_V2 } from '../../../src/cache/codec.ts';

/** The decoder of the code before issue 20 (v1 only), as an older worker in a rolling deploy runs it. */
const decodeV1 = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return CORRUPT;
  }
};

const PROFILE = {
  characterId: 3,
  name: '李白',
  source: null,
  updatedAt: 1_700_000_000,
  structured: { 基础身份信息: { 姓名: '李白', 年龄: '61' }, 背景故事: { 经历: ['a', 'b\n"c"'] } },
  shortTerm: ['短'],
  longTerm: [],
  skipped: undefined,
  'not indexed': 1,
};

describe('value format (v2 written, v1 and v2 read)', () => {
  it('writes v2: a header, then exactly JSON.stringify(value)', () => {
    for (const value of [PROFILE, null, 0, '李白', [1, { a: 2 }], {}, new Date(0), { toJSON: () => 'x' }]) {
      const raw = encode(value) as string;
      expect(raw.startsWith(VALUE_FORMAT_V2)).toBe(true);
      expect(raw.slice(raw.indexOf('\n') + 1)).toBe(JSON.stringify(value));
      expect(decode(raw)).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });

  it("gives each top-level property's text without parsing the entry", () => {
    const entry = decodeEntry(encode(PROFILE) as string) as CachedEntry<typeof PROFILE>;
    expect(entry.part('structured')).toBe(JSON.stringify(PROFILE.structured));
    expect(entry.part('shortTerm')).toBe('["短"]');
    expect(entry.part('longTerm')).toBe('[]');
    expect(entry.part('not indexed')).toBe('1'); // not in the header: from the decoded value
    expect(entry.text).toBe(JSON.stringify(PROFILE));
  });

  it('reads a v1 entry (written before the upgrade) as the same value and the same parts', () => {
    const v1 = JSON.stringify(PROFILE);
    const entry = decodeEntry(v1) as CachedEntry;
    expect(entry).not.toBe(CORRUPT);
    expect(entry.text).toBe(v1);
    expect(entry.part('structured')).toBe(JSON.stringify(PROFILE.structured));
    expect(decode(v1)).toEqual(JSON.parse(v1));
    expect(decode('null')).toBeNull();
  });

  it('an older (v1) worker reads a v2 entry as corrupt — dropped and refilled, never served', () => {
    for (const value of [PROFILE, null, 7, 'x', [], { settings: 1 }]) {
      expect(decodeV1(encode(value) as string)).toBe(CORRUPT);
    }
  });

  it('refuses a torn, cut or unknown-version entry', () => {
    const raw = encode(PROFILE) as string;
    expect(decodeEntry(raw.slice(0, -1))).toBe(CORRUPT); // cut: the length in the header no longer matches
    expect(decodeEntry(`${raw}x`)).toBe(CORRUPT);
    expect(decodeEntry(raw.replace(/^#2 /, '#3 '))).toBe(CORRUPT); // a later version: not guessed at
    expect(decodeEntry('#2 ')).toBe(CORRUPT);
    expect(decodeEntry('#2 2\n{}x')).toBe(CORRUPT);
    // a span that does not delimit a value is not used: the part comes from the parsed text
    const badSpan = decodeEntry(raw.replace(/structured=\d+/, 'structured=1')) as CachedEntry;
    expect(badSpan.part('structured')).toBe(JSON.stringify(PROFILE.structured));
    expect(decodeEntry('{not json')).toBe(CORRUPT);
  });

  it('an entry made for a loaded value has the text and parts a read of its stored form has', () => {
    const made = CachedEntry.of(PROFILE);
    const read = decodeEntry(encode(PROFILE) as string) as CachedEntry;
    expect(made.text).toBe(read.text);
    expect(made.part('structured')).toBe(read.part('structured'));
    expect(made.value).toBe(PROFILE);
  });
});

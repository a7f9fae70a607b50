import { describe, expect, it } from 'vitest';
import { CachedEntry, CORRUPT, decode, decodeEntry, encode, VALUE_FORMAT_V3 } from '../../../src/cache/codec.ts';
import { encodeV2, readV2, V2_CORRUPT } from '../../support/value-format-v2.ts';

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

/** The entry as the cache reads it: the bytes Redis returns (a copy inside a larger buffer, as a reply's view is). */
const asReply = (raw: string): Buffer => {
  const bytes = Buffer.from(`xx${raw}yy`, 'utf8');
  return bytes.subarray(2, bytes.length - 2);
};

describe('value format (v3 written; v1, v2 and v3 read)', () => {
  it('writes v3: a header with the length in UTF-8 bytes, then exactly JSON.stringify(value)', () => {
    for (const value of [PROFILE, null, 0, '李白', [1, { a: 2 }], {}, new Date(0), { toJSON: () => 'x' }]) {
      const raw = encode(value) as string;
      const text = JSON.stringify(value);
      expect(raw.startsWith(VALUE_FORMAT_V3)).toBe(true);
      expect(raw.slice(raw.indexOf('\n') + 1)).toBe(text);
      expect(raw).toMatch(new RegExp(`^#3 ${Buffer.byteLength(text)}[ \n]`));
      expect(decode(raw)).toEqual(JSON.parse(text));
      expect(decode(asReply(raw))).toEqual(JSON.parse(text));
    }
  });

  it("gives each top-level property's text and bytes without decoding or parsing the entry", () => {
    const raw = encode(PROFILE) as string;
    const reply = asReply(raw);
    const entry = decodeEntry(reply) as CachedEntry<typeof PROFILE>;
    const structured = entry.partBytes('structured') as Buffer;
    expect(structured.toString()).toBe(JSON.stringify(PROFILE.structured));
    expect(structured.buffer).toBe(reply.buffer); // a view of the reply's bytes, not a copy
    expect(entry.part('structured')).toBe(JSON.stringify(PROFILE.structured));
    expect(entry.part('shortTerm')).toBe('["短"]');
    expect(entry.partBytes('longTerm')?.toString()).toBe('[]');
    expect(entry.part('not indexed')).toBe('1'); // not in the header: from the decoded value
    expect(entry.partBytes('not indexed')?.toString()).toBe('1');
    expect(entry.part('absent')).toBeUndefined();
    expect(entry.bytes.toString()).toBe(JSON.stringify(PROFILE));
    expect(entry.text).toBe(JSON.stringify(PROFILE));
    expect(entry.isNull).toBe(false);
    // the same entry read as a string (the lease path's reply) gives the same text and parts
    const fromText = decodeEntry(raw) as CachedEntry<typeof PROFILE>;
    expect(fromText.part('structured')).toBe(entry.part('structured'));
    expect(fromText.partBytes('shortTerm')).toEqual(entry.partBytes('shortTerm'));
  });

  it('tells a null value from its bytes alone', () => {
    expect((decodeEntry(asReply(encode(null) as string)) as CachedEntry).isNull).toBe(true);
    expect((decodeEntry(encode(null) as string) as CachedEntry).isNull).toBe(true);
    expect((decodeEntry(asReply(encode('null') as string)) as CachedEntry).isNull).toBe(false); // the string "null"
    expect(CachedEntry.of(null).isNull).toBe(true);
  });

  it('reads a v1 entry (written before issue 20) as the same value and the same parts, from text or bytes', () => {
    const v1 = JSON.stringify(PROFILE);
    for (const raw of [v1, asReply(v1)]) {
      const entry = decodeEntry(raw) as CachedEntry;
      expect(entry).not.toBe(CORRUPT);
      expect(entry.text).toBe(v1);
      expect(entry.part('structured')).toBe(JSON.stringify(PROFILE.structured));
      expect(entry.partBytes('structured')?.toString()).toBe(JSON.stringify(PROFILE.structured));
    }
    expect(decode(v1)).toEqual(JSON.parse(v1));
    expect(decode('null')).toBeNull();
  });

  it('reads a v2 entry (written by the release before v3) as the same value and the same parts', () => {
    const v2 = encodeV2(PROFILE) as string;
    expect(v2.startsWith('#2 ')).toBe(true);
    for (const raw of [v2, asReply(v2)]) {
      const entry = decodeEntry(raw) as CachedEntry;
      expect(entry.text).toBe(JSON.stringify(PROFILE));
      expect(entry.part('structured')).toBe(JSON.stringify(PROFILE.structured));
      expect(entry.partBytes('shortTerm')?.toString()).toBe('["短"]');
    }
  });

  it('a reader of an earlier version reads a v3 entry as corrupt — dropped and refilled, never served', () => {
    for (const value of [PROFILE, null, 7, 'x', [], { settings: 1 }]) {
      const raw = encode(value) as string;
      expect(decodeV1(raw)).toBe(CORRUPT);
      expect(readV2(raw)).toBe(V2_CORRUPT);
    }
  });

  it('control: a v3 header the v2 reader accepted would be served with v2 spans counting the wrong units', () => {
    // what `#2` with byte counts would do: the v2 reader checks the length in UTF-16 units — a CJK text fails it
    const raw = (encode(PROFILE) as string).replace(/^#3 /, '#2 ');
    expect(readV2(raw)).toBe(V2_CORRUPT);
    const ascii = (encode({ a: 'x' }) as string).replace(/^#3 /, '#2 ');
    expect(readV2(ascii)).toBe('{"a":"x"}'); // for ASCII the units agree: only the version tells them apart
  });

  it('refuses a torn, cut, not-UTF-8 or unknown-version entry', () => {
    const raw = encode(PROFILE) as string;
    for (const read of [(r: string) => decodeEntry(r), (r: string) => decodeEntry(asReply(r))]) {
      expect(read(raw.slice(0, -1))).toBe(CORRUPT); // cut: the length in the header no longer matches
      expect(read(`${raw}x`)).toBe(CORRUPT);
      expect(read(raw.replace(/^#3 /, '#4 '))).toBe(CORRUPT); // a later version: not guessed at
      expect(read('#3 ')).toBe(CORRUPT);
      expect(read('#3 2\n{}x')).toBe(CORRUPT);
      expect(read('#3 x\n{}')).toBe(CORRUPT);
      expect(read('#3 1e1\n0123456789')).toBe(CORRUPT);
      expect(read('{not json')).toBe(CORRUPT);
      // a span that does not delimit a value is not used: the part comes from the parsed text
      const badSpan = read(raw.replace(/structured=\d+/, 'structured=1')) as CachedEntry;
      expect(badSpan.part('structured')).toBe(JSON.stringify(PROFILE.structured));
      expect(badSpan.partBytes('structured')?.toString()).toBe(JSON.stringify(PROFILE.structured));
    }
    // bytes that are not UTF-8 (the length right) are never sent
    const bad = Buffer.from('#3 4\n"\xff"x', 'latin1');
    expect(bad.length - bad.indexOf(10) - 1).toBe(4);
    expect(decodeEntry(bad)).toBe(CORRUPT);
  });

  it('an entry made for a loaded value has the text, bytes and parts a read of its stored form has', () => {
    const made = CachedEntry.of(PROFILE);
    const read = decodeEntry(asReply(encode(PROFILE) as string)) as CachedEntry;
    expect(made.text).toBe(read.text);
    expect(made.bytes).toEqual(read.bytes);
    expect(made.part('structured')).toBe(read.part('structured'));
    expect(made.partBytes('structured')).toEqual(read.partBytes('structured'));
    expect(made.value).toBe(PROFILE);
  });
});

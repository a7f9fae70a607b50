/**
 * The format of a value in Redis (docs/cache.md, "Value format"), versioned so a rolling deploy never misreads
 * an entry written by another version:
 *
 * - **v1** (before issue 20): the value's JSON text, nothing else. Still read (a hit), never written.
 * - **v2** (issue 20, round 2): `#2 <length>[ <name>=<start>,<end>]…\n<JSON text>` — the same JSON text after a
 *   one-line header that gives the text's length in UTF-16 code units (a torn or cut entry is caught) and, for an
 *   object, where each top-level property's value lies in the text. Still read, never written.
 * - **v3**: `#3 <bytes>[ <name>=<start>,<end>]…\n<JSON text>` — as v2, but the length and the spans count the UTF-8
 *   bytes of the text, so a route sends an entry, or a part of it, as the bytes Redis returned: no UTF-8 decoding
 *   of the entry, no `JSON.parse`, no `JSON.stringify`, no encoding of the body (`CachedEntry.bytes`,
 *   `CachedEntry.partBytes`). JSON text never holds a raw newline, so the first `\n` ends the header.
 *
 * A reader of an earlier version cannot read a later header (`#` is not JSON; a v2 reader refuses `#3`): it counts
 * the entry as corrupt, deletes it if unchanged and serves a miss from PostgreSQL (refilling its own format) —
 * never a wrong body. A header of a version this code does not know (`#4 …`) is treated the same way here.
 */
import { isUtf8 } from 'node:buffer';

/** Marker returned by `decode` for an entry that is not valid JSON. */
export const CORRUPT: unique symbol = Symbol('corrupt cache entry');

/** How a v2 entry starts; no JSON text starts with `#`. */
export const VALUE_FORMAT_V2 = '#2 ';

/** How a v3 entry (the format written) starts. */
export const VALUE_FORMAT_V3 = '#3 ';

/** Property names given a span in the header (others are in the text but not indexed). */
const INDEXED_NAME = /^[A-Za-z_$][\w$]{0,63}$/;

/** A header's length field: digits only. */
const LENGTH = /^[1-9]\d{0,9}$/;

const COLON = 58;
const COMMA = 44;
const CLOSING_BRACE = 125;

/** Where the header's span of `name` lies in a text of `length` units read by `at`; undefined when it does not hold. */
function spanOf(spans: string, name: string, length: number, at: (i: number) => number): [number, number] | undefined {
  const found = spans.length === 0 ? -1 : spans.indexOf(` ${name}=`);
  if (found < 0) return undefined;
  const from = found + name.length + 2;
  const comma = spans.indexOf(',', from);
  const space = spans.indexOf(' ', comma);
  const start = Number(spans.slice(from, comma));
  const end = Number(spans.slice(comma + 1, space < 0 ? spans.length : space));
  // the text is whole (its length was checked); a span is used only where it delimits a value
  if (!(start > 0 && start < end && end < length && at(start - 1) === COLON)) return undefined;
  const next = at(end);
  return next === COMMA || (next === CLOSING_BRACE && end === length - 1) ? [start, end] : undefined;
}

/**
 * One stored entry: its JSON text (as a string, or as the UTF-8 bytes Redis returned — each made from the other on
 * first use), the value (decoded on first use) and the text of its top-level properties.
 */
export class CachedEntry<T = unknown> {
  #text: string | undefined;
  #bytes: Buffer | undefined;
  #value: T | undefined;
  #decoded: boolean;
  /** The header's spans, ` name=start,end` each ('' for none), read only when a part is asked for. */
  readonly #spans: string;
  /** v3: the spans count bytes of `bytes`; v2: UTF-16 units of `text`. */
  readonly #byteSpans: boolean;

  private constructor(
    text: string | undefined,
    bytes: Buffer | undefined,
    spans: string,
    byteSpans: boolean,
    decoded: boolean,
    value?: T,
  ) {
    this.#text = text;
    this.#bytes = bytes;
    this.#spans = spans;
    this.#byteSpans = byteSpans;
    this.#decoded = decoded;
    this.#value = value;
  }

  /** An entry for a value just loaded (not from Redis): its text is made here. */
  static of<T>(value: T): CachedEntry<T> {
    const encoded = encodeEntry(value);
    return encoded?.entry ?? new CachedEntry<T>('null', undefined, '', false, true, value);
  }

  /** @internal An entry of `text` whose spans count UTF-16 units (`byteSpans` false) or UTF-8 bytes. */
  static ofText<T>(text: string, spans: string, byteSpans: boolean, value?: T, decoded = false): CachedEntry<T> {
    return new CachedEntry<T>(text, undefined, spans, byteSpans, decoded, value);
  }

  /** @internal An entry of UTF-8 `bytes` (valid UTF-8, checked by the caller) whose spans count bytes. */
  static ofBytes<T>(bytes: Buffer, spans: string): CachedEntry<T> {
    return new CachedEntry<T>(undefined, bytes, spans, true, false);
  }

  /** The value's JSON text — exactly `JSON.stringify(value)`. */
  get text(): string {
    if (this.#text === undefined) this.#text = (this.#bytes as Buffer).toString('utf8');
    return this.#text;
  }

  /** The value's JSON text as UTF-8 — for an entry read as bytes, the bytes Redis returned (not copied). */
  get bytes(): Buffer {
    if (this.#bytes === undefined) this.#bytes = Buffer.from(this.#text as string, 'utf8');
    return this.#bytes;
  }

  /** Whether the value is `null` (the text `null`), without decoding anything. */
  get isNull(): boolean {
    if (this.#text !== undefined) return this.#text === 'null';
    const b = this.#bytes as Buffer;
    return b.length === 4 && b[0] === 110 && b[1] === 117 && b[2] === 108 && b[3] === 108; // n u l l
  }

  /** The value (parsed on first use for an entry read from Redis). Treat it as read-only. */
  get value(): T {
    if (!this.#decoded) {
      this.#value = JSON.parse(this.text) as T;
      this.#decoded = true;
    }
    return this.#value as T;
  }

  /**
   * The JSON text of the top-level property `name` of an object value, taken from the stored text when the header
   * gives its span; else (a v1 entry, a name not indexed, a span that does not hold) from the parsed value.
   * undefined when the value has no such property.
   */
  part(name: string): string | undefined {
    if (this.#byteSpans) return this.#bytePart(name)?.toString('utf8') ?? this.#partOfValue(name);
    const text = this.text;
    const span = spanOf(this.#spans, name, text.length, (i) => text.charCodeAt(i));
    return span !== undefined ? text.slice(span[0], span[1]) : this.#partOfValue(name);
  }

  /** `part(name)` as UTF-8 — for a v3 entry read as bytes, a view of the bytes Redis returned (not copied). */
  partBytes(name: string): Buffer | undefined {
    const bytes = this.#byteSpans ? this.#bytePart(name) : undefined;
    if (bytes !== undefined) return bytes;
    const text = this.#byteSpans ? this.#partOfValue(name) : this.part(name);
    return text === undefined ? undefined : Buffer.from(text, 'utf8');
  }

  /** The bytes the header's (byte) span of `name` delimits; undefined when there is none that holds. */
  #bytePart(name: string): Buffer | undefined {
    const bytes = this.bytes;
    const span = spanOf(this.#spans, name, bytes.length, (i) => bytes[i] as number);
    return span === undefined ? undefined : bytes.subarray(span[0], span[1]);
  }

  #partOfValue(name: string): string | undefined {
    const value = this.value as Record<string, unknown> | null;
    return value !== null && typeof value === 'object' ? JSON.stringify(value[name]) : undefined;
  }
}

/** The stored form of `value` (v3) and its entry; undefined when it cannot be stored (undefined, a cycle, a BigInt). */
export function encodeEntry<T>(value: T): { raw: string; entry: CachedEntry<T> } | undefined {
  try {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlain(value)) {
      const text = JSON.stringify(value);
      if (typeof text !== 'string') return undefined;
      return {
        raw: `${VALUE_FORMAT_V3}${Buffer.byteLength(text, 'utf8')}\n${text}`,
        entry: CachedEntry.ofText(text, '', true, value, true),
      };
    }
    // exactly JSON.stringify(value) for a plain object, recording where each property's value lies (in bytes)
    let text = '{';
    let bytes = 1;
    let header = '';
    for (const name of Object.keys(value)) {
      const part = JSON.stringify((value as Record<string, unknown>)[name]);
      if (part === undefined) continue;
      if (bytes > 1) {
        text += ',';
        bytes += 1;
      }
      const label = `${JSON.stringify(name)}:`;
      text += label;
      bytes += Buffer.byteLength(label, 'utf8');
      const partBytes = Buffer.byteLength(part, 'utf8');
      if (INDEXED_NAME.test(name)) header += ` ${name}=${bytes},${bytes + partBytes}`;
      text += part;
      bytes += partBytes;
    }
    text += '}';
    bytes += 1;
    return {
      raw: `${VALUE_FORMAT_V3}${bytes}${header}\n${text}`,
      entry: CachedEntry.ofText(text, header, true, value, true),
    };
  } catch {
    return undefined;
  }
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** The stored form of a value (v3); undefined when it cannot be stored (undefined, a function, a BigInt, a cycle). */
export function encode(value: unknown): string | undefined {
  return encodeEntry(value)?.raw;
}

/** A header's fields after `#N `: the declared length and the spans; undefined when the length is not a number. */
function readHeader(header: string): { length: number; spans: string } | undefined {
  const space = header.indexOf(' ');
  const length = space < 0 ? header : header.slice(0, space);
  if (!LENGTH.test(length)) return undefined;
  return { length: Number(length), spans: space < 0 ? '' : header.slice(space) };
}

/**
 * The entry stored as `raw` — a string, or the bytes as Redis returned them — of any version this code reads (v1,
 * v2, v3), without parsing its JSON (except v1's); CORRUPT when it is not a valid entry (the caller deletes it and
 * serves a miss). The one decoder every reader of raw entries uses (the cache, and tests that compare Redis with
 * PostgreSQL).
 */
export function decodeEntry<T = unknown>(raw: string | Buffer): CachedEntry<T> | typeof CORRUPT {
  if (typeof raw !== 'string') return decodeBytes<T>(raw);
  if (raw.charCodeAt(0) !== 35 /* # */) return decodeV1<T>(raw);
  const v3 = raw.startsWith(VALUE_FORMAT_V3);
  if (!v3 && !raw.startsWith(VALUE_FORMAT_V2)) return CORRUPT; // another version's header
  const end = raw.indexOf('\n');
  if (end < 0) return CORRUPT;
  const header = readHeader(raw.slice(3, end));
  if (header === undefined) return CORRUPT;
  const text = raw.slice(end + 1);
  // the text must be whole: a cut or torn entry is corrupt (the spans are checked where they are used)
  if (header.length !== (v3 ? Buffer.byteLength(text, 'utf8') : text.length)) return CORRUPT;
  return CachedEntry.ofText<T>(text, header.spans, v3);
}

/** `decodeEntry` of the bytes Redis returned: a v3 entry keeps them (its text is decoded only if asked for). */
function decodeBytes<T>(raw: Buffer): CachedEntry<T> | typeof CORRUPT {
  if (raw[0] !== 35 /* # */) return decodeV1<T>(raw.toString('utf8'));
  if (raw[1] !== 51 /* 3 */ || raw[2] !== 32)
    return raw[1] === 50 /* 2 */ ? decodeEntry<T>(raw.toString('utf8')) : CORRUPT;
  const end = raw.indexOf(10 /* \n */);
  if (end < 0) return CORRUPT;
  const header = readHeader(raw.toString('latin1', 3, end));
  if (header === undefined || header.length !== raw.length - end - 1) return CORRUPT;
  const bytes = raw.subarray(end + 1);
  // sent as they are: bytes that are not UTF-8 would be a body no decoding of the entry could give
  return isUtf8(bytes) ? CachedEntry.ofBytes<T>(bytes, header.spans) : CORRUPT;
}

function decodeV1<T>(raw: string): CachedEntry<T> | typeof CORRUPT {
  try {
    return CachedEntry.ofText<T>(raw, '', false, JSON.parse(raw) as T, true); // v1: plain JSON
  } catch {
    return CORRUPT;
  }
}

/** Parses a stored entry (any version read); CORRUPT when it is not a valid entry. */
export function decode<T>(raw: string | Buffer): T | typeof CORRUPT {
  const entry = decodeEntry<T>(raw);
  if (entry === CORRUPT) return CORRUPT;
  try {
    return entry.value;
  } catch {
    return CORRUPT;
  }
}

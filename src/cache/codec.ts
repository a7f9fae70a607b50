/**
 * The format of a value in Redis (docs/cache.md, "Value format"), versioned so a rolling deploy never misreads
 * an entry written by another version:
 *
 * - **v1** (before issue 20): the value's JSON text, nothing else. Still read (a hit), never written.
 * - **v2**: `#2 <length>[ <name>=<start>,<end>]…\n<JSON text>` — the same JSON text after a one-line header that
 *   gives the text's length (a torn or cut entry is caught) and, for an object, where each top-level property's
 *   value lies in the text, so a route can send a part of an entry as bytes without `JSON.parse` +
 *   `JSON.stringify` (`CachedEntry.part`). JSON text never holds a raw newline, so the first `\n` ends the header.
 *
 * A v1 reader (an older worker) cannot parse `#`: it counts a v2 entry as corrupt, deletes it if unchanged and
 * serves a miss from PostgreSQL (refilling v1) — never a wrong body. A header of another version (`#3 …`) is
 * treated the same way here.
 */

/** Marker returned by `decode` for an entry that is not valid JSON. */
export const CORRUPT: unique symbol = Symbol('corrupt cache entry');

/** How a v2 entry starts; no JSON text starts with `#`. */
export const VALUE_FORMAT_V2 = '#2 ';

/** Property names given a span in the header (others are in the text but not indexed). */
const INDEXED_NAME = /^[A-Za-z_$][\w$]{0,63}$/;

/** One stored entry: its JSON text, the value (decoded on first use) and the text of its top-level properties. */
export class CachedEntry<T = unknown> {
  /** The value's JSON text — exactly `JSON.stringify(value)`. */
  readonly text: string;
  #value: T | undefined;
  #decoded: boolean;
  /** The header's spans, ` name=start,end` each ('' for none), read only when a part is asked for. */
  readonly #spans: string;

  private constructor(text: string, spans: string, decoded: boolean, value?: T) {
    this.text = text;
    this.#spans = spans;
    this.#decoded = decoded;
    this.#value = value;
  }

  /** An entry for a value just loaded (not from Redis): its text is made here. */
  static of<T>(value: T): CachedEntry<T> {
    const encoded = encodeEntry(value);
    return encoded?.entry ?? new CachedEntry<T>('null', '', true, value);
  }

  /** @internal */
  static made<T>(text: string, spans: string, value?: T, decoded = false): CachedEntry<T> {
    return new CachedEntry<T>(text, spans, decoded, value);
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
   * The JSON text of the top-level property `name` of an object value, sliced from the stored text when the header
   * gives its span; else (a v1 entry, a name not indexed, a span that does not hold) from the parsed value.
   * undefined when the value has no such property.
   */
  part(name: string): string | undefined {
    const spans = this.#spans;
    const at = spans.length === 0 ? -1 : spans.indexOf(` ${name}=`);
    if (at >= 0) {
      const from = at + name.length + 2;
      const comma = spans.indexOf(',', from);
      const space = spans.indexOf(' ', comma);
      const start = Number(spans.slice(from, comma));
      const end = Number(spans.slice(comma + 1, space < 0 ? spans.length : space));
      // the text is whole (its length was checked); a span is used only where it delimits a value
      if (start > 0 && start < end && end < this.text.length && this.text.charCodeAt(start - 1) === 58 /* : */) {
        const next = this.text.charCodeAt(end);
        if (next === 44 /* , */ || (next === 125 /* } */ && end === this.text.length - 1)) {
          return this.text.slice(start, end);
        }
      }
    }
    const value = this.value as Record<string, unknown> | null;
    return value !== null && typeof value === 'object' ? JSON.stringify(value[name]) : undefined;
  }
}

/** The stored form of `value` (v2) and its entry; undefined when it cannot be stored (undefined, a cycle, a BigInt). */
export function encodeEntry<T>(value: T): { raw: string; entry: CachedEntry<T> } | undefined {
  try {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !isPlain(value)) {
      const text = JSON.stringify(value);
      if (typeof text !== 'string') return undefined;
      return {
        raw: `${VALUE_FORMAT_V2}${text.length}\n${text}`,
        entry: CachedEntry.made(text, '', value, true),
      };
    }
    // exactly JSON.stringify(value) for a plain object, recording where each property's value lies
    let text = '{';
    let header = '';
    for (const name of Object.keys(value)) {
      const part = JSON.stringify((value as Record<string, unknown>)[name]);
      if (part === undefined) continue;
      if (text.length > 1) text += ',';
      text += `${JSON.stringify(name)}:`;
      if (INDEXED_NAME.test(name)) header += ` ${name}=${text.length},${text.length + part.length}`;
      text += part;
    }
    text += '}';
    return {
      raw: `${VALUE_FORMAT_V2}${text.length}${header}\n${text}`,
      entry: CachedEntry.made(text, header, value, true),
    };
  } catch {
    return undefined;
  }
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** The stored form of a value (v2); undefined when it cannot be stored (undefined, a function, a BigInt, a cycle). */
export function encode(value: unknown): string | undefined {
  return encodeEntry(value)?.raw;
}

/**
 * The entry stored as `raw`, of any version this code reads (v1, v2), without parsing a v2 entry's JSON; CORRUPT
 * when it is not a valid entry (the caller deletes it and serves a miss). The one decoder every reader of raw
 * entries uses (the cache, and tests that compare Redis with PostgreSQL).
 */
export function decodeEntry<T = unknown>(raw: string): CachedEntry<T> | typeof CORRUPT {
  if (raw.charCodeAt(0) !== 35 /* # */) {
    try {
      return CachedEntry.made<T>(raw, '', JSON.parse(raw) as T, true); // v1: plain JSON
    } catch {
      return CORRUPT;
    }
  }
  if (!raw.startsWith(VALUE_FORMAT_V2)) return CORRUPT; // another version's header
  const end = raw.indexOf('\n');
  if (end < 0) return CORRUPT;
  const space = raw.indexOf(' ', VALUE_FORMAT_V2.length);
  const lengthEnd = space < 0 || space > end ? end : space;
  const length = Number(raw.slice(VALUE_FORMAT_V2.length, lengthEnd));
  // the text must be whole: a cut or torn entry is corrupt (the spans are checked where they are used)
  if (lengthEnd === VALUE_FORMAT_V2.length || length !== raw.length - end - 1 || length === 0) return CORRUPT;
  return CachedEntry.made<T>(raw.slice(end + 1), raw.slice(lengthEnd, end));
}

/** Parses a stored entry (any version read); CORRUPT when it is not a valid entry. */
export function decode<T>(raw: string): T | typeof CORRUPT {
  const entry = decodeEntry<T>(raw);
  if (entry === CORRUPT) return CORRUPT;
  try {
    return entry.value;
  } catch {
    return CORRUPT;
  }
}

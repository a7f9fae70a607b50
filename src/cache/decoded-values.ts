import { CORRUPT, decode } from './codec.ts';

/** Entries longer than this (characters) are decoded every time: the memo is for the small, hot entries. */
const MAX_REMEMBERED_LENGTH = 64 * 1024;

/** Freezes a decoded JSON value and everything in it, so that one shared copy can be handed to every reader. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * The values of the entries this process read last, keyed by their exact text in Redis: a hit whose bytes are the
 * ones read before gets the value decoded then (deep-frozen, shared by every reader) instead of a `JSON.parse`.
 * Every read still goes to Redis — only the decoding of identical bytes is skipped, so nothing here can be stale:
 * an entry that changed in Redis is different text and is decoded afresh. Bounded: beyond `maxEntries` the
 * oldest goes. Opt-in (`CacheOptions.decodedValues`): readers must treat values as read-only.
 */
export class DecodedValues {
  readonly #max: number;
  readonly #values = new Map<string, unknown>();

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#values.size;
  }

  /** The value of `raw` (shared and frozen), or CORRUPT when it is not JSON (never remembered). */
  decode(raw: string): unknown {
    const known = this.#values.get(raw);
    if (known !== undefined) return known;
    const value = decode(raw);
    if (value === CORRUPT || raw.length > MAX_REMEMBERED_LENGTH) return value;
    if (this.#values.size >= this.#max) {
      const oldest = this.#values.keys().next().value;
      if (oldest !== undefined) this.#values.delete(oldest);
    }
    this.#values.set(raw, deepFreeze(value));
    return value;
  }
}

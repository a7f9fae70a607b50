/** Marker returned by `decode` for an entry that is not valid JSON. */
export const CORRUPT: unique symbol = Symbol('corrupt cache entry');

/** JSON-encodes a value for Redis; undefined when it cannot be stored (undefined, a function, a BigInt, a cycle). */
export function encode(value: unknown): string | undefined {
  try {
    const text = JSON.stringify(value);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a stored entry; CORRUPT when it is not JSON (the caller deletes it and serves a miss). */
export function decode<T>(raw: string): T | typeof CORRUPT {
  try {
    return JSON.parse(raw) as T;
  } catch {
    return CORRUPT;
  }
}

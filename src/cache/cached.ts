import type { Cache, GetOrLoadOptions } from './types.ts';

/**
 * The plan's `cached(key_prefix, ttl)` decorator as a function wrapper: the returned function reads through
 * `cache.getOrLoad` (leases included) under the key `key(...args)`. Build keys with `keys.*` so user input is
 * encoded.
 *
 * @example
 * const loadSettings = cached(cache, (uid: number) => keys.userSettings(uid), (uid) => db.settings(uid));
 */
export function cached<A extends unknown[], T>(
  cache: Cache,
  key: (...args: A) => string,
  load: (...args: A) => Promise<T>,
  options?: GetOrLoadOptions,
): (...args: A) => Promise<T> {
  return (...args: A) => cache.getOrLoad(key(...args), () => load(...args), options);
}

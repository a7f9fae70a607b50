export { createCache, INTERNAL_PREFIX } from './cache.ts';
export { cached } from './cached.ts';
export { CachedEntry, CORRUPT, decode, decodeEntry, VALUE_FORMAT_V2 } from './codec.ts';
export { CacheError, type CacheErrorCode, CacheInvalidationError, CacheOptionError } from './errors.ts';
export { encodeKeySegment, escapeGlob, keys, MAX_SEGMENT_BYTES, patterns } from './keys.ts';
export { METRIC_NAMES } from './metrics.ts';
export {
  type CacheLogger,
  type CacheOptions,
  CONSOLE_LOGGER,
  cacheOptionsFromEnv,
  DEFAULT_CACHE_OPTIONS,
} from './options.ts';
export type { Cache, CacheStats, Counters, FenceState, GetOrLoadOptions, RedisSource } from './types.ts';

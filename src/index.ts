/**
 * The library API: the cache module. The local test stack (src/stack/), the service, the gate and the invalidator are
 * programs of this repository, not part of it.
 */
export {
  type Cache,
  CacheError,
  type CacheErrorCode,
  CacheInvalidationError,
  type CacheLogger,
  CacheOptionError,
  type CacheOptions,
  type CacheStats,
  CONSOLE_LOGGER,
  type Counters,
  cached,
  cacheOptionsFromEnv,
  createCache,
  DEFAULT_CACHE_OPTIONS,
  encodeKeySegment,
  escapeGlob,
  type GetOrLoadOptions,
  INTERNAL_PREFIX,
  keys,
  MAX_SEGMENT_BYTES,
  METRIC_NAMES,
  patterns,
  type RedisSource,
} from './cache/index.ts';

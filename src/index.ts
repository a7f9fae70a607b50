export type { Cache, CacheStats, Counters, GetOrLoadOptions, RedisSource } from './cache/types.ts';
export * from './stack/index.ts';

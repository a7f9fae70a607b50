import type { Cache, CacheStats, Counters } from '../cache/types.ts';

const ZERO: Counters = { hits: 0, misses: 0, sets: 0, deletes: 0, errors: 0, hitRate: 0, totalRequests: 0 };

/**
 * CACHE_MODE=off: the same service code runs against this stand-in, which stores nothing and calls every loader,
 * so one workload can be measured with and without Redis. Not a cache — the null object of the Cache interface.
 */
export function createCacheOff(): Cache {
  return {
    get: async () => undefined,
    set: async () => false,
    delete: async () => false,
    exists: async () => false,
    deletePattern: async () => 0,
    clearAll: async () => 0,
    getOrLoad: (_key, loader) => loader(),
    invalidate: async () => {},
    stats: async (): Promise<CacheStats> => ({
      process: { ...ZERO },
      system: { ...ZERO },
      workers: {},
      systemAvailable: false,
    }),
    ping: async () => false,
    close: async () => {},
  };
}

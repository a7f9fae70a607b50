import type { Cache, FenceState } from '../cache/types.ts';
import type { CachedReads } from './cached-reads.ts';
import type { ServiceConfig } from './config.ts';
import type { Database } from './db.ts';
import type { KeyScheme } from './defects.ts';
import type { WriteInvalidation } from './invalidation.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { Responder } from './responder.ts';

/** Redis memory and keyspace figures for /admin/cache/stats (INFO memory + stats). */
export interface RedisInfo {
  used_memory: number | null;
  used_memory_peak: number | null;
  maxmemory: number | null;
  evicted_keys: number | null;
  keyspace_hits: number | null;
  keyspace_misses: number | null;
  connected: boolean;
}

/** Everything the routes use; built once per worker in worker.ts, or by a test. */
export interface ServiceDeps {
  config: ServiceConfig;
  db: Database;
  cache: Cache;
  reads: ServiceReads;
  /** The write path's synchronous delete of what a committed write changed (not the commit-log invalidator). */
  writeInvalidation: WriteInvalidation;
  responder: Responder;
  metrics: ServiceMetrics;
  redisInfo: () => Promise<RedisInfo>;
  /** Last known Redis state: 'off' with CACHE_MODE=off. */
  redisState: () => 'up' | 'down' | 'off';
  /** The cache's fence after an outage (read synchronously); undefined when there is none (invalidator off). */
  fenceState: () => FenceState | undefined;
  /** Key builders (ours; FastNPC's raw concatenation under the emulated names-in-keys defect). */
  keys: KeyScheme;
}

/** The cached reads the routes use (`CachedReads`, or it wrapped by an emulated defect: defect-wrappers.ts). */
export type ServiceReads = Pick<
  CachedReads,
  'settings' | 'settingsEntry' | 'characterId' | 'profile' | 'profileEntry' | 'list'
>;

import type { Cluster, Redis, RedisOptions } from 'ioredis';
import type { RedisTopology } from '../redis/topology.ts';

/** Counters of one process, or of all workers together (`system`). */
export interface Counters {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  errors: number;
  /** hits / (hits + misses), 0 when there were no reads. 0..1 */
  hitRate: number;
  /** hits + misses */
  totalRequests: number;
}

/** `process`: this worker since start; `system`: every worker sharing the namespace, kept in Redis. */
export interface CacheStats {
  process: Counters;
  /** All workers together (Redis hash, plus this process's not yet flushed counts). */
  system: Counters;
  /** workerId → that worker's counters as last flushed to Redis (this worker's include its unflushed counts). */
  workers: Record<string, Counters>;
  /**
   * False when Redis could not be read: then `system` is only this process's counters and `workers` holds only
   * this worker.
   */
  systemAvailable: boolean;
}

/** The fence after an outage as this process sees it (`fence.ts`). */
export interface FenceState {
  /** true while entries in Redis are not served (reads go to the loader and are not stored). */
  fenced: boolean;
  /** How long ago this process last saw the invalidator progress (ms); undefined before it ever did. */
  lagMs: number | undefined;
}

export interface GetOrLoadOptions {
  /** TTL of the stored value in seconds; undefined = no expiry (until invalidated). */
  ttlSeconds?: number;
  /**
   * Resolve to the entry (`CachedEntry`: the stored JSON text, its parts, the value decoded on demand) instead of
   * the value, so a route can send the stored text as its body. A Cache that does not know this option (a stand-in,
   * a wrapper) resolves to the value: callers wrap a value that is not a `CachedEntry` with `CachedEntry.of`.
   * @default false
   */
  entry?: boolean;
}

/** The cache of the FastNPC plan: one interface over one Redis shared by every worker. */
export interface Cache {
  /** Miss, corrupt entry or Redis failure → undefined (counted). Never throws. */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores a JSON value; false when Redis failed. Never throws. */
  set(key: string, value: unknown, ttlSeconds?: number): Promise<boolean>;
  /** Deletes one entry and voids its lease; false when Redis failed. Never throws. */
  delete(key: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Glob within the namespace; SCAN + UNLINK, never KEYS. Returns the count deleted. */
  deletePattern(pattern: string): Promise<number>;
  /** Deletes this namespace only; never FLUSHDB/FLUSHALL. */
  clearAll(): Promise<number>;
  /** Cache-aside with leases: a load that started before an invalidation never stores its value. */
  getOrLoad<T>(key: string, loader: () => Promise<T>, options?: GetOrLoadOptions): Promise<T>;
  /** Deletes entries and voids their leases; rejects with CacheInvalidationError when Redis cannot confirm. */
  invalidate(...keys: string[]): Promise<void>;
  /**
   * Records that `keys` were invalidated (confirmed) after PostgreSQL transaction `xid` (32-bit, as pgoutput's
   * Begin carries it) committed, so the commit-log invalidator leaves their refilled entries in place
   * (docs/invalidation.md). Call right after `invalidate(...keys)` resolved: refused (false) for a key whose last
   * invalidation was not confirmed by this cache, or when the connection closed since it was sent. False when not
   * recorded (the invalidator then deletes as before). Never throws. Absent when fills are not lease-guarded.
   */
  markInvalidated?(xid: string, keys: readonly string[]): Promise<boolean>;
  stats(): Promise<CacheStats>;
  /** The fence's state, read synchronously; undefined when the cache runs without a fence. */
  fenceState?(): FenceState | undefined;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * What `CacheOptions.redis` accepts: a redis:// or rediss:// URL, ioredis options, a topology (`{ kind: 'single' |
 * 'sentinel' | 'cluster', … }`, see src/redis/topology.ts), or a client we do not own (Redis or Cluster).
 */
export type RedisSource = string | RedisOptions | RedisTopology | Redis | Cluster;

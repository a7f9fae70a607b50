import { BreakerGate } from './breaker-gate.ts';
import { CachedEntry, encode } from './codec.ts';
import { Connection, errorMessage } from './connection.ts';
import { CorruptEntries } from './corrupt-entries.ts';
import { CacheCounters } from './counters.ts';
import { DecodedValues } from './decoded-values.ts';
import { CacheInvalidationError } from './errors.ts';
import { Fence } from './fence.ts';
import {
  consistencyKey,
  INTERNAL_PREFIX,
  SYNC_INVALIDATION_TTL_SECONDS,
  syncInvalidationKey,
} from './internal-keys.ts';
import { KeySpace } from './key-space.ts';
import { Leases } from './leases.ts';
import { registerCacheMetrics } from './metrics.ts';
import { type CacheOptions, type ResolvedCacheOptions, resolveCacheOptions } from './options.ts';
import { PatternDeletes } from './pattern-deletes.ts';
import { PendingInvalidations } from './pending-invalidations.ts';
import { ReadPath } from './read-path.ts';
import { STORE } from './scripts.ts';
import { toCounters } from './stats.ts';
import { StatsFlush } from './stats-flush.ts';
import type { Cache, CacheStats, FenceState, GetOrLoadOptions } from './types.ts';
import { Watchdog } from './watchdog.ts';

export { INTERNAL_PREFIX } from './internal-keys.ts';

function ttlMsOf(ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds === undefined) return 0;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) return undefined;
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

/**
 * The public API over the parts: connection (connection.ts), the bound on every command (watchdog.ts), whether
 * Redis may be used (breaker-gate.ts), exact counters (counters.ts), corrupt entries, unconfirmed invalidations
 * and their replay (pending-invalidations.ts), statistics in Redis (stats-flush.ts), the lease protocol
 * (leases.ts), the read of get/getOrLoad (read-path.ts), pattern deletes on every primary (pattern-deletes.ts) and
 * the fence after an outage (fence.ts).
 */
/** How many confirmed invalidations `markInvalidated` may still vouch for (the map is emptied beyond that). */
const CONFIRMED_KEPT = 10_000;

class RedisCache implements Cache {
  readonly #options: ResolvedCacheOptions;
  readonly #keys: KeySpace;
  readonly #connection: Connection;
  readonly #watchdog: Watchdog;
  readonly #gate: BreakerGate;
  readonly #counters = new CacheCounters();
  readonly #corrupt: CorruptEntries;
  readonly #pending: PendingInvalidations;
  readonly #statsFlush: StatsFlush;
  readonly #leases: Leases;
  /** The fence after an outage (undefined: no fence configured). */
  readonly #fence: Fence | undefined;
  readonly #unregisterMetrics: () => void;
  /** get and getOrLoad's read: batched, decoded and counted per batch; a miss goes on to the lease protocol. */
  readonly #readPath: ReadPath;
  /** deletePattern/clearAll's SCAN + UNLINK on every primary. */
  readonly #patternDeletes: PatternDeletes;
  /** Connection closes (and Cluster node losses) so far: a failover in between may have lost a confirmed delete. */
  #closes = 0;
  /** Per key, `#closes` when its last confirmed invalidation was sent (what `markInvalidated` may vouch for). */
  readonly #confirmed = new Map<string, number>();

  constructor(options: ResolvedCacheOptions) {
    this.#options = options;
    const ns = options.namespace;
    // A closed connection (restart, partition, reset by the watchdog): Redis may come back older or emptied.
    const connection = new Connection(options, () => {
      this.#closes += 1;
      this.#fence?.distrust('connection closed');
    });
    this.#keys = new KeySpace(ns, options.workerId, connection.cluster);
    this.#connection = connection;
    const client = connection.client;
    this.#watchdog = new Watchdog({
      timeoutMs: options.commandTimeoutMs,
      enabled: connection.owned,
      onExpired: () => connection.reset(),
      logger: options.logger,
    });
    this.#gate = new BreakerGate({
      options,
      connection,
      watchdog: this.#watchdog,
      counters: this.#counters,
      distrust: (reason) => this.#fence?.distrust(reason),
      probe: () => this.#probe(),
    });
    this.#patternDeletes = new PatternDeletes(connection, this.#gate, this.#keys.internal);
    this.#fence = options.fence
      ? new Fence({
          ...options.fence,
          namespace: ns,
          logger: options.logger,
          read: async (waiting) => {
            // a fenced process asks the invalidator for a tick (it ticks rarely while nobody waits)
            if (waiting) await this.#gate.command(() => client.hset(consistencyKey(ns), 'tick_wanted', '1'));
            const [issued, caughtUp] = await this.#gate.command(() =>
              client.hmget(consistencyKey(ns), 'tick_seq', 'caught_up_seq'),
            );
            const number = (v: string | null | undefined) => (v == null ? undefined : Number(v));
            return { issued: number(issued), caughtUp: number(caughtUp) };
          },
        })
      : undefined;
    this.#corrupt = new CorruptEntries(this.#keys, this.#gate, this.#counters, options.logger);
    this.#pending = new PendingInvalidations(this.#keys, this.#gate, connection, options.logger);
    this.#statsFlush = new StatsFlush(options, this.#keys, this.#gate, connection, this.#counters);
    this.#leases = new Leases({
      options,
      keys: this.#keys,
      gate: this.#gate,
      counters: this.#counters,
      corrupt: this.#corrupt,
      fence: this.#fence,
    });
    this.#readPath = new ReadPath({
      client,
      cluster: connection.cluster,
      keys: this.#keys,
      watchdog: this.#watchdog,
      gate: this.#gate,
      counters: this.#counters,
      corrupt: this.#corrupt,
      leases: this.#leases,
      pending: this.#pending,
      fence: this.#fence,
      decoded: options.decodedValues > 0 ? new DecodedValues(options.decodedValues) : undefined,
    });
    this.#unregisterMetrics = registerCacheMetrics(options.registry, {
      namespace: ns,
      counts: () => ({ ...this.#counters.process }),
      breakerOpen: () => !this.#gate.breakerClosed,
      fenced: () => (this.#fence === undefined ? undefined : !this.#fence.trusted),
      invalidatorLagMs: () => this.#fence?.lagMs,
    });
  }

  /** Probe of the breaker: PING, then replay invalidations that failed; only then is Redis used again. */
  async #probe(): Promise<boolean> {
    if (this.#gate.closed) return false;
    try {
      // a reconnect under way after the outage is waited for (at most commandTimeoutMs), not taken for a failure
      if (!this.#connection.ready && !(await this.#connection.waitReady())) return false;
      if ((await this.#gate.command(() => this.#connection.client.ping())) !== 'PONG') return false;
      return await this.#pending.replay();
    } catch {
      return false;
    }
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.#readPath.get<T>(key);
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<boolean> {
    const payload = encode(value);
    const ttlMs = ttlMsOf(ttlSeconds);
    if (!this.#keys.valid(key) || payload === undefined || ttlMs === undefined) {
      this.#options.logger.warn('set refused: invalid key, value that is not JSON, or ttlSeconds not > 0', {
        key: typeof key === 'string' ? key : typeof key,
      });
      this.#counters.count('errors');
      return false;
    }
    if (!(await this.#gate.usable())) {
      if (!this.#gate.closed) this.#counters.count('errors');
      return false;
    }
    try {
      await this.#gate.run(STORE, [this.#keys.value(key), this.#keys.lease(key)], [payload, ttlMs]);
      this.#pending.forget(key); // the old value it was meant to remove is overwritten
      this.#counters.count('sets');
      return true;
    } catch (error) {
      this.#gate.failed('set', error);
      return false;
    }
  }

  async delete(key: string): Promise<boolean> {
    if (!this.#keys.valid(key)) {
      this.#counters.count('errors');
      return false;
    }
    if (!(await this.#gate.usable())) {
      if (!this.#gate.closed) {
        this.#counters.count('errors');
        this.#pending.remember([key]);
      }
      return false;
    }
    try {
      await this.#gate.remove(this.#keys.removeBatches([key]));
      this.#pending.forget(key);
      this.#counters.count('deletes');
      return true;
    } catch (error) {
      this.#gate.failed('delete', error);
      this.#pending.remember([key]);
      return false;
    }
  }

  async exists(key: string): Promise<boolean> {
    if (!this.#keys.valid(key) || !(await this.#gate.usable())) return false;
    if (this.#fence !== undefined && !this.#fence.trusted) return false;
    if (this.#pending.size > 0 && !(await this.#pending.confirmed(key))) return false;
    try {
      const n = await this.#gate.command(() => this.#connection.client.exists(this.#keys.value(key)));
      this.#gate.success();
      return n === 1;
    } catch (error) {
      this.#gate.failed('exists', error);
      return false;
    }
  }

  async deletePattern(pattern: string): Promise<number> {
    if (typeof pattern !== 'string' || pattern.length === 0 || !(await this.#gate.usable())) {
      if (!this.#gate.closed) this.#counters.count('errors');
      return 0;
    }
    try {
      // Leases first: a load that stored before this point is removed by the value scan, one that stores after
      // it finds its lease gone and is refused.
      await this.#patternDeletes.unlink(this.#keys.leasePattern(pattern), false);
      const removed = await this.#patternDeletes.unlink(this.#keys.prefix + pattern, true);
      this.#counters.count('deletes', removed);
      return removed;
    } catch (error) {
      this.#gate.failed('deletePattern', error);
      return 0;
    }
  }

  async clearAll(): Promise<number> {
    return await this.deletePattern('*');
  }

  getOrLoad<T>(key: string, loader: () => Promise<T>, options?: GetOrLoadOptions): Promise<T> {
    const ttlMs = ttlMsOf(options?.ttlSeconds);
    if (!this.#keys.valid(key) || ttlMs === undefined) {
      const loaded = this.#loadInvalid(key, loader);
      return options?.entry === true ? (loaded.then((value) => CachedEntry.of(value)) as Promise<T>) : loaded;
    }
    return this.#readPath.getOrLoad(key, loader, ttlMs, options?.entry === true);
  }

  async #loadInvalid<T>(key: string, loader: () => Promise<T>): Promise<T> {
    this.#options.logger.warn('getOrLoad bypassed the cache: invalid key or ttlSeconds not > 0', {
      key: typeof key === 'string' ? key : typeof key,
    });
    if (!this.#gate.closed) {
      this.#counters.miss();
      this.#counters.count('errors');
    }
    return await this.#leases.load(loader);
  }

  async invalidate(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const invalid = keys.filter((key) => !this.#keys.valid(key));
    if (invalid.length > 0) {
      throw new CacheInvalidationError(
        keys,
        `invalid key(s): keys must be non-empty strings not starting with '${INTERNAL_PREFIX}'`,
      );
    }
    if (this.#gate.closed) throw new CacheInvalidationError(keys, 'the cache is closed');
    // an open breaker is probed at once before an invalidation is given up: Redis may be back before the next
    // scheduled probe, while another worker already trusts it again and would serve the entry this write left
    if (!this.#gate.breakerClosed) await this.#gate.probeNow();
    if (!(await this.#gate.usable())) {
      this.#counters.count('errors');
      this.#pending.remember(keys);
      throw new CacheInvalidationError(
        keys,
        `Redis is unavailable (circuit breaker ${this.#gate.breakerState}, connection ${this.#connection.client.status})`,
      );
    }
    const closes = this.#closes;
    try {
      await this.#gate.remove(this.#keys.removeBatches(keys));
    } catch (error) {
      this.#gate.failed('invalidate', error);
      this.#pending.remember(keys);
      for (const key of keys) this.#confirmed.delete(key);
      throw new CacheInvalidationError(keys, errorMessage(error), { cause: error });
    }
    if (this.#confirmed.size > CONFIRMED_KEPT) this.#confirmed.clear(); // only the last few writes' keys matter
    for (const key of keys) {
      this.#pending.forget(key);
      this.#confirmed.set(key, closes);
    }
    this.#counters.count('deletes', keys.length);
  }

  async markInvalidated(xid: string, keys: readonly string[]): Promise<boolean> {
    if (keys.length === 0 || !/^[0-9]+$/.test(xid) || !keys.every((key) => this.#keys.valid(key))) return false;
    if (this.#gate.closed || !(await this.#gate.usable())) return false;
    const marker = syncInvalidationKey(this.#options.namespace, xid);
    const client = this.#connection.client;
    // The marker vouches for the deletes: only on the connection that confirmed them, with no close since they were
    // sent (a Sentinel failover or a lost Cluster node may have lost them, and a marker written to the promoted node
    // would keep a stale entry from the invalidator). Sent at once on the ready socket, never queued for another.
    const closes = this.#closes;
    const vouched = keys.every((key) => this.#confirmed.get(key) === closes);
    for (const key of keys) this.#confirmed.delete(key);
    if (!vouched || client.status !== 'ready') return false;
    try {
      // one key, one slot: a MULTI works on a Cluster too
      const replies = await this.#gate.command(() =>
        client
          .multi()
          .sadd(marker, ...keys)
          .expire(marker, SYNC_INVALIDATION_TTL_SECONDS)
          .exec(),
      );
      return replies?.every(([error]) => !error) ?? false;
    } catch {
      return false; // not recorded: the invalidator deletes the entries as it always did
    }
  }

  async stats(): Promise<CacheStats> {
    const process = toCounters(this.#counters.process);
    const self = this.#options.workerId;
    const fallback = (): CacheStats => ({
      process,
      system: process,
      workers: { [self]: process },
      systemAvailable: false,
    });
    if (this.#gate.closed) return fallback();
    await this.#pending.flush();
    await this.#statsFlush.flush();
    if (!(await this.#gate.usable())) return fallback();
    try {
      return await this.#statsFlush.read(process);
    } catch (error) {
      this.#gate.failed('stats', error);
      return fallback();
    }
  }

  fenceState(): FenceState | undefined {
    const fence = this.#fence;
    return fence === undefined ? undefined : { fenced: !fence.trusted, lagMs: fence.lagMs };
  }

  async ping(): Promise<boolean> {
    if (this.#gate.closed) return false;
    // ping() bypasses the breaker on purpose: it is how the admin route asks whether Redis is there right now.
    if (!this.#connection.everReady) await this.#gate.waitFirstReady();
    try {
      return (await this.#gate.command(() => this.#connection.client.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#gate.closed) return;
    this.#statsFlush.stop();
    this.#pending.stop();
    await this.#pending.flush().catch(() => {});
    await this.#statsFlush.flush().catch(() => {});
    this.#gate.close();
    this.#fence?.stop();
    this.#unregisterMetrics();
    this.#watchdog.stop();
    await this.#connection.close();
  }
}

/**
 * Creates the FastNPC cache over one Redis. Throws CacheOptionError for an invalid option; after that no
 * method throws except `invalidate` (CacheInvalidationError) and `getOrLoad` when the loader itself throws.
 */
export function createCache(options: CacheOptions): Cache {
  return new RedisCache(resolveCacheOptions(options));
}

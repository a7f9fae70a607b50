import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { CircuitBreaker } from './breaker.ts';
import { CORRUPT, decode, encode } from './codec.ts';
import { CacheInvalidationError, CacheOptionError } from './errors.ts';
import { Fence } from './fence.ts';
import { consistencyKey, INTERNAL_PREFIX } from './internal-keys.ts';
import { type MetricCounts, registerCacheMetrics, zeroCounts } from './metrics.ts';
import { type CacheOptions, type ResolvedCacheOptions, resolveCacheOptions } from './options.ts';
import { ReadBatcher } from './read-batcher.ts';
import {
  ACQUIRE,
  DROP_IF_SAME,
  FILL,
  FLUSH_STATS,
  type LuaScript,
  RELEASE,
  REMOVE,
  runScript,
  STORE,
} from './scripts.ts';
import { addTally, emptyTally, isEmptyTally, TALLY_FIELDS, type Tally, tallyFromHash, toCounters } from './stats.ts';
import type { Cache, CacheStats, Counters, GetOrLoadOptions, RedisSource } from './types.ts';

export { INTERNAL_PREFIX } from './internal-keys.ts';

/** Worker statistics hashes expire after a week without a flush (dead workers age out). */
const WORKER_STATS_TTL_SECONDS = 7 * 24 * 3600;
/** SCAN batch size of deletePattern/clearAll. */
const SCAN_COUNT = 1_000;
/** Failed invalidations remembered for replay; past this the oldest are forgotten (and logged). */
const MAX_PENDING_INVALIDATIONS = 10_000;
/** First retry of an unconfirmed invalidation (time for a reset connection to come back), then the interval. */
const REPLAY_FIRST_DELAY_MS = 50;
const REPLAY_RETRY_MS = 200;
/** Corrupt keys remembered so each is logged once. */
const MAX_LOGGED_CORRUPT_KEYS = 1_000;

function isRedisClient(source: RedisSource): source is Redis {
  return (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as Redis).sendCommand === 'function' &&
    typeof (source as Redis).evalsha === 'function'
  );
}

/** What one read of a key found (see `#read`). */
type Read<T> = { outcome: 'hit'; value: T } | { outcome: 'fill' } | { outcome: 'bypass' };
const FILL_READ = { outcome: 'fill' } as const;
const BYPASS_READ = { outcome: 'bypass' } as const;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * ioredis options that make every command fail fast and never replay a write after a reconnect. The command
 * timeout is not ioredis' `commandTimeout` (one timer per command, 2–6 µs of a ≈ 60 µs hit) but the cache's
 * watchdog: one timer for all commands in flight (see `#watch`).
 */
function failFastOptions(options: ResolvedCacheOptions): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.max(1_000, options.commandTimeoutMs),
    retryStrategy: (times: number) => Math.min(times * 50, 1_000),
  };
}

/**
 * ioredis lets a URL's (empty) password win over the `password` option (`redis://app@host` + REDIS_PASSWORD
 * would authenticate with ''), so the option is written into the URL handed to ioredis — in memory only.
 */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined || !/^rediss?:\/\//i.test(url)) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

function connect(options: ResolvedCacheOptions): { client: Redis; owned: boolean } {
  const source = options.redis;
  if (isRedisClient(source)) {
    if (source.options.keyPrefix) {
      throw new CacheOptionError(
        'redis',
        'the given ioredis client has a keyPrefix; pass a client without one (the cache prefixes the namespace itself)',
      );
    }
    const given = source.options;
    if (
      given.enableOfflineQueue !== false ||
      given.commandTimeout === undefined ||
      given.autoResendUnfulfilledCommands
    ) {
      options.logger.warn(
        'the given ioredis client is not fail-fast: set enableOfflineQueue: false, commandTimeout and ' +
          'autoResendUnfulfilledCommands: false on it, or pass a URL and let the cache create its client',
      );
    }
    return { client: source, owned: false };
  }
  const password = options.password === undefined ? {} : { password: options.password };
  if (typeof source === 'string') {
    return { client: new Redis(withPassword(source, options.password), failFastOptions(options)), owned: true };
  }
  if (source.keyPrefix) {
    throw new CacheOptionError('redis', 'keyPrefix is not supported; use the namespace option');
  }
  return { client: new Redis({ ...source, ...failFastOptions(options), ...password }), owned: true };
}

class RedisCache implements Cache {
  readonly #options: ResolvedCacheOptions;
  readonly #client: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #leasePrefix: string;
  readonly #statsSystemKey: string;
  readonly #statsWorkerKey: string;
  readonly #statsWorkersKey: string;
  readonly #breaker: CircuitBreaker;
  /** Process counters (the Tally fields) plus lease/loader events; read by prom-client at scrape time. */
  readonly #events: MetricCounts = zeroCounts();
  readonly #unregisterMetrics: () => void;
  #unflushed = emptyTally();
  readonly #pendingInvalidations = new Set<string>();
  readonly #loggedCorrupt = new Set<string>();
  readonly #flushTimer: NodeJS.Timeout;
  #everReady = false;
  #closed = false;
  #flushing: Promise<void> | undefined;
  readonly #onReady = (): void => {
    this.#everReady = true;
  };
  /** A closed connection (restart, partition, reset by the watchdog): Redis may come back older or emptied. */
  readonly #onClose = (): void => {
    this.#fence?.distrust('connection closed');
  };
  /** Commands in flight on a client the cache owns: op id → start (performance.now()), oldest first. */
  readonly #inflight = new Map<number, number>();
  #nextOp = 0;
  #watchdog: NodeJS.Timeout | undefined;
  /** Set while the watchdog waits one turn of the event loop before judging (see `#onWatchdog`). */
  #judging = false;
  #replayTimer: NodeJS.Timeout | undefined;
  /** The fence after an outage (undefined: no fence configured). */
  readonly #fence: Fence | undefined;
  /** Reads of one turn leave as one command under the watchdog: GET for one key, MGET for more (read-batcher.ts). */
  readonly #reads = new ReadBatcher((keys) =>
    this.#command(async () =>
      keys.length === 1 ? [await this.#client.get(keys[0] as string)] : this.#client.mget(keys),
    ),
  );

  constructor(options: ResolvedCacheOptions) {
    this.#options = options;
    const { client, owned } = connect(options);
    this.#client = client;
    this.#owned = owned;
    const ns = options.namespace;
    this.#prefix = `${ns}:`;
    this.#leasePrefix = `${ns}:${INTERNAL_PREFIX}lease:`;
    this.#statsSystemKey = `${ns}:${INTERNAL_PREFIX}stats:system`;
    this.#statsWorkerKey = `${ns}:${INTERNAL_PREFIX}stats:worker:${options.workerId}`;
    this.#statsWorkersKey = `${ns}:${INTERNAL_PREFIX}stats:workers`;
    this.#everReady = client.status === 'ready';
    if (owned) {
      // Without a listener ioredis prints every connection error; the breaker reports outages instead.
      client.on('error', (error: unknown) =>
        options.logger.debug('redis connection error', { error: errorMessage(error) }),
      );
    }
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    this.#fence = options.fence
      ? new Fence({
          ...options.fence,
          namespace: ns,
          logger: options.logger,
          read: async (waiting) => {
            // a fenced process asks the invalidator for a tick (it ticks rarely while nobody waits)
            if (waiting) await this.#command(() => this.#client.hset(consistencyKey(ns), 'tick_wanted', '1'));
            const [issued, caughtUp] = await this.#command(() =>
              this.#client.hmget(consistencyKey(ns), 'tick_seq', 'caught_up_seq'),
            );
            const number = (v: string | null | undefined) => (v == null ? undefined : Number(v));
            return { issued: number(issued), caughtUp: number(caughtUp) };
          },
        })
      : undefined;
    this.#breaker = new CircuitBreaker({
      threshold: options.breakerThreshold,
      probeIntervalMs: options.breakerProbeIntervalMs,
      probe: () => this.#probe(),
      onChange: (state) => {
        if (state === 'open') {
          options.logger.warn(
            `Redis failed ${options.breakerThreshold} times in a row: cache degraded (reads miss, loads go to the database) until a probe succeeds`,
            { namespace: ns, probeIntervalMs: options.breakerProbeIntervalMs },
          );
        } else {
          options.logger.warn('Redis answers again: cache back in use', { namespace: ns });
        }
      },
    });
    this.#unregisterMetrics = registerCacheMetrics(options.registry, {
      namespace: ns,
      counts: () => ({ ...this.#events }),
      breakerOpen: () => !this.#breaker.closed,
      fenced: () => (this.#fence === undefined ? undefined : !this.#fence.trusted),
      invalidatorLagMs: () => this.#fence?.lagMs,
    });
    this.#flushTimer = setInterval(() => void this.#flush(), options.statsFlushIntervalMs);
    this.#flushTimer.unref();
  }

  // ---- plumbing -------------------------------------------------------------------------------------------

  #valueKey(key: string): string {
    return this.#prefix + key;
  }

  #leaseKey(key: string): string {
    return this.#leasePrefix + key;
  }

  static #validKey(key: unknown): key is string {
    return typeof key === 'string' && key.length > 0 && !key.startsWith(INTERNAL_PREFIX);
  }

  /**
   * Whether Redis may be touched now: not closed, breaker closed. Before the very first connection it waits
   * for it at most commandTimeoutMs (a fresh cache must not miss because its socket is still connecting).
   * Synchronous (no promise) on the hot path.
   */
  #usable(): boolean | Promise<boolean> {
    if (this.#closed || !this.#breaker.closed) return false;
    if (this.#everReady) return true;
    return this.#waitFirstReady();
  }

  async #waitFirstReady(): Promise<boolean> {
    const client = this.#client;
    if (client.status === 'ready') return true;
    if (client.status === 'end') return false;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        client.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, this.#options.commandTimeoutMs);
      client.once('ready', done);
    });
    if ((client.status as string) === 'ready') return true;
    // Redis down from the start counts like any failure, so the breaker opens instead of every call waiting.
    this.#breaker.failure();
    return false;
  }

  /** Counts a Redis failure. */
  #failed(operation: string, error: unknown): void {
    this.#fence?.distrust(`redis ${operation} failed`);
    this.#count('errors');
    this.#breaker.failure();
    this.#options.logger.debug(`redis ${operation} failed`, { error: errorMessage(error) });
  }

  /** Registers a command in flight (owned client only) and makes sure the watchdog runs; returns its id. */
  #begin(): number {
    const id = this.#nextOp++;
    if (this.#owned) {
      this.#inflight.set(id, performance.now());
      if (this.#watchdog === undefined && !this.#judging) this.#watch();
    }
    return id;
  }

  #end(id: number): void {
    this.#inflight.delete(id);
  }

  /** Runs one command under the watchdog. */
  async #command<T>(send: () => Promise<T>): Promise<T> {
    const id = this.#begin();
    try {
      return await send();
    } finally {
      this.#end(id);
    }
  }

  /**
   * The command timeout: one timer, armed for the oldest command in flight. When that command is
   * `commandTimeoutMs` old, the connection is destroyed: ioredis rejects every command in flight at once
   * (maxRetriesPerRequest 0) and reconnects, and Redis discards whatever that connection still had queued
   * (CLIENT PAUSE, a slow server) — so a write that "failed" here never lands later (ioredis #2130).
   */
  #watch(): void {
    const oldest = this.#inflight.values().next();
    if (oldest.done || this.#closed) return;
    const due = oldest.value + this.#options.commandTimeoutMs - performance.now();
    this.#watchdog = setTimeout(this.#onWatchdog, Math.max(1, Math.ceil(due)));
    this.#watchdog.unref();
  }

  readonly #onWatchdog = (): void => {
    this.#watchdog = undefined;
    this.#judgeAfterNextPoll();
  };

  /**
   * On a starved CPU timers fire late, and a reply that arrived meanwhile is read only in the next poll phase:
   * judge in the check phase that follows it (setImmediate), so a blocked event loop is not mistaken for a
   * slow Redis. A command may be expired only by a judgement queued after its deadline.
   */
  #judgeAfterNextPoll(): void {
    this.#judging = true;
    const queuedAt = performance.now();
    setImmediate(() => this.#judge(queuedAt));
  }

  #judge(queuedAt: number): void {
    this.#judging = false;
    if (this.#closed) return;
    const oldest = this.#inflight.values().next();
    if (oldest.done) return;
    const deadline = oldest.value + this.#options.commandTimeoutMs;
    if (deadline > queuedAt && deadline <= performance.now()) {
      // expired while the loop was busy, after this judgement was queued: its reply may still be unread
      this.#judgeAfterNextPoll();
      return;
    }
    if (deadline <= queuedAt) {
      const age = performance.now() - oldest.value;
      this.#options.logger.debug('redis command timed out: connection reset', { ageMs: Math.round(age) });
      const stalled = [...this.#inflight.keys()];
      for (const id of stalled) this.#inflight.delete(id); // they settle (rejected) as the connection closes
      this.#client.stream?.destroy();
    }
    this.#watch();
  }

  #count(field: keyof Tally, by = 1): void {
    this.#events[field] += by;
    this.#unflushed[field] += by;
  }

  async #run(lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const result = await this.#command(() => runScript(this.#client, lua, keys, args));
    this.#breaker.success();
    return result;
  }

  #ttlMs(ttlSeconds: number | undefined): number | undefined {
    if (ttlSeconds === undefined) return 0;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) return undefined;
    return Math.max(1, Math.round(ttlSeconds * 1000));
  }

  async #dropCorrupt(key: string, raw: string): Promise<void> {
    this.#count('errors');
    this.#events.corruptEntries += 1;
    if (!this.#loggedCorrupt.has(key) && this.#loggedCorrupt.size < MAX_LOGGED_CORRUPT_KEYS) {
      this.#loggedCorrupt.add(key);
      this.#options.logger.warn('cache entry is not valid JSON: deleted and served as a miss', {
        key,
        bytes: raw.length,
      });
    }
    try {
      await this.#run(DROP_IF_SAME, [this.#valueKey(key)], [raw]);
    } catch (error) {
      this.#failed('delete corrupt entry', error);
    }
  }

  /** Probe of the breaker: PING, then replay invalidations that failed; only then is Redis used again. */
  async #probe(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      if ((await this.#command(() => this.#client.ping())) !== 'PONG') return false;
      return await this.#replayInvalidations();
    } catch {
      return false;
    }
  }

  #rememberInvalidation(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.#pendingInvalidations.size >= MAX_PENDING_INVALIDATIONS) {
        const oldest = this.#pendingInvalidations.values().next().value;
        if (oldest !== undefined) this.#pendingInvalidations.delete(oldest);
        this.#options.logger.error('too many unconfirmed invalidations: the oldest is forgotten', { key: oldest });
      }
      this.#pendingInvalidations.add(key);
    }
    this.#scheduleReplay(REPLAY_FIRST_DELAY_MS);
  }

  /**
   * Re-sends unconfirmed invalidations soon (other workers read those keys from Redis meanwhile), retrying every
   * REPLAY_RETRY_MS while the breaker is closed; once it is open, its probe does the replay.
   */
  #scheduleReplay(delayMs: number): void {
    if (this.#replayTimer !== undefined || this.#closed) return;
    this.#replayTimer = setTimeout(() => {
      this.#replayTimer = undefined;
      void this.#replayTick();
    }, delayMs);
    this.#replayTimer.unref();
  }

  async #replayTick(): Promise<void> {
    if (this.#pendingInvalidations.size === 0 || this.#closed || !this.#breaker.closed) return;
    if (this.#client.status === 'ready') {
      try {
        await this.#replayInvalidations();
        this.#breaker.success();
        return;
      } catch (error) {
        this.#failed('replay invalidations', error);
      }
    }
    this.#scheduleReplay(REPLAY_RETRY_MS);
  }

  /** Re-sends the deletions Redis did not confirm earlier. True when nothing is pending any more. */
  async #replayInvalidations(): Promise<boolean> {
    if (this.#pendingInvalidations.size === 0) return true;
    const keys = [...this.#pendingInvalidations];
    await this.#command(() => runScript(this.#client, REMOVE, this.#removeKeys(keys), []));
    for (const key of keys) this.#pendingInvalidations.delete(key);
    this.#options.logger.warn('replayed invalidations that Redis had not confirmed', { count: keys.length });
    return true;
  }

  /**
   * True when `key` has no unconfirmed invalidation, or when re-sending the pending ones just succeeded. A key
   * whose invalidation Redis did not confirm must not be served from Redis (it may hold the old value, e.g.
   * restored from the RDB file after a restart) until the deletion is confirmed.
   */
  async #confirmed(key: string): Promise<boolean> {
    if (!this.#pendingInvalidations.has(key)) return true;
    try {
      await this.#replayInvalidations();
      this.#breaker.success();
      return true;
    } catch (error) {
      this.#failed('replay invalidations', error);
      return false;
    }
  }

  #removeKeys(keys: readonly string[]): string[] {
    const list: string[] = [];
    for (const key of keys) list.push(this.#valueKey(key), this.#leaseKey(key));
    return list;
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return await this.#flushing;
    this.#flushing = this.#flushNow().finally(() => {
      this.#flushing = undefined;
    });
    return await this.#flushing;
  }

  async #flushNow(): Promise<void> {
    if (this.#pendingInvalidations.size > 0 && (await this.#usable())) {
      try {
        await this.#replayInvalidations();
        this.#breaker.success();
      } catch (error) {
        this.#failed('replay invalidations', error);
      }
    }
    if (isEmptyTally(this.#unflushed) || !(await this.#usable())) return;
    const batch = this.#unflushed;
    this.#unflushed = emptyTally();
    const args: (string | number)[] = [this.#options.workerId, WORKER_STATS_TTL_SECONDS];
    for (const field of TALLY_FIELDS) args.push(field, batch[field]);
    try {
      await this.#run(FLUSH_STATS, [this.#statsSystemKey, this.#statsWorkerKey, this.#statsWorkersKey], args);
    } catch (error) {
      addTally(this.#unflushed, batch);
      this.#breaker.failure();
      this.#options.logger.debug('statistics flush failed; kept for the next one', { error: errorMessage(error) });
    }
  }

  // ---- API --------------------------------------------------------------------------------------------------

  /**
   * One counted read of `key`: a hit; a miss that a load may fill (absent or corrupt entry); or a bypass that a
   * load must not fill (invalid key, Redis unusable or failing, or the key's invalidation not yet confirmed).
   */
  async #read<T>(key: string): Promise<Read<T>> {
    const usable = this.#usable();
    if (!RedisCache.#validKey(key) || (usable !== true && !(await usable))) {
      if (!this.#closed) {
        this.#count('misses');
        this.#count('errors');
      }
      return BYPASS_READ;
    }
    if (this.#fence !== undefined && !this.#fence.trusted) {
      this.#count('misses');
      return BYPASS_READ;
    }
    if (this.#pendingInvalidations.size > 0 && !(await this.#confirmed(key))) {
      this.#count('misses');
      return BYPASS_READ;
    }
    let raw: string | null;
    try {
      raw = await this.#reads.get(this.#prefix + key);
      this.#breaker.success();
    } catch (error) {
      this.#failed('get', error);
      this.#count('misses');
      return BYPASS_READ;
    }
    if (raw !== null) {
      const value = decode<T>(raw);
      if (value !== CORRUPT) {
        this.#count('hits');
        return { outcome: 'hit', value };
      }
      await this.#dropCorrupt(key, raw);
    }
    this.#count('misses');
    return FILL_READ;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const read = await this.#read<T>(key);
    return read.outcome === 'hit' ? read.value : undefined;
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<boolean> {
    const payload = encode(value);
    const ttlMs = this.#ttlMs(ttlSeconds);
    if (!RedisCache.#validKey(key) || payload === undefined || ttlMs === undefined) {
      this.#options.logger.warn('set refused: invalid key, value that is not JSON, or ttlSeconds not > 0', {
        key: typeof key === 'string' ? key : typeof key,
      });
      this.#count('errors');
      return false;
    }
    if (!(await this.#usable())) {
      if (!this.#closed) this.#count('errors');
      return false;
    }
    try {
      await this.#run(STORE, [this.#valueKey(key), this.#leaseKey(key)], [payload, ttlMs]);
      this.#pendingInvalidations.delete(key); // the old value it was meant to remove is overwritten
      this.#count('sets');
      return true;
    } catch (error) {
      this.#failed('set', error);
      return false;
    }
  }

  async delete(key: string): Promise<boolean> {
    if (!RedisCache.#validKey(key)) {
      this.#count('errors');
      return false;
    }
    if (!(await this.#usable())) {
      if (!this.#closed) {
        this.#count('errors');
        this.#rememberInvalidation([key]);
      }
      return false;
    }
    try {
      await this.#run(REMOVE, this.#removeKeys([key]), []);
      this.#pendingInvalidations.delete(key);
      this.#count('deletes');
      return true;
    } catch (error) {
      this.#failed('delete', error);
      this.#rememberInvalidation([key]);
      return false;
    }
  }

  async exists(key: string): Promise<boolean> {
    if (!RedisCache.#validKey(key) || !(await this.#usable())) return false;
    if (this.#fence !== undefined && !this.#fence.trusted) return false;
    if (this.#pendingInvalidations.size > 0 && !(await this.#confirmed(key))) return false;
    try {
      const n = await this.#command(() => this.#client.exists(this.#valueKey(key)));
      this.#breaker.success();
      return n === 1;
    } catch (error) {
      this.#failed('exists', error);
      return false;
    }
  }

  async #scanUnlink(match: string, skipInternal: boolean): Promise<number> {
    let cursor = '0';
    let removed = 0;
    const internal = this.#prefix + INTERNAL_PREFIX;
    do {
      const [next, found] = await this.#command(() => this.#client.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT));
      this.#breaker.success();
      cursor = next;
      const batch = skipInternal ? found.filter((k) => !k.startsWith(internal)) : found;
      if (batch.length > 0) removed += await this.#command(() => this.#client.unlink(...batch));
    } while (cursor !== '0');
    return removed;
  }

  async deletePattern(pattern: string): Promise<number> {
    if (typeof pattern !== 'string' || pattern.length === 0 || !(await this.#usable())) {
      if (!this.#closed) this.#count('errors');
      return 0;
    }
    try {
      // Leases first: a load that stored before this point is removed by the value scan, one that stores after
      // it finds its lease gone and is refused.
      await this.#scanUnlink(this.#leasePrefix + pattern, false);
      const removed = await this.#scanUnlink(this.#prefix + pattern, true);
      this.#count('deletes', removed);
      return removed;
    } catch (error) {
      this.#failed('deletePattern', error);
      return 0;
    }
  }

  async clearAll(): Promise<number> {
    return await this.deletePattern('*');
  }

  async getOrLoad<T>(key: string, loader: () => Promise<T>, options?: GetOrLoadOptions): Promise<T> {
    const ttlMs = this.#ttlMs(options?.ttlSeconds);
    if (!RedisCache.#validKey(key) || ttlMs === undefined) {
      this.#options.logger.warn('getOrLoad bypassed the cache: invalid key or ttlSeconds not > 0', {
        key: typeof key === 'string' ? key : typeof key,
      });
      if (!this.#closed) {
        this.#count('misses');
        this.#count('errors');
      }
      return await this.#load(loader);
    }
    const read = await this.#read<T>(key);
    if (read.outcome === 'hit') return read.value;
    if (read.outcome === 'bypass') return await this.#load(loader);
    return await this.#loadWithLease(key, loader, ttlMs);
  }

  async #load<T>(loader: () => Promise<T>): Promise<T> {
    this.#events.loads += 1;
    return await loader();
  }

  async #loadWithLease<T>(key: string, loader: () => Promise<T>, ttlMs: number): Promise<T> {
    const valueKey = this.#valueKey(key);
    const leaseKey = this.#leaseKey(key);
    const token = randomUUID();
    const epoch = this.#fence?.epoch;
    const deadline = Date.now() + this.#options.leaseWaitMs;
    let waited = false;
    for (;;) {
      let reply: unknown;
      try {
        reply = await this.#run(ACQUIRE, [valueKey, leaseKey], [token, this.#options.leaseTtlMs]);
      } catch (error) {
        this.#failed('acquire lease', error);
        return await this.#load(loader);
      }
      const [state, raw] = reply as [number, string | undefined];
      if (state === 1 && raw !== undefined) {
        if (this.#fence !== undefined && (!this.#fence.trusted || this.#fence.epoch !== epoch)) {
          return await this.#load(loader); // Redis failed since this read began: its value is not to be trusted
        }
        const value = decode<T>(raw);
        if (value !== CORRUPT) return value;
        await this.#dropCorrupt(key, raw);
        return await this.#load(loader);
      }
      if (state === 2) return await this.#loadAndFill(key, valueKey, leaseKey, token, loader, ttlMs, epoch);
      if (!waited) {
        waited = true;
        this.#events.leaseWaits += 1;
      }
      if (Date.now() + this.#options.leasePollMs > deadline || !(await this.#usable())) {
        this.#events.leaseWaitTimeouts += 1;
        return await this.#load(loader);
      }
      await sleep(this.#options.leasePollMs);
    }
  }

  async #loadAndFill<T>(
    key: string,
    valueKey: string,
    leaseKey: string,
    token: string,
    loader: () => Promise<T>,
    ttlMs: number,
    epoch: number | undefined,
  ): Promise<T> {
    let value: T;
    try {
      value = await this.#load(loader);
    } catch (error) {
      // Free the key for the next loader instead of making it wait for the lease TTL.
      await this.#run(RELEASE, [leaseKey], [token]).catch((e: unknown) => this.#failed('release lease', e));
      throw error;
    }
    const payload = encode(value);
    if (payload === undefined) {
      await this.#run(RELEASE, [leaseKey], [token]).catch((e: unknown) => this.#failed('release lease', e));
      return value;
    }
    if (!(await this.#usable())) return value;
    if (this.#fence !== undefined && (!this.#fence.trusted || this.#fence.epoch !== epoch)) {
      // Redis failed (maybe restarted from a snapshot still holding this lease) since the lease was taken
      await this.#run(RELEASE, [leaseKey], [token]).catch((e: unknown) => this.#failed('release lease', e));
      return value;
    }
    try {
      const stored = await this.#run(FILL, [valueKey, leaseKey], [token, payload, ttlMs]);
      if (stored === 1) this.#count('sets');
      else {
        this.#events.staleSetsRefused += 1;
        this.#options.logger.debug('loaded value not stored: its lease was voided by an invalidation or expired', {
          key,
        });
      }
    } catch (error) {
      this.#failed('fill', error);
    }
    return value;
  }

  async invalidate(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const invalid = keys.filter((key) => !RedisCache.#validKey(key));
    if (invalid.length > 0) {
      throw new CacheInvalidationError(
        keys,
        `invalid key(s): keys must be non-empty strings not starting with '${INTERNAL_PREFIX}'`,
      );
    }
    if (this.#closed) throw new CacheInvalidationError(keys, 'the cache is closed');
    if (!(await this.#usable())) {
      this.#count('errors');
      this.#rememberInvalidation(keys);
      throw new CacheInvalidationError(
        keys,
        `Redis is unavailable (circuit breaker ${this.#breaker.state}, connection ${this.#client.status})`,
      );
    }
    try {
      await this.#run(REMOVE, this.#removeKeys(keys), []);
    } catch (error) {
      this.#failed('invalidate', error);
      this.#rememberInvalidation(keys);
      throw new CacheInvalidationError(keys, errorMessage(error), { cause: error });
    }
    for (const key of keys) this.#pendingInvalidations.delete(key);
    this.#count('deletes', keys.length);
  }

  async stats(): Promise<CacheStats> {
    const process = toCounters(this.#events);
    const self = this.#options.workerId;
    const fallback = (): CacheStats => ({
      process,
      system: process,
      workers: { [self]: process },
      systemAvailable: false,
    });
    if (this.#closed) return fallback();
    await this.#flush();
    if (!(await this.#usable())) return fallback();
    try {
      const [systemHash, members] = await Promise.all([
        this.#command(() => this.#client.hgetall(this.#statsSystemKey)),
        this.#command(() => this.#client.smembers(this.#statsWorkersKey)),
      ]);
      const pipeline = this.#client.pipeline();
      for (const id of members) pipeline.hgetall(`${this.#prefix}${INTERNAL_PREFIX}stats:worker:${id}`);
      const replies = members.length > 0 ? ((await this.#command(() => pipeline.exec())) ?? []) : [];
      this.#breaker.success();
      const system = tallyFromHash(systemHash);
      addTally(system, this.#unflushed);
      const workers: Record<string, Counters> = {};
      members.forEach((id, i) => {
        const [error, hash] = replies[i] ?? [null, null];
        if (error || !hash || Object.keys(hash as object).length === 0) return;
        const tally = tallyFromHash(hash as Record<string, string>);
        if (id === self) addTally(tally, this.#unflushed);
        workers[id] = toCounters(tally);
      });
      if (!workers[self]) workers[self] = toCounters(this.#unflushed);
      return { process, system: toCounters(system), workers, systemAvailable: true };
    } catch (error) {
      this.#failed('stats', error);
      return fallback();
    }
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false;
    // ping() bypasses the breaker on purpose: it is how the admin route asks whether Redis is there right now.
    if (!this.#everReady) await this.#waitFirstReady();
    try {
      return (await this.#command(() => this.#client.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#flushTimer);
    if (this.#replayTimer) clearTimeout(this.#replayTimer);
    await this.#flush().catch(() => {});
    this.#closed = true;
    this.#fence?.stop();
    this.#client.off('close', this.#onClose);
    this.#breaker.stop();
    this.#unregisterMetrics();
    this.#client.off('ready', this.#onReady);
    if (this.#watchdog) clearTimeout(this.#watchdog);
    if (!this.#owned) return;
    try {
      await Promise.race([this.#client.quit(), sleep(this.#options.commandTimeoutMs * 5, undefined, { ref: false })]);
    } catch {
      // already gone
    }
    this.#client.disconnect();
  }
}

/**
 * Creates the FastNPC cache over one Redis. Throws CacheOptionError for an invalid option; after that no
 * method throws except `invalidate` (CacheInvalidationError) and `getOrLoad` when the loader itself throws.
 */
export function createCache(options: CacheOptions): Cache {
  return new RedisCache(resolveCacheOptions(options));
}

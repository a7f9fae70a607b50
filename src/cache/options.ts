import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { RedisTopologyError, topologyFromEnv } from '../redis/topology.ts';
import { CacheOptionError } from './errors.ts';
import type { RedisSource } from './types.ts';

/** Where the cache writes its warnings. Never receives cached values or secrets (no URL, no password). */
export interface CacheLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** Options of `createCache()`. Every default lives in `DEFAULT_CACHE_OPTIONS` below. */
export interface CacheOptions {
  /**
   * The Redis to use: a `redis://` or `rediss://` URL (password in the URL or in `password`), ioredis options,
   * or an ioredis client. A client you pass is yours: the cache never quits it, and it should be created
   * fail-fast (`enableOfflineQueue: false`, `commandTimeout`, `autoResendUnfulfilledCommands: false`).
   */
  redis: RedisSource;
  /**
   * Password (e.g. from REDIS_PASSWORD) when it is not in the URL. Never logged.
   * @default undefined
   */
  password?: string;
  /**
   * Prefix of every key the cache touches (`<namespace>:…`); one ACL pattern (`~fastnpc:*`) covers them all.
   * @default 'fastnpc'
   */
  namespace?: string;
  /**
   * Upper bound of every Redis command; past it the operation degrades (miss / false) and the connection is
   * reset (one watchdog timer for all commands in flight, on a client the cache created). At most 100 ms by
   * default so a dead or paused Redis never holds a request for long.
   * @default 100
   */
  commandTimeoutMs?: number;
  /**
   * Identity of this process in the per-worker statistics.
   * @default `${hostname()}:${process.pid}`
   */
  workerId?: string;
  /**
   * How long a lease lives in Redis: a loader that crashes blocks other loaders of its key at most this long.
   * A loader that runs longer loses its lease and does not store (its value is still returned).
   * @default 5_000
   */
  leaseTtlMs?: number;
  /**
   * How long a `getOrLoad` that finds another process's lease waits for that value before it calls its own
   * loader (without storing).
   * @default 1_000
   */
  leaseWaitMs?: number;
  /**
   * Poll interval while waiting for a leased value.
   * @default 20
   */
  leasePollMs?: number;
  /**
   * Consecutive Redis failures that open the circuit breaker (then Redis is not touched until a probe succeeds).
   * @default 3
   */
  breakerThreshold?: number;
  /**
   * Interval between PING probes while the breaker is open (it bounds how soon the cache is back after Redis is:
   * issue 22's first hit ≤ 1 s).
   * @default 200
   */
  breakerProbeIntervalMs?: number;
  /**
   * How often the in-memory counters are added to the system-wide and per-worker counters in Redis.
   * @default 1_000
   */
  statsFlushIntervalMs?: number;
  /**
   * prom-client registry for the cache metrics; `false` disables metrics.
   * @default the prom-client global registry
   */
  registry?: Registry | false;
  /**
   * The fence after an outage (needs the invalidator, `npm run invalidator`, keeping the consistency marker):
   * `true` or `{ pollMs, maxLagMs }` — entries are served from Redis only while the invalidator is known to have
   * caught up since this process last saw Redis fail (see `fence.ts`). `false`: no fence.
   * @default false
   */
  fence?: boolean | { pollMs?: number; maxLagMs?: number };
  /**
   * How many decoded entries to keep, keyed by their exact text (`decoded-values.ts`): a hit on the same bytes skips
   * `JSON.parse` and gets the same deep-frozen value as the previous reader (read-only: mutating it throws). Every
   * read still goes to Redis. 0: every hit is decoded into a fresh, mutable value.
   * @default 0
   */
  decodedValues?: number;
  /**
   * Logger for warnings (Redis down/up, corrupt entries). Messages never carry values or secrets.
   * @default warn/error to console.warn/console.error, debug silent
   */
  logger?: CacheLogger;
}

/** The default logger: warnings and errors on stderr, debug silent. */
export const CONSOLE_LOGGER: CacheLogger = {
  debug: () => {},
  warn: (message, context) => console.warn(`[fastnpc-cache] ${message}`, context ?? ''),
  error: (message, context) => console.error(`[fastnpc-cache] ${message}`, context ?? ''),
};

/** The single place the defaults of `CacheOptions` live. */
export const DEFAULT_CACHE_OPTIONS = {
  namespace: 'fastnpc',
  commandTimeoutMs: 100,
  leaseTtlMs: 5_000,
  leaseWaitMs: 1_000,
  leasePollMs: 20,
  breakerThreshold: 3,
  breakerProbeIntervalMs: 200,
  statsFlushIntervalMs: 1_000,
  fencePollMs: 50,
  fenceMaxLagMs: 5_000,
  decodedValues: 0,
} as const;

/** `CacheOptions` with every default applied and every number checked. */
export interface ResolvedCacheOptions {
  redis: RedisSource;
  password: string | undefined;
  namespace: string;
  commandTimeoutMs: number;
  workerId: string;
  leaseTtlMs: number;
  leaseWaitMs: number;
  leasePollMs: number;
  breakerThreshold: number;
  breakerProbeIntervalMs: number;
  statsFlushIntervalMs: number;
  registry: Registry | false | undefined;
  logger: CacheLogger;
  fence: { pollMs: number; maxLagMs: number } | false;
  /** 0: off. */
  decodedValues: number;
}

function positiveInteger(option: string, value: number): number {
  if (!Number.isFinite(value) || !Number.isInteger(value) || value <= 0) {
    throw new CacheOptionError(option, `expected a positive integer, got ${String(value)}`);
  }
  return value;
}

function nonNegativeInteger(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new CacheOptionError(option, `expected an integer ≥ 0, got ${String(value)}`);
  }
  return value;
}

function resolveFence(fence: CacheOptions['fence']): ResolvedCacheOptions['fence'] {
  if (fence === undefined || fence === false) return false;
  const given = fence === true ? {} : fence;
  return {
    pollMs: positiveInteger('fence.pollMs', given.pollMs ?? DEFAULT_CACHE_OPTIONS.fencePollMs),
    maxLagMs: positiveInteger('fence.maxLagMs', given.maxLagMs ?? DEFAULT_CACHE_OPTIONS.fenceMaxLagMs),
  };
}

/** Applies the defaults and validates; throws CacheOptionError naming the option that is wrong. */
export function resolveCacheOptions(options: CacheOptions): ResolvedCacheOptions {
  if (options === null || typeof options !== 'object' || options.redis === undefined || options.redis === null) {
    throw new CacheOptionError('redis', 'required: a redis:// or rediss:// URL, ioredis options or an ioredis client');
  }
  if (typeof options.redis === 'string' && !/^rediss?:\/\//.test(options.redis)) {
    throw new CacheOptionError('redis', 'a URL must start with redis:// or rediss://');
  }
  const namespace = options.namespace ?? DEFAULT_CACHE_OPTIONS.namespace;
  if (!/^[A-Za-z0-9_.-]+$/.test(namespace)) {
    throw new CacheOptionError(
      'namespace',
      `must be non-empty and use only letters, digits, '_', '.', '-' (no ':' or glob characters), got ${JSON.stringify(namespace)}`,
    );
  }
  const resolved: ResolvedCacheOptions = {
    redis: options.redis,
    password: options.password,
    namespace,
    commandTimeoutMs: positiveInteger(
      'commandTimeoutMs',
      options.commandTimeoutMs ?? DEFAULT_CACHE_OPTIONS.commandTimeoutMs,
    ),
    workerId: options.workerId ?? `${hostname()}:${process.pid}`,
    leaseTtlMs: positiveInteger('leaseTtlMs', options.leaseTtlMs ?? DEFAULT_CACHE_OPTIONS.leaseTtlMs),
    leaseWaitMs: positiveInteger('leaseWaitMs', options.leaseWaitMs ?? DEFAULT_CACHE_OPTIONS.leaseWaitMs),
    leasePollMs: positiveInteger('leasePollMs', options.leasePollMs ?? DEFAULT_CACHE_OPTIONS.leasePollMs),
    breakerThreshold: positiveInteger(
      'breakerThreshold',
      options.breakerThreshold ?? DEFAULT_CACHE_OPTIONS.breakerThreshold,
    ),
    breakerProbeIntervalMs: positiveInteger(
      'breakerProbeIntervalMs',
      options.breakerProbeIntervalMs ?? DEFAULT_CACHE_OPTIONS.breakerProbeIntervalMs,
    ),
    statsFlushIntervalMs: positiveInteger(
      'statsFlushIntervalMs',
      options.statsFlushIntervalMs ?? DEFAULT_CACHE_OPTIONS.statsFlushIntervalMs,
    ),
    registry: options.registry,
    logger: options.logger ?? CONSOLE_LOGGER,
    fence: resolveFence(options.fence),
    decodedValues: nonNegativeInteger('decodedValues', options.decodedValues ?? DEFAULT_CACHE_OPTIONS.decodedValues),
  };
  if (resolved.workerId === '') throw new CacheOptionError('workerId', 'must not be empty');
  if (resolved.leaseWaitMs > resolved.leaseTtlMs) {
    throw new CacheOptionError(
      'leaseWaitMs',
      `(${resolved.leaseWaitMs}) must not exceed leaseTtlMs (${resolved.leaseTtlMs}): waiting longer than a lease lives is pointless`,
    );
  }
  return resolved;
}

/**
 * The plan's configuration from the environment (step 8): REDIS_URL when set, else REDIS_HOST (localhost),
 * REDIS_PORT (6379), REDIS_DB (0); REDIS_PASSWORD as `password` (kept out of the URL, never logged);
 * CACHE_NAMESPACE and CACHE_COMMAND_TIMEOUT_MS when set. With REDIS_TOPOLOGY=sentinel (REDIS_SENTINELS,
 * REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD) or cluster (REDIS_CLUSTER_NODES) the topology replaces the URL
 * (src/redis/topology.ts); a malformed variable throws CacheOptionError naming it. Other options come from
 * `overrides`.
 */
export function cacheOptionsFromEnv(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<CacheOptions> = {},
): CacheOptions {
  let topology: ReturnType<typeof topologyFromEnv>;
  try {
    topology = topologyFromEnv(env);
  } catch (error) {
    if (error instanceof RedisTopologyError) throw new CacheOptionError('redis', error.message);
    throw error;
  }
  const port = env.REDIS_PORT ?? '6379';
  const db = env.REDIS_DB ?? '0';
  if (!/^\d+$/.test(port))
    throw new CacheOptionError('redis', `REDIS_PORT must be a number, got ${JSON.stringify(port)}`);
  if (!/^\d+$/.test(db)) throw new CacheOptionError('redis', `REDIS_DB must be a number, got ${JSON.stringify(db)}`);
  const host = env.REDIS_HOST ?? 'localhost';
  const url = env.REDIS_URL || `redis://${host.includes(':') ? `[${host}]` : host}:${port}/${db}`;
  const options: CacheOptions = { redis: topology && topology.kind !== 'single' ? topology : url };
  if (env.REDIS_PASSWORD) options.password = env.REDIS_PASSWORD;
  if (env.CACHE_NAMESPACE) options.namespace = env.CACHE_NAMESPACE;
  if (env.CACHE_COMMAND_TIMEOUT_MS) options.commandTimeoutMs = Number(env.CACHE_COMMAND_TIMEOUT_MS);
  if (env.CACHE_FENCE === 'on') options.fence = true;
  return { ...options, ...overrides };
}

import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { connectRedis, isCluster, type RedisClient, resetConnections, withPassword } from '../redis/connect.ts';
import type { RedisTopology } from '../redis/topology.ts';
import { CacheOptionError } from './errors.ts';
import type { ResolvedCacheOptions } from './options.ts';
import type { RedisSource } from './types.ts';

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isRedisClient(source: RedisSource): source is Redis | Cluster {
  return (
    source instanceof Cluster ||
    (typeof source === 'object' &&
      source !== null &&
      typeof (source as Redis).sendCommand === 'function' &&
      typeof (source as Redis).evalsha === 'function')
  );
}

function isTopology(source: RedisSource): source is RedisTopology {
  const kind = (source as { kind?: unknown }).kind;
  return typeof source === 'object' && (kind === 'single' || kind === 'sentinel' || kind === 'cluster');
}

/**
 * ioredis options that make every command fail fast and never replay a write after a reconnect. The command
 * timeout is not ioredis' `commandTimeout` (one timer per command, 2–6 µs of a ≈ 60 µs hit) but the cache's
 * watchdog (watchdog.ts): one timer for all commands in flight.
 */
function failFastOptions(options: ResolvedCacheOptions): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.max(1_000, options.commandTimeoutMs),
    // at most 200 ms between reconnects: after an outage the cache is back (and a write's invalidation confirmed)
    // within a probe, not after a back-off that grew through the outage
    retryStrategy: (times: number) => Math.min(times * 50, 200),
  };
}

function connect(options: ResolvedCacheOptions): { client: RedisClient; owned: boolean } {
  const source = options.redis;
  if (isRedisClient(source)) {
    if (source.options.keyPrefix) {
      throw new CacheOptionError(
        'redis',
        'the given ioredis client has a keyPrefix; pass a client without one (the cache prefixes the namespace itself)',
      );
    }
    const given: RedisOptions = isCluster(source) ? (source.options.redisOptions ?? {}) : source.options;
    if (
      source.options.enableOfflineQueue !== false ||
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
  if (isTopology(source)) {
    const client = connectRedis(source, {
      ...password,
      connectTimeoutMs: Math.max(1_000, options.commandTimeoutMs),
    });
    return { client, owned: true };
  }
  if (typeof source === 'string') {
    return { client: new Redis(withPassword(source, options.password), failFastOptions(options)), owned: true };
  }
  if (source.keyPrefix) {
    throw new CacheOptionError('redis', 'keyPrefix is not supported; use the namespace option');
  }
  return { client: new Redis({ ...source, ...failFastOptions(options), ...password }), owned: true };
}

/**
 * The cache's connection to Redis: the ioredis client (created fail-fast from a URL or options, or given by the
 * caller and then never quit), whether it was ever ready, and its reset. ioredis reconnects on its own (back-off up
 * to 1 s); a closed connection is reported to `onClose` (Redis may come back older or emptied).
 */
export class Connection {
  readonly client: RedisClient;
  /** Whether the client is a Redis Cluster client (keys spread over slots, scans run on every primary). */
  readonly cluster: boolean;
  /** Whether the cache created the client (then it may reset and quit it). */
  readonly owned: boolean;
  readonly #options: ResolvedCacheOptions;
  readonly #onClose: () => void;
  #everReady: boolean;
  readonly #onReady = (): void => {
    this.#everReady = true;
  };

  constructor(options: ResolvedCacheOptions, onClose: () => void) {
    this.#options = options;
    this.#onClose = onClose;
    const { client, owned } = connect(options);
    this.client = client;
    this.owned = owned;
    this.cluster = isCluster(client);
    this.#everReady = client.status === 'ready';
    if (owned) {
      // Without a listener ioredis prints every connection error; the breaker reports outages instead.
      client.on('error', (error: unknown) =>
        options.logger.debug('redis connection error', { error: errorMessage(error) }),
      );
    }
    client.on('ready', this.#onReady);
    client.on('close', this.#onClose);
    if (isCluster(client)) {
      // a node lost or replaced (failover, slot migration): the data behind some slots may be older now
      client.on('-node', this.#onClose);
      client.on('node error', this.#onClose);
    }
  }

  /** Whether the connection was ready at least once (before that, calls wait for it: see `waitFirstReady`). */
  get everReady(): boolean {
    return this.#everReady;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Waits for the connection at most commandTimeoutMs (the very first one, or a reconnect after an outage: the
   * breaker's probe asks); true when the client is ready.
   */
  async waitReady(): Promise<boolean> {
    const client = this.client;
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
    return (client.status as string) === 'ready';
  }

  /**
   * Destroys the socket: ioredis rejects every command in flight at once (maxRetriesPerRequest 0) and
   * reconnects, and Redis discards whatever that connection still had queued (a write never lands later).
   */
  reset(): void {
    resetConnections(this.client);
  }

  /** Stops listening; quits the client when the cache created it (a given client is the caller's). */
  async close(): Promise<void> {
    this.client.off('close', this.#onClose);
    this.client.off('ready', this.#onReady);
    this.client.off('-node', this.#onClose);
    this.client.off('node error', this.#onClose);
    if (!this.owned) return;
    try {
      await Promise.race([this.client.quit(), sleep(this.#options.commandTimeoutMs * 5, undefined, { ref: false })]);
    } catch {
      // already gone
    }
    this.client.disconnect();
  }
}

import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { SentinelClient } from './sentinel-client.ts';
import type { RedisTopology } from './topology.ts';

/** A client of any topology: one connection (single, Sentinel) or a Cluster client (one connection per node). */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /** Password of the data nodes (REDIS_PASSWORD); never logged, never written into argv. */
  password?: string;
  /** Upper bound of a connection attempt. @default 1_000 */
  connectTimeoutMs?: number;
  /** Reconnect back-off ceiling. @default 1_000 */
  maxReconnectDelayMs?: number;
  /**
   * ioredis' per-command timeout. Undefined for the cache, which bounds commands with its own watchdog.
   * @default undefined
   */
  commandTimeoutMs?: number;
  /** Connect only on the first command. @default false */
  lazyConnect?: boolean;
}

/** The single place the defaults of `ConnectOptions` live. */
export const DEFAULT_CONNECT_OPTIONS = { connectTimeoutMs: 1_000, maxReconnectDelayMs: 1_000 } as const;

/**
 * The fail-fast options every client of this project shares: no offline queue (a command while disconnected fails
 * at once), no retry of a command whose connection closed, no resend of unanswered commands after a reconnect — so
 * a write that "failed" never lands later, after a failover, on the new primary.
 */
function failFast(options: ConnectOptions): RedisOptions {
  const max = options.maxReconnectDelayMs ?? DEFAULT_CONNECT_OPTIONS.maxReconnectDelayMs;
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_OPTIONS.connectTimeoutMs,
    retryStrategy: (times: number) => Math.min(times * 50, max),
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
    ...(options.lazyConnect ? { lazyConnect: true } : {}),
  };
}

/**
 * ioredis lets a URL's (empty) password win over the `password` option (`redis://app@host` + REDIS_PASSWORD would
 * authenticate with ''), so the password is written into the URL handed to ioredis — in memory only.
 */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined || !/^rediss?:\/\//i.test(url)) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** The ioredis options of a fail-fast client of the primary a set of Sentinels names. */
export function sentinelClientOptions(
  topology: Extract<RedisTopology, { kind: 'sentinel' }>,
  options: ConnectOptions = {},
): RedisOptions {
  return {
    ...failFast(options),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(topology.username === undefined ? {} : { username: topology.username }),
    sentinels: topology.sentinels,
    name: topology.name,
    role: 'master',
    ...(topology.db === undefined ? {} : { db: topology.db }),
    ...(topology.sentinelPassword === undefined ? {} : { sentinelPassword: topology.sentinelPassword }),
    sentinelRetryStrategy: (times: number) =>
      Math.min(times * 50, options.maxReconnectDelayMs ?? DEFAULT_CONNECT_OPTIONS.maxReconnectDelayMs),
    sentinelMaxConnections: 3,
    failoverDetector: true,
  };
}

/**
 * Connects to `topology` fail-fast.
 * - single: `new Redis(url)`;
 * - sentinel: `new Redis({ sentinels, name, role: 'master' })` with `failoverDetector` on, so a promotion the
 *   Sentinels announce (`+switch-master`) closes the connection to the old primary even when it is still alive;
 *   a `SentinelClient`, which connects again when ioredis ends it during that switch (sentinel-client.ts);
 * - cluster: `new Cluster(nodes)` with `retryDelayOnFailover` and `retryDelayOnClusterDown` 0 (a command whose
 *   node connection closed or whose cluster is down fails instead of being re-sent later); MOVED/ASK/TRYAGAIN
 *   replies are still followed: the node did not run the command.
 */
export function connectRedis(topology: RedisTopology, options: ConnectOptions = {}): RedisClient {
  const base = failFast(options);
  const password = options.password === undefined ? {} : { password: options.password };
  if (topology.kind === 'single') return new Redis(withPassword(topology.url, options.password), base);
  if (topology.kind === 'sentinel') return new SentinelClient(sentinelClientOptions(topology, options));
  const { retryStrategy, enableOfflineQueue, lazyConnect, ...nodeOptions } = base;
  const cluster = new Cluster(topology.nodes, {
    enableOfflineQueue: false,
    lazyConnect: lazyConnect ?? false,
    clusterRetryStrategy: (times: number) => retryStrategy?.(times) ?? 1_000,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    retryDelayOnTryAgain: 20,
    slotsRefreshTimeout: base.connectTimeout ?? DEFAULT_CONNECT_OPTIONS.connectTimeoutMs,
    // who serves which slot is asked again every second: a failover is followed within about a second of its end
    slotsRefreshInterval: 1_000,
    // node connections reconnect on their own: a replica promoted in place keeps its address
    clusterNodeRetryStrategy: (times: number) => Math.min(times * 50, 1_000),
    redisOptions: {
      ...nodeOptions,
      ...password,
      ...(topology.username === undefined ? {} : { username: topology.username }),
    },
  } as ConstructorParameters<typeof Cluster>[1]);
  // ioredis opens a node's connection on its first command; once the client is ready, open every primary's, so
  // a first read of a slot is not the one that waits for a TCP handshake (and trips a watchdog)
  cluster.on('ready', () => {
    for (const node of cluster.nodes('master')) if (node.status === 'wait') node.connect().catch(() => {});
  });
  return cluster;
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The connections to run a per-server command on (SCAN, INFO): every primary of a Cluster, else the client. */
export function primaries(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/**
 * Drops the sockets under `client` at once (every command in flight is rejected, nothing queued on them is ever
 * executed), then lets the client reconnect: the watchdogs' reset after a command outlived its bound.
 */
export function resetConnections(client: RedisClient): void {
  for (const node of isCluster(client) ? client.nodes('all') : [client]) node.stream?.destroy();
}

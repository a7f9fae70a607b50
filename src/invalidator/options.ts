import type { RedisTopology } from '../redis/topology.ts';
import { InvalidatorError } from './errors.ts';
import type { Profile } from './profiles.ts';
import { slotName } from './slot.ts';

/** Where the invalidator writes its log lines (the CLI: one JSON line each). Never receives a password. */
export interface InvalidatorLogger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}

/** Options of `startInvalidator()`. Every default lives in `DEFAULT_INVALIDATOR_OPTIONS` below. */
export interface InvalidatorOptions {
  /** The PostgreSQL to follow (a role with REPLICATION, owner of the mapped tables). */
  databaseUrl: string;
  /** One Redis (`redis://…`); or give `redis`. */
  redisUrl?: string;
  /** Where Redis is (single, Sentinel, Cluster): wins over `redisUrl`. */
  redis?: RedisTopology;
  /** Kept out of the URL and out of every log line. @default undefined */
  redisPassword?: string;
  /** Which tables map to which entries (src/invalidator/profiles.ts). */
  profile: Profile;
  /** The cache's namespace (`<namespace>:…` keys). @default 'fastnpc' */
  namespace?: string;
  /** Replication slot and publication name. @default `<namespace>_invalidator` */
  slot?: string;
  /**
   * Acknowledge a WAL position only once every online replica of every primary has received its deletions, so a
   * promoted replica is never behind the slot (replayed after a failover instead of emptied). `false` is the
   * control of the failover tests (the design before issue 14). @default true
   */
  waitForReplicas?: boolean;
  /**
   * Replay, when a session starts, the commits the slot holds past its acknowledged position (after a failover or a
   * restart: the deletions the Redis behind the connection may have lost). `false` is a naive invalidator that
   * resumes from the live stream — the slot advanced to now, the marker set to it, the commits in between skipped —
   * and exists only as the control of the failover tests and rows (`FASTNPC_INVALIDATOR_REPLAY=off`). @default true
   */
  replay?: boolean;
  /** How often the invalidator looks whether a fenced worker wants a tick (one HDEL). @default 50 */
  tickMs?: number;
  /** Ticks while no worker waits (liveness; each is one statement in PostgreSQL). Below the fence's maxLagMs. @default 2_000 */
  idleTickMs?: number;
  /** How often the persisted position is checked and acknowledged to PostgreSQL. @default 1_000 */
  acknowledgeMs?: number;
  /** At most this many commits per script call (1 = one call per commit, the design before issue 22). @default 500 */
  batchTransactions?: number;
  /** @default silent */
  logger?: InvalidatorLogger;
}

/** Every default of the invalidator in one place (also those no option exposes). */
export const DEFAULT_INVALIDATOR_OPTIONS = {
  namespace: 'fastnpc',
  tickMs: 50,
  idleTickMs: 2_000,
  acknowledgeMs: 1_000,
  /** Pause before a new session after one ended (Redis back within it: the fence lifts sooner). */
  retryMs: 100,
  batchTransactions: 500,
  /** A batch applied in one script call holds about this many keys at most. */
  batchKeys: 2_000,
  /** Committed transactions waiting for Redis before the stream is paused. */
  queuedTransactions: 2_000,
  /** Characters whose owner (user, name) a session remembers across transactions. */
  ownerCacheMax: 10_000,
  /** How long a session's teardown waits for its apply, tick and acknowledgement in flight (> the command time-out). */
  settleMs: 3_000,
  /** How often a standby invalidator looks whether the slot became free. */
  standbyRetryMs: 2_000,
  /** Upper bound of each Redis command of the invalidator. */
  commandTimeoutMs: 2_000,
  /** How long a session waits for Redis to be reachable before it gives up (and the next one tries). */
  redisReadyMs: 5_000,
} as const;

/** The prefix of the tick messages the invalidator writes into the WAL (pg_logical_emit_message). */
export const TICK_PREFIX = 'fastnpc-invalidator-tick';

const SILENT: InvalidatorLogger = { info: () => {}, warn: () => {} };

/** The options with every default filled in. */
export interface ResolvedInvalidatorOptions {
  databaseUrl: string;
  topology: RedisTopology;
  redisPassword: string | undefined;
  profile: Profile;
  namespace: string;
  slot: string;
  publication: string;
  waitForReplicas: boolean;
  replay: boolean;
  tickMs: number;
  idleTickMs: number;
  acknowledgeMs: number;
  batch: { transactions: number; keys: number; queued: number };
  logger: InvalidatorLogger;
}

export function resolveInvalidatorOptions(options: InvalidatorOptions): ResolvedInvalidatorOptions {
  const d = DEFAULT_INVALIDATOR_OPTIONS;
  const namespace = options.namespace ?? d.namespace;
  const slot = options.slot ?? slotName(namespace);
  const topology: RedisTopology | undefined =
    options.redis ?? (options.redisUrl ? { kind: 'single', url: options.redisUrl } : undefined);
  if (!topology)
    throw new InvalidatorError('INVALIDATOR_NO_REDIS', 'startInvalidator: give redis (a topology) or redisUrl');
  return {
    databaseUrl: options.databaseUrl,
    topology,
    redisPassword: options.redisPassword,
    profile: options.profile,
    namespace,
    slot,
    publication: slot,
    waitForReplicas: options.waitForReplicas !== false,
    replay: options.replay !== false,
    tickMs: options.tickMs ?? d.tickMs,
    idleTickMs: options.idleTickMs ?? d.idleTickMs,
    acknowledgeMs: options.acknowledgeMs ?? d.acknowledgeMs,
    batch: {
      transactions: Math.max(1, options.batchTransactions ?? d.batchTransactions),
      keys: d.batchKeys,
      queued: d.queuedTransactions,
    },
    logger: options.logger ?? SILENT,
  };
}

export interface InvalidatorStatus {
  /** WAL position (commit end) of the last transaction applied to Redis. */
  appliedLsn: string | null;
  /** Position acknowledged to PostgreSQL (persisted in Redis). */
  acknowledgedLsn: string | null;
  transactions: number;
  /** Script calls (or Cluster rounds) that applied them: a backlog goes in batches. */
  batches: number;
  /** Replayed commits this Redis already held (at or before its marker's `lsn`): decoded, not applied again. */
  transactionsSkipped: number;
  keysDeleted: number;
  /** Entries left in place: the service had deleted them itself after that commit (sync-invalidation marker). */
  keysKept: number;
  sessions: number;
  namespaceFlushes: number;
}

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import { consistencyKey } from '../cache/internal-keys.ts';
import { connectRedis, isCluster, primaries } from '../redis/connect.ts';
import type { RedisTopology } from '../redis/topology.ts';
import { applyBatch, type CommittedTransaction, type ReturnedTick } from './apply-batch.ts';
import { formatLsn, fromSortable, parseLsn, sortableLsn } from './lsn.ts';
import { clearEntries, persistedBefore } from './marker.ts';
import { keysFor, type Profile } from './profiles.ts';
import { ReplicationWatch } from './replicated.ts';
import { advanceSlotToNow, ensureSlot, readSlot, slotName } from './slot.ts';

/** Every default of the invalidator in one place. */
export const DEFAULT_INVALIDATOR_OPTIONS = {
  namespace: 'fastnpc',
  /** How often the invalidator looks whether a fenced worker wants a tick (one HDEL). */
  tickMs: 50,
  /** Ticks while no worker waits (liveness; each is one statement in PostgreSQL). Below the fence's maxLagMs. */
  idleTickMs: 2_000,
  /** How often the persisted position is checked and acknowledged to PostgreSQL. */
  acknowledgeMs: 1_000,
  /** Pause before a new session after one ended (Redis back within it: the fence lifts sooner). */
  retryMs: 100,
  /** A batch applied in one script call: at most this many commits and (about) this many keys. */
  batchTransactions: 500,
  batchKeys: 2_000,
  /** Committed transactions waiting for Redis before the stream is paused. */
  queuedTransactions: 2_000,
} as const;

/** Characters whose owner (user, name) the session remembers across transactions. */
const OWNER_CACHE_MAX = 10_000;
/** How long a session's teardown waits for its apply, tick and acknowledgement in flight (> the command time-out). */
const SETTLE_MS = 3_000;

/** How often a standby invalidator looks whether the slot became free. */
const STANDBY_RETRY_MS = 2_000;

export const TICK_PREFIX = 'fastnpc-invalidator-tick';

export interface InvalidatorLogger {
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
}

export interface InvalidatorOptions {
  databaseUrl: string;
  /** One Redis (`redis://…`); or give `redis`. */
  redisUrl?: string;
  /** Where Redis is (single, Sentinel, Cluster): wins over `redisUrl`. */
  redis?: RedisTopology;
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
  /** Kept out of the URL and out of every log line. */
  redisPassword?: string;
  profile: Profile;
  namespace?: string;
  /** Replication slot and publication name. @default `<namespace>_invalidator` */
  slot?: string;
  tickMs?: number;
  idleTickMs?: number;
  acknowledgeMs?: number;
  /** At most this many commits per script call (1 = one call per commit, the design before issue 22). @default 500 */
  batchTransactions?: number;
  logger?: InvalidatorLogger;
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

export interface RunningInvalidator {
  status(): InvalidatorStatus;
  stop(): Promise<void>;
}

class SessionLost extends Error {}
class SlotBusy extends Error {}

const SILENT: InvalidatorLogger = { info: () => {}, warn: () => {} };

/** Waits until every promise settled, or `ms` passed. */
async function settle(work: (Promise<unknown> | undefined)[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const pending = work.filter((w): w is Promise<unknown> => w !== undefined);
  if (pending.length === 0) return;
  await Promise.race([
    Promise.allSettled(pending),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The invalidator: tails PostgreSQL's commit log (logical replication slot, pgoutput) and deletes the cache entries
 * each committed transaction affects, keeping in Redis the WAL position its contents are consistent with. It
 * acknowledges WAL only once Redis persisted the deletions, so a Redis restored from its snapshot is replayed from
 * the position the snapshot holds; a Redis behind what the slot still has (or never verified) is emptied.
 */
export function startInvalidator(options: InvalidatorOptions): RunningInvalidator {
  const namespace = options.namespace ?? DEFAULT_INVALIDATOR_OPTIONS.namespace;
  const slot = options.slot ?? slotName(namespace);
  const publication = slot;
  const tickMs = options.tickMs ?? DEFAULT_INVALIDATOR_OPTIONS.tickMs;
  const acknowledgeMs = options.acknowledgeMs ?? DEFAULT_INVALIDATOR_OPTIONS.acknowledgeMs;
  const idleTickMs = options.idleTickMs ?? DEFAULT_INVALIDATOR_OPTIONS.idleTickMs;
  const logger = options.logger ?? SILENT;
  const marker = consistencyKey(namespace);
  const batchMax = {
    transactions: Math.max(1, options.batchTransactions ?? DEFAULT_INVALIDATOR_OPTIONS.batchTransactions),
    keys: DEFAULT_INVALIDATOR_OPTIONS.batchKeys,
    queued: DEFAULT_INVALIDATOR_OPTIONS.queuedTransactions,
  };

  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 3, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  const topology: RedisTopology | undefined =
    options.redis ?? (options.redisUrl ? { kind: 'single', url: options.redisUrl } : undefined);
  if (!topology) throw new Error('startInvalidator: give redis (a topology) or redisUrl');
  const redis = connectRedis(topology, {
    ...(options.redisPassword === undefined ? {} : { password: options.redisPassword }),
    commandTimeoutMs: 2_000,
    connectTimeoutMs: 1_000,
    maxReconnectDelayMs: 200,
  });
  const replication = options.waitForReplicas === false ? undefined : new ReplicationWatch();
  redis.on('error', () => {});
  let generation = 0;
  let abortSession: ((reason: Error) => void) | undefined;
  // A closed connection, a Sentinel failover (failoverDetector closes it) or a lost Cluster node: the Redis behind
  // it may be another one now (a promoted replica holding an older marker), so a new session reads the marker again.
  const lost = (): void => {
    generation += 1;
    abortSession?.(new SessionLost('Redis connection closed'));
  };
  redis.on('close', lost);
  if (isCluster(redis)) {
    redis.on('-node', lost);
    redis.on('node error', lost);
  }

  const status: InvalidatorStatus = {
    appliedLsn: null,
    acknowledgedLsn: null,
    transactions: 0,
    batches: 0,
    transactionsSkipped: 0,
    keysDeleted: 0,
    keysKept: 0,
    sessions: 0,
    namespaceFlushes: 0,
  };
  let stopped = false;
  let slotReady = false;

  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (redis.status !== 'ready') {
      if (stopped) throw new SessionLost('stopped');
      if (Date.now() > deadline) throw new SessionLost(`Redis not reachable (${redis.status})`);
      await sleep(50);
    }
  };

  const session = async (): Promise<void> => {
    await waitReady();
    const gen = generation;
    const guard = (): void => {
      if (gen !== generation || stopped) throw new SessionLost('Redis connection changed');
    };
    const id = randomUUID();
    if (!slotReady) {
      if (await ensureSlot(pool, slot, publication, options.profile)) logger.warn('replication slot created', { slot });
      slotReady = true;
    }
    let state = await readSlot(pool, slot);
    if (!state.exists || state.walStatus === 'lost') {
      slotReady = false;
      if (await ensureSlot(pool, slot, publication, options.profile))
        logger.warn('replication slot recreated', { slot });
      slotReady = true;
      state = await readSlot(pool, slot);
    }
    // One invalidator per namespace streams; another one (a second service on the same database) waits as a
    // standby and never touches the marker, or the two would keep voiding each other's sessions.
    if (state.active) throw new SlotBusy(`replication slot ${slot} is in use by another invalidator`);
    if (options.replay === false) {
      const to = await advanceSlotToNow(pool, slot);
      logger.warn('replay off (control): the commits past the slot position skipped, not applied', {
        from: state.confirmedFlushLsn,
        to,
      });
      state = { ...state, confirmedFlushLsn: to };
      await redis.hset(marker, 'lsn', sortableLsn(parseLsn(to)));
    }
    const start = parseLsn(state.confirmedFlushLsn ?? '0/0');
    const held = await redis.hget(marker, 'lsn');
    guard();
    const { rows: walRows } = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const walEnd = parseLsn(walRows[0]?.lsn ?? '0/0');
    // the slot's confirmed position is one past the last acknowledged byte (pg-logical-replication acknowledges
    // lsn + 1): a marker at start - 1 holds every commit the slot will not replay
    /** Every commit up to here is in this Redis already (deletions and marker raised in one step). */
    let redisLsn = start;
    // (a marker past the end of this database's WAL comes from another history: not trusted either)
    if (held === null || fromSortable(held) + 1n < start || fromSortable(held) > walEnd) {
      const removed = await clearEntries(redis, namespace);
      guard();
      status.namespaceFlushes += 1;
      logger.warn(
        'Redis is behind what the slot can replay (restored from an older snapshot, flushed, or new): namespace emptied',
        {
          redisLsn: held === null ? null : formatLsn(fromSortable(held)),
          slotLsn: formatLsn(start),
          removed,
        },
      );
      await redis.hset(marker, 'lsn', sortableLsn(start), 'session', id);
    } else {
      // On a Cluster the marker lives on one node and the entries on all: a shard's promoted replica may have lost
      // deletions the marker's node still vouches for, so a Cluster replays from the slot's position (it waits for
      // every replica) and re-applies everything. One Redis (or a Sentinel primary) holds marker and entries together.
      redisLsn = isCluster(redis) ? start : fromSortable(held);
      await redis.hset(marker, 'session', id);
      logger.info('replaying the commit log past the position this Redis holds', {
        slotLsn: formatLsn(start),
        redisLsn: formatLsn(fromSortable(held)),
      });
    }
    guard();
    status.sessions += 1;

    let acknowledged = start;
    status.acknowledgedLsn = formatLsn(acknowledged);
    const unpersisted: { lsn: bigint; atMs: number }[] = [];
    const service = new LogicalReplicationService(
      { connectionString: options.databaseUrl },
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication], messages: true });
    let failed: Error | undefined;
    /** Ends the session (once): the first error wins; nothing is thrown back into the stream's emitter. */
    const fail = (error: unknown): void => {
      failed ??= error instanceof Error ? error : new Error(String(error));
      abortSession?.(failed);
    };
    let txKeys = new Set<string>();
    /** The transaction's id as Begin carries it (unsigned 32 bits): names its sync-invalidation marker. */
    let txXid: string | undefined;
    let truncated = false;
    /** The transaction committed at or before the position this Redis already holds: decoded, not applied. */
    let txApplied = false;
    const owners = new Map<number, { user: number; name: string } | null>();

    const ownerOf = async (characterId: number): Promise<{ user: number; name: string } | null> => {
      if (!owners.has(characterId)) {
        // kept across transactions (a backlog of one character's writes asks once); a row of `characters` in the
        // stream (create, rename, delete) drops it, and the cache is bounded
        if (owners.size >= OWNER_CACHE_MAX) owners.clear();
        const { rows } = await pool.query<{ user_id: number; name: string }>(
          'SELECT user_id, name FROM characters WHERE id = $1',
          [characterId],
        );
        owners.set(characterId, rows[0] ? { user: rows[0].user_id, name: rows[0].name } : null);
      }
      return owners.get(characterId) ?? null;
    };

    const collect = async (relation: Pgoutput.MessageRelation, row: Record<string, unknown> | null): Promise<void> => {
      if (txApplied || !row) return;
      if (relation.name === 'characters' && row.id != null) owners.delete(Number(row.id));
      const rule = options.profile[relation.name];
      if (!rule) return;
      let user: number | undefined;
      let name: string | undefined;
      if (rule.user && row[rule.user] != null) user = Number(row[rule.user]);
      if (rule.name && row[rule.name] != null) name = String(row[rule.name]);
      if (rule.character && row[rule.character] != null) {
        const owner = await ownerOf(Number(row[rule.character]));
        if (owner) {
          user = owner.user;
          name = owner.name;
        }
      }
      if (user === undefined || !Number.isFinite(user)) return;
      for (const key of keysFor(rule.entries, user, name)) txKeys.add(key);
    };

    // Committed transactions wait here and are applied in batches (apply-batch.ts): one script call for many
    // commits, each key once. A tick or a TRUNCATE ends a batch; the stream waits while the queue is full.
    type Queued =
      | { kind: 'tx'; tx: CommittedTransaction; truncated: boolean }
      | { kind: 'tick'; tick: ReturnedTick; lsn: bigint | undefined };
    const queue: Queued[] = [];
    let applying: Promise<void> | undefined;
    let drainScheduled = false;

    const applyNext = async (): Promise<void> => {
      guard();
      const head = queue[0]!;
      if (head.kind === 'tx' && head.truncated) {
        queue.shift();
        await clearEntries(redis, namespace);
        guard();
        await applied([head.tx], undefined);
        return;
      }
      const transactions: CommittedTransaction[] = [];
      let keys = 0;
      let tick: ReturnedTick | undefined;
      let tickLsn: bigint | undefined;
      while (queue.length > 0 && transactions.length < batchMax.transactions && keys < batchMax.keys) {
        const item = queue[0]!;
        if (item.kind === 'tx' && item.truncated) break;
        queue.shift();
        if (item.kind === 'tick') {
          tick = item.tick;
          tickLsn = item.lsn;
          break;
        }
        transactions.push(item.tx);
        keys += item.tx.keys.length;
      }
      await applied(transactions, tick, tickLsn);
    };
    /** Applies one batch and books it (status, positions to acknowledge once persisted). */
    const applied = async (
      transactions: CommittedTransaction[],
      tick: ReturnedTick | undefined,
      tickLsn?: bigint,
    ): Promise<void> => {
      const outcome = await applyBatch(redis, namespace, marker, id, transactions, tick);
      const at = Date.now();
      if (!outcome) throw new SessionLost('consistency marker changed under the invalidator (flushed or evicted)');
      status.transactions += transactions.length;
      status.batches += 1;
      status.keysDeleted += outcome.keysDeleted;
      status.keysKept += outcome.keysKept;
      const last = transactions.at(-1);
      if (last) {
        status.appliedLsn = formatLsn(last.lsn);
        unpersisted.push({ lsn: last.lsn, atMs: at });
      }
      if (tickLsn !== undefined) unpersisted.push({ lsn: tickLsn, atMs: at });
    };
    const drain = (): Promise<void> => {
      applying ??= (async () => {
        while (queue.length > 0 && !failed) await applyNext();
      })()
        .catch(fail)
        .finally(() => {
          applying = undefined;
        });
      return applying;
    };
    const scheduleDrain = (): void => {
      if (drainScheduled) return;
      drainScheduled = true;
      // after the stream's messages already received have been queued (they are handled in microtasks)
      setImmediate(() => {
        drainScheduled = false;
        if (!failed) void drain();
      });
    };
    const enqueue = async (item: Queued): Promise<void> => {
      queue.push(item);
      if (item.kind === 'tick') scheduleDrain();
      while (queue.length >= batchMax.queued && !failed) await drain();
      scheduleDrain();
    };

    const onData = async (_lsn: string, msg: Pgoutput.Message): Promise<void> => {
      if (failed) return;
      try {
        switch (msg.tag) {
          case 'begin':
            txKeys = new Set();
            // the parser reads it as a signed int32
            txXid = Number.isFinite(msg.xid) ? String(msg.xid >>> 0) : undefined;
            truncated = false;
            // this Redis holds every commit up to its marker's `lsn` (raised with the deletions, in one step): a
            // commit record that starts before it ends at or before it — replayed from the slot, not re-applied
            txApplied = msg.commitLsn !== null && parseLsn(msg.commitLsn) < redisLsn;
            return;
          case 'insert':
            return await collect(msg.relation, msg.new);
          case 'update':
            await collect(msg.relation, msg.old ?? msg.key);
            return await collect(msg.relation, msg.new);
          case 'delete':
            return await collect(msg.relation, msg.old ?? msg.key);
          case 'truncate':
            truncated = truncated || msg.relations.some((r) => options.profile[r.name] !== undefined);
            return;
          case 'commit': {
            const lsn = parseLsn(msg.commitEndLsn ?? '0/0');
            if (txApplied && lsn <= redisLsn) {
              status.transactionsSkipped += 1;
              return;
            }
            const keys = [...txKeys];
            txKeys = new Set();
            // pgoutput always sends the xid; without one no marker is consulted and every entry is deleted
            await enqueue({ kind: 'tx', tx: { lsn, keys, xid: txXid }, truncated });
            return;
          }
          case 'message': {
            if (msg.prefix !== TICK_PREFIX) return;
            const [tickSession, seq] = Buffer.from(msg.content).toString('utf8').split(':');
            if (tickSession !== id) return;
            const tickLsn = msg.messageLsn ? parseLsn(msg.messageLsn) : undefined;
            await enqueue({ kind: 'tick', tick: { seq: Number(seq), lsn: tickLsn }, lsn: tickLsn });
            return;
          }
          default:
            return;
        }
      } catch (error) {
        fail(error);
      }
    };
    service.on('data', onData);

    const acknowledge = async (): Promise<void> => {
      guard();
      // persisted positions are judged on Redis's clock; `atMs` is this process's: shift by the difference
      let before = Number.POSITIVE_INFINITY;
      const nodes = primaries(redis);
      for (const node of nodes) {
        const { serverNowMs, beforeMs } = await persistedBefore(node);
        before = Math.min(before, beforeMs - (serverNowMs - Date.now()));
      }
      // and on the replicas, which a failover may promote
      if (replication) before = Math.min(before, await replication.replicatedBefore(nodes));
      guard();
      let next = acknowledged;
      while (unpersisted.length > 0 && unpersisted[0]!.atMs < before) {
        const item = unpersisted.shift()!;
        if (item.lsn > next) next = item.lsn;
      }
      acknowledged = next;
      status.acknowledgedLsn = formatLsn(acknowledged);
      await service.acknowledge(formatLsn(acknowledged));
    };
    let lastTickAt = 0;
    const tick = async (): Promise<void> => {
      guard();
      // a tick costs a statement in PostgreSQL: only when a fenced worker waits for one (`tick_wanted`), or every
      // `idleTickMs` to show the workers the invalidator is alive
      const wanted = Number(await redis.hdel(marker, 'tick_wanted')) > 0;
      if (!wanted && Date.now() - lastTickAt < idleTickMs) return;
      lastTickAt = Date.now();
      // issued in Redis before it enters the WAL: a worker that read `tick_seq` = n earlier knows that tick n + 1
      // coming back means every commit made before its reading has been applied
      const seq = await redis.hincrby(marker, 'tick_seq', 1);
      await pool.query('SELECT pg_logical_emit_message(false, $1, $2)', [TICK_PREFIX, `${id}:${seq}`]);
    };

    const aborted = new Promise<never>((_, reject) => {
      abortSession = reject;
      service.on('error', (error: Error) => reject(error));
      service.on('heartbeat', (_lsn: string, _t: number, shouldRespond: boolean) => {
        if (shouldRespond) void track(acknowledge());
      });
    });
    aborted.catch(() => {});
    /** Ticks and acknowledgements in flight: a failure ends the session; the teardown waits for them. */
    const inFlight = new Set<Promise<void>>();
    const track = (work: Promise<void>): Promise<void> => {
      const settled = work.catch(fail);
      inFlight.add(settled);
      void settled.finally(() => inFlight.delete(settled));
      return settled;
    };
    let ticking = false;
    const ticker = setInterval(() => {
      if (ticking) return;
      ticking = true;
      track(tick()).finally(() => {
        ticking = false;
      });
    }, tickMs);
    const acker = setInterval(() => void track(acknowledge()), acknowledgeMs);
    try {
      // Streamed from the position this Redis holds, not from the slot's (which waits for Redis to persist, so it
      // may be minutes behind): PostgreSQL skips, without sending them, the transactions whose commit starts
      // before it — all of them already applied here. The slot still holds the WAL from its own position.
      // biome-ignore lint/complexity/useMathMinMax: bigints (Math.max takes numbers)
      const from = redisLsn > start ? redisLsn : start;
      const subscribed = service.subscribe(plugin, slot, formatLsn(from));
      await Promise.race([subscribed.then(() => Promise.reject(new SessionLost('replication ended'))), aborted]);
    } finally {
      abortSession = undefined;
      clearInterval(ticker);
      clearInterval(acker);
      failed ??= new SessionLost('session over');
      // nothing of this session outlives it: the apply in flight (its Redis command rejects on its own time-out,
      // or at once on a closed connection), the tick and the acknowledgement settle before the stream is torn down
      await settle([applying, ...inFlight], SETTLE_MS);
      await service.destroy().catch(() => {});
      // a late 'error' of the torn-down stream must not become an unhandled one (it ended the process before)
      service.on('error', () => {});
    }
  };

  let standby = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await session();
      } catch (error) {
        if (stopped) break;
        if (error instanceof SlotBusy) {
          if (!standby) logger.info('standing by: another invalidator streams this namespace', { slot });
          standby = true;
          await sleep(STANDBY_RETRY_MS);
          continue;
        }
        standby = false;
        logger.warn('invalidator session ended; starting a new one', { reason: message(error) });
        // A fresh connection for the next session: a command that timed out may still sit in the old one's queue
        // (a stalled server, a partition), and its late reply must not be mistaken for a new command's.
        if (redis.status === 'ready') redis.disconnect(true);
      }
      if (!stopped) await sleep(DEFAULT_INVALIDATOR_OPTIONS.retryMs);
    }
  })();

  return {
    status: () => ({ ...status }),
    stop: async () => {
      stopped = true;
      abortSession?.(new SessionLost('stopped'));
      await loop;
      redis.disconnect();
      await pool.end().catch(() => {});
    },
  };
}

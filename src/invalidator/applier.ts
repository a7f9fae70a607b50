import type { LogicalReplicationService } from 'pg-logical-replication';
import { primaries, type RedisClient } from '../redis/connect.ts';
import { applyBatch, type CommittedTransaction, type ReturnedTick } from './apply-batch.ts';
import type { Decoded } from './decoder.ts';
import { SessionLost } from './errors.ts';
import { formatLsn } from './lsn.ts';
import { clearEntries, persistedBefore } from './marker.ts';
import type { InvalidatorStatus, ResolvedInvalidatorOptions } from './options.ts';
import type { ReplicationWatch } from './replicated.ts';

export interface Applier {
  /** Queues a decoded commit or tick; waits while the queue is full (the stream then pauses). */
  enqueue(item: Decoded): Promise<void>;
  /** The apply in flight, if any (the session's teardown waits for it). */
  readonly applying: Promise<void> | undefined;
  /** Acknowledges to PostgreSQL the last position Redis has persisted (and every replica received). */
  acknowledge(): Promise<void>;
}

/**
 * The applier and acknowledger of one session. Committed transactions wait in a queue and are applied in batches
 * (apply-batch.ts: one script call for many commits, each key once); a tick or a TRUNCATE ends a batch. A position
 * applied is acknowledged to the slot only once Redis persisted it (marker.ts `persistedBefore`) and, with
 * replicas, once they received it — so a Redis restored from its snapshot is never behind the slot.
 */
export function createApplier(session: {
  options: ResolvedInvalidatorOptions;
  redis: RedisClient;
  marker: string;
  sessionId: string;
  status: InvalidatorStatus;
  replication: ReplicationWatch | undefined;
  stream: LogicalReplicationService;
  /** The slot's confirmed position when the session started. */
  acknowledged: bigint;
  /** Throws SessionLost when the Redis connection changed or the invalidator stopped. */
  guard: () => void;
  /** Ends the session (the first error wins). */
  fail: (error: unknown) => void;
  failed: () => boolean;
}): Applier {
  const { options, redis, marker, sessionId, status, guard } = session;
  const { namespace, batch } = options;
  const queue: Decoded[] = [];
  const unpersisted: { lsn: bigint; atMs: number }[] = [];
  let acknowledged = session.acknowledged;
  status.acknowledgedLsn = formatLsn(acknowledged);
  let applying: Promise<void> | undefined;
  let drainScheduled = false;

  /** Applies one batch and books it (status, positions to acknowledge once persisted). */
  const applied = async (
    transactions: CommittedTransaction[],
    tick: ReturnedTick | undefined,
    tickLsn?: bigint,
  ): Promise<void> => {
    const outcome = await applyBatch(redis, namespace, marker, sessionId, transactions, tick);
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
    while (queue.length > 0 && transactions.length < batch.transactions && keys < batch.keys) {
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

  const drain = (): Promise<void> => {
    applying ??= (async () => {
      while (queue.length > 0 && !session.failed()) await applyNext();
    })()
      .catch(session.fail)
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
      if (!session.failed()) void drain();
    });
  };

  return {
    get applying() {
      return applying;
    },
    async enqueue(item) {
      queue.push(item);
      if (item.kind === 'tick') scheduleDrain();
      while (queue.length >= batch.queued && !session.failed()) await drain();
      scheduleDrain();
    },
    async acknowledge() {
      guard();
      // persisted positions are judged on Redis's clock; `atMs` is this process's: shift by the difference
      let before = Number.POSITIVE_INFINITY;
      const nodes = primaries(redis);
      for (const node of nodes) {
        const { serverNowMs, beforeMs } = await persistedBefore(node);
        before = Math.min(before, beforeMs - (serverNowMs - Date.now()));
      }
      // and on the replicas, which a failover may promote
      if (session.replication) before = Math.min(before, await session.replication.replicatedBefore(nodes));
      guard();
      let next = acknowledged;
      while (unpersisted.length > 0 && unpersisted[0]!.atMs < before) {
        const item = unpersisted.shift()!;
        if (item.lsn > next) next = item.lsn;
      }
      acknowledged = next;
      status.acknowledgedLsn = formatLsn(acknowledged);
      await session.stream.acknowledge(formatLsn(acknowledged));
    },
  };
}

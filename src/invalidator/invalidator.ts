import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { consistencyKey } from '../cache/shared-layout.ts';
import { connectRedis, isCluster } from '../redis/connect.ts';
import { SessionLost, SlotBusy } from './errors.ts';
import {
  DEFAULT_INVALIDATOR_OPTIONS,
  type InvalidatorOptions,
  type InvalidatorStatus,
  resolveInvalidatorOptions,
} from './options.ts';
import { ReplicationWatch } from './replicated.ts';
import { runSession } from './session.ts';

export {
  DEFAULT_INVALIDATOR_OPTIONS,
  type InvalidatorLogger,
  type InvalidatorOptions,
  type InvalidatorStatus,
  TICK_PREFIX,
} from './options.ts';

export interface RunningInvalidator {
  status(): InvalidatorStatus;
  stop(): Promise<void>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The invalidator: tails PostgreSQL's commit log (logical replication slot, pgoutput) and deletes the cache entries
 * each committed transaction affects, keeping in Redis the WAL position its contents are consistent with. It
 * acknowledges WAL only once Redis persisted the deletions, so a Redis restored from its snapshot is replayed from
 * the position the snapshot holds; a Redis behind what the slot still has (or never verified) is emptied.
 *
 * This file is the process: one Redis connection and one pool for its life, sessions one after another (session.ts)
 * — a session ends on any Redis or PostgreSQL fault and the next one starts `retryMs` later on a fresh connection;
 * a standby waits while another invalidator streams the slot. Options and defaults: options.ts.
 */
export function startInvalidator(given: InvalidatorOptions): RunningInvalidator {
  const options = resolveInvalidatorOptions(given);
  const { logger } = options;
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 3, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  const redis = connectRedis(options.topology, {
    ...(options.redisPassword === undefined ? {} : { password: options.redisPassword }),
    commandTimeoutMs: DEFAULT_INVALIDATOR_OPTIONS.commandTimeoutMs,
    connectTimeoutMs: 1_000,
    maxReconnectDelayMs: 200,
  });
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
  const slotReady = { value: false };
  const replication = options.waitForReplicas ? new ReplicationWatch() : undefined;

  const waitReady = async (): Promise<void> => {
    const deadline = Date.now() + DEFAULT_INVALIDATOR_OPTIONS.redisReadyMs;
    while (redis.status !== 'ready') {
      if (stopped) throw new SessionLost('stopped');
      if (Date.now() > deadline) throw new SessionLost(`Redis not reachable (${redis.status})`);
      await sleep(50);
    }
  };

  let standby = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await waitReady();
        await runSession({
          options,
          pool,
          redis,
          marker: consistencyKey(options.namespace),
          status,
          replication,
          slotReady,
          generation: () => generation,
          stopped: () => stopped,
          setAbort: (abort) => {
            abortSession = abort;
          },
        });
      } catch (error) {
        if (stopped) break;
        if (error instanceof SlotBusy) {
          if (!standby) logger.info('standing by: another invalidator streams this namespace', { slot: options.slot });
          standby = true;
          await sleep(DEFAULT_INVALIDATOR_OPTIONS.standbyRetryMs);
          continue;
        }
        standby = false;
        const code = (error as { code?: unknown }).code;
        logger.warn('invalidator session ended; starting a new one', {
          reason: message(error),
          ...(typeof code === 'string' ? { code } : {}),
        });
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

import type pg from 'pg';
import { isCluster, type RedisClient } from '../redis/connect.ts';
import { SlotBusy } from './errors.ts';
import { formatLsn, fromSortable, parseLsn, sortableLsn } from './lsn.ts';
import { clearEntries } from './marker.ts';
import type { InvalidatorStatus, ResolvedInvalidatorOptions } from './options.ts';
import { advanceSlotToNow, ensureSlot, readSlot } from './slot.ts';

/** Where a session starts: the slot's confirmed position, and the position this Redis holds every commit up to. */
export interface SessionStart {
  /** The slot's `confirmed_flush_lsn` (one past the last acknowledged byte). */
  slotLsn: bigint;
  /** Every commit up to here is in this Redis already (deletions and marker raised in one step). */
  redisLsn: bigint;
}

/**
 * Slot and marker, at the start of every session: makes sure the slot exists (recreated when lost), stands by when
 * another invalidator streams it (SlotBusy), then compares the consistency marker's `lsn` with the slot. A Redis
 * that holds every commit the slot will not replay is replayed from its own position; one behind it (restored from
 * an older snapshot, flushed, evicted, new) or from another history is emptied (docs/invalidation.md).
 */
export async function reconcile(ctx: {
  options: ResolvedInvalidatorOptions;
  pool: pg.Pool;
  redis: RedisClient;
  marker: string;
  sessionId: string;
  status: InvalidatorStatus;
  /** Whether the slot was set up by an earlier session of this process (ensureSlot is skipped then). */
  slotReady: { value: boolean };
  guard: () => void;
}): Promise<SessionStart> {
  const { options, pool, redis, marker, sessionId, status, slotReady, guard } = ctx;
  const { slot, publication, logger } = options;
  if (!slotReady.value) {
    if (await ensureSlot(pool, slot, publication, options.profile)) logger.warn('replication slot created', { slot });
    slotReady.value = true;
  }
  let state = await readSlot(pool, slot);
  if (!state.exists || state.walStatus === 'lost') {
    slotReady.value = false;
    if (await ensureSlot(pool, slot, publication, options.profile)) logger.warn('replication slot recreated', { slot });
    slotReady.value = true;
    state = await readSlot(pool, slot);
  }
  // One invalidator per namespace streams; another one (a second service on the same database) waits as a
  // standby and never touches the marker, or the two would keep voiding each other's sessions.
  if (state.active) throw new SlotBusy(`replication slot ${slot} is in use by another invalidator`);
  if (!options.replay) {
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
  let redisLsn = start;
  // (a marker past the end of this database's WAL comes from another history: not trusted either)
  if (held === null || fromSortable(held) + 1n < start || fromSortable(held) > walEnd) {
    const removed = await clearEntries(redis, options.namespace);
    guard();
    status.namespaceFlushes += 1;
    logger.warn(
      'Redis is behind what the slot can replay (restored from an older snapshot, flushed, or new): namespace emptied',
      { redisLsn: held === null ? null : formatLsn(fromSortable(held)), slotLsn: formatLsn(start), removed },
    );
    await redis.hset(marker, 'lsn', sortableLsn(start), 'session', sessionId);
  } else {
    // On a Cluster the marker lives on one node and the entries on all: a shard's promoted replica may have lost
    // deletions the marker's node still vouches for, so a Cluster replays from the slot's position (it waits for
    // every replica) and re-applies everything. One Redis (or a Sentinel primary) holds marker and entries together.
    redisLsn = isCluster(redis) ? start : fromSortable(held);
    await redis.hset(marker, 'session', sessionId);
    logger.info('replaying the commit log past the position this Redis holds', {
      slotLsn: formatLsn(start),
      redisLsn: formatLsn(fromSortable(held)),
    });
  }
  guard();
  return { slotLsn: start, redisLsn };
}

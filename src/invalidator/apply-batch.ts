import { leaseKeyOf, luaScript, runScript, syncInvalidationKey, valueKeyOf } from '../cache/shared-layout.ts';
import { isCluster, type RedisClient } from '../redis/connect.ts';
import { sortableLsn } from './lsn.ts';
import { APPLY, TICK } from './marker.ts';

/** One committed transaction as the stream delivered it: the entries its rows map to. */
export interface CommittedTransaction {
  /** Commit end LSN. */
  lsn: bigint;
  /** Logical keys (no namespace), de-duplicated within the transaction. */
  keys: readonly string[];
  /** Begin's xid (unsigned 32 bits): names the service's sync-invalidation marker; undefined = none. */
  xid: string | undefined;
}

/** A tick of this session that came back through the stream (after every transaction before it in the batch). */
export interface ReturnedTick {
  seq: number;
  lsn: bigint | undefined;
}

export interface BatchOutcome {
  keysDeleted: number;
  keysKept: number;
}

/**
 * Applies many committed transactions (and the tick that follows them, if any) in one atomic step: deletes value +
 * lease of every affected entry once — a key several transactions touched is kept only when *every* one of them
 * has it in its sync-invalidation marker (the service deleted it itself after each of those commits) —, deletes
 * the transactions' sync markers, raises the marker's `lsn` to the last commit (or the tick's position) and its
 * `caught_up_seq` to the tick. Sequentially applied, the same transactions leave the same state: deletions only
 * remove, and a deletion done at the end of the batch instead of at its own commit is only later, never wrong.
 * KEYS: consistency marker, sync marker 1..m, value1, lease1, … ARGV: session, sortable LSN ('' = none), tick seq
 * ('' = none), tick's sortable LSN ('' = none), m, then per value/lease pair: logical key, c, c marker indexes
 * (1..m; 0 = a transaction without marker, so the entry is deleted). Returns the entries kept, or -1 when the
 * consistency marker is not this session's.
 */
export const APPLY_BATCH = luaScript(
  'invalidator-apply-batch',
  `if redis.call('HGET', KEYS[1], 'session') ~= ARGV[1] then return -1 end
local m = tonumber(ARGV[5])
local a = 6
local k = 2 + m
local kept = 0
while a <= #ARGV do
  local key = ARGV[a]
  local c = tonumber(ARGV[a + 1])
  local keep = c > 0
  for i = 0, c - 1 do
    local idx = tonumber(ARGV[a + 2 + i])
    if keep and (idx == 0 or redis.call('SISMEMBER', KEYS[1 + idx], key) == 0) then keep = false end
  end
  a = a + 2 + c
  if keep then kept = kept + 1 else redis.call('DEL', KEYS[k], KEYS[k + 1]) end
  k = k + 2
end
for i = 2, 1 + m do redis.call('DEL', KEYS[i]) end
local function raise(field, value)
  local cur = redis.call('HGET', KEYS[1], field)
  if (not cur) or cur < value then redis.call('HSET', KEYS[1], field, value) end
end
if ARGV[2] ~= '' then raise('lsn', ARGV[2]) end
if ARGV[4] ~= '' then raise('lsn', ARGV[4]) end
if ARGV[3] ~= '' then
  local seq = tonumber(redis.call('HGET', KEYS[1], 'caught_up_seq') or '0')
  if seq < tonumber(ARGV[3]) then redis.call('HSET', KEYS[1], 'caught_up_seq', ARGV[3]) end
end
return kept`,
);

/** Per entry: the transactions of the batch touching it, as indexes of their sync markers (0 = no marker). */
function plan(
  namespace: string,
  transactions: readonly CommittedTransaction[],
): { markers: string[]; entries: Map<string, number[]> } {
  const markers: string[] = [];
  const markerIndex = new Map<string, number>();
  const entries = new Map<string, number[]>();
  for (const tx of transactions) {
    if (tx.keys.length === 0) continue;
    let index = 0;
    if (tx.xid !== undefined) {
      const name = syncInvalidationKey(namespace, tx.xid);
      index = markerIndex.get(name) ?? 0;
      if (index === 0) {
        markers.push(name);
        index = markers.length;
        markerIndex.set(name, index);
      }
    }
    for (const key of tx.keys) {
      const touched = entries.get(key);
      if (touched) touched.push(index);
      else entries.set(key, [index]);
    }
  }
  return { markers, entries };
}

/**
 * Applies `transactions` (in commit order) and then `tick` to Redis as one batch. Returns the outcome, or null when
 * the consistency marker is not `session`'s (flushed, evicted, restored: the session must end). On a Cluster the
 * entries live in many slots: the markers are read, the unmarked entries deleted one DEL each (entry and lease
 * share a slot), then the marker raised and the sync markers dropped — a crash in between leaves the marker
 * behind and the replay deletes (or keeps) them again.
 */
export async function applyBatch(
  redis: RedisClient,
  namespace: string,
  marker: string,
  session: string,
  transactions: readonly CommittedTransaction[],
  tick?: ReturnedTick,
): Promise<BatchOutcome | null> {
  const last = transactions.at(-1);
  const lsn = last ? sortableLsn(last.lsn) : '';
  const tickLsn = tick?.lsn === undefined ? '' : sortableLsn(tick.lsn);
  const { markers, entries } = plan(namespace, transactions);
  if (!isCluster(redis)) {
    const keys = [marker, ...markers];
    const args: (string | number)[] = [session, lsn, tick ? tick.seq : '', tickLsn, markers.length];
    for (const [key, touched] of entries) {
      keys.push(valueKeyOf(namespace, key), leaseKeyOf(namespace, key));
      args.push(key, touched.length, ...touched);
    }
    const kept = Number(await runScript(redis, APPLY_BATCH, keys, args));
    if (kept < 0) return null;
    return { keysDeleted: entries.size - kept, keysKept: kept };
  }
  const marked = await Promise.all(markers.map((name) => redis.smembers(name).then((m) => new Set(m))));
  const deleting = [...entries].filter(([key, touched]) => touched.some((i) => i === 0 || !marked[i - 1]!.has(key)));
  await Promise.all(deleting.map(([key]) => redis.del(valueKeyOf(namespace, key), leaseKeyOf(namespace, key))));
  if (lsn !== '' && Number(await runScript(redis, APPLY, [marker], [session, lsn])) < 0) return null;
  if (tick && Number(await runScript(redis, TICK, [marker], [session, tick.seq, ...(tickLsn ? [tickLsn] : [])])) < 0)
    return null;
  if (markers.length > 0) await Promise.all(markers.map((name) => redis.del(name)));
  return { keysDeleted: deleting.length, keysKept: entries.size - deleting.length };
}

import type { Redis } from 'ioredis';
import { INTERNAL_PREFIX, luaScript } from '../cache/shared-layout.ts';
import { isCluster, primaries, type RedisClient } from '../redis/connect.ts';

/**
 * Applies one committed transaction: deletes value + lease of every affected entry (the lease voids a load in
 * flight, as the service's own invalidation does) and raises the marker's `lsn`, in one atomic step — so a snapshot
 * holds either both or neither. An entry whose logical key is in the transaction's sync-invalidation marker (the
 * service deleted it itself, confirmed, after the commit: every fill since loaded after the commit) is left in
 * place, value and lease; the sync marker is then deleted. Refused (-1) when the consistency marker is not this
 * session's (flushed, evicted, restored). KEYS: consistency marker, [sync marker, value1, lease1, …].
 * ARGV: session, sortable LSN, logical key1, … (one per value/lease pair). Returns how many entries were left in
 * place (≥ 0), or -1. (No TIME: the plan's app ACL user has no @fast commands beyond reads and writes.)
 */
export const APPLY = luaScript(
  'invalidator-apply',
  `if redis.call('HGET', KEYS[1], 'session') ~= ARGV[1] then return -1 end
local kept = 0
if KEYS[2] then
  for i = 3, #KEYS, 2 do
    if redis.call('SISMEMBER', KEYS[2], ARGV[(i - 1) / 2 + 2]) == 1 then kept = kept + 1
    else redis.call('DEL', KEYS[i], KEYS[i + 1]) end
  end
  redis.call('DEL', KEYS[2])
end
local cur = redis.call('HGET', KEYS[1], 'lsn')
if (not cur) or cur < ARGV[2] then redis.call('HSET', KEYS[1], 'lsn', ARGV[2]) end
return kept`,
);

/**
 * A tick came back through the stream: every commit made before tick `seq` was issued is applied — and every commit
 * before the tick's own WAL position, so the marker's `lsn` is raised to it too (when given). Without that, an idle
 * invalidator acknowledges tick positions past the marker's `lsn`, and a Redis restored or promoted later finds its
 * marker behind the slot and is emptied although it missed nothing. KEYS: marker. ARGV: session, seq, sortable LSN
 * of the tick (optional). Returns 1, or -1 when the marker is not this session's.
 */
export const TICK = luaScript(
  'invalidator-tick',
  `if redis.call('HGET', KEYS[1], 'session') ~= ARGV[1] then return -1 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'caught_up_seq') or '0')
if cur < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'caught_up_seq', ARGV[2]) end
if ARGV[3] then
  local lsn = redis.call('HGET', KEYS[1], 'lsn')
  if (not lsn) or lsn < ARGV[3] then redis.call('HSET', KEYS[1], 'lsn', ARGV[3]) end
end
return 1`,
);

/** Keys of the namespace the invalidator may delete when Redis is behind: everything but statistics and marker. */
export function isEntryOrLease(namespace: string, key: string): boolean {
  const internal = `${namespace}:${INTERNAL_PREFIX}`;
  if (!key.startsWith(internal)) return key.startsWith(`${namespace}:`);
  return key.startsWith(`${internal}lease:`);
}

/**
 * Empties the namespace's entries and leases (SCAN + UNLINK, never FLUSHDB) on every primary; returns how many
 * keys went. On a Cluster one UNLINK per key (a node refuses keys of different slots in one command).
 */
export async function clearEntries(client: RedisClient, namespace: string): Promise<number> {
  let removed = 0;
  for (const node of primaries(client)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1_000);
      cursor = next;
      const batch = found.filter((key) => isEntryOrLease(namespace, key));
      if (batch.length === 0) continue;
      if (!isCluster(client)) removed += await node.unlink(...batch);
      else {
        const pipeline = node.pipeline();
        for (const key of batch) pipeline.unlink(key);
        for (const [error, n] of (await pipeline.exec()) ?? []) {
          if (error) throw error;
          removed += Number(n);
        }
      }
    } while (cursor !== '0');
  }
  return removed;
}

/**
 * Redis time now and the Redis time (ms) before which everything written is in the persisted data a restart would load: with AOF
 * (appendfsync everysec) two seconds ago; with RDB snapshots the start of the last successful save (minus a second
 * of rounding); with no persistence at all, now (a restart comes back empty and unverified).
 */
export async function persistedBefore(client: Redis): Promise<{ serverNowMs: number; beforeMs: number }> {
  const info = Object.fromEntries(
    `${await client.info('server')}\n${await client.info('persistence')}`
      .split(/\r?\n/)
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
  const nowMs = Math.floor(Number(info.server_time_usec ?? Date.now() * 1_000) / 1_000);
  const at = (beforeMs: number) => ({ serverNowMs: nowMs, beforeMs });
  if (info.aof_enabled === '1') return at(nowMs - 2_000);
  let saveRules: string | undefined;
  try {
    const reply = (await client.config('GET', 'save')) as string[];
    saveRules = reply[1];
  } catch {
    // CONFIG may be refused by the ACL: assume snapshots are on
  }
  if (saveRules === '') return at(nowMs);
  if (info.rdb_last_bgsave_status !== 'ok') return at(0);
  const lastSave = Number(info.rdb_last_save_time ?? 0) * 1_000;
  const duration = Math.max(0, Number(info.rdb_last_bgsave_time_sec ?? 0)) * 1_000;
  return at(lastSave - duration - 1_000);
}

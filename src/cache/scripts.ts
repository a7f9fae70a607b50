import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/connect.ts';

/** A Lua script run with EVALSHA, falling back to EVAL when the server does not know it yet (NOSCRIPT). */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Miss path of getOrLoad. KEYS: value, lease. ARGV: token, lease TTL ms.
 * Returns {1, value} when the value is there, {2} when this caller now holds the lease, {3} when another does.
 */
export const ACQUIRE = script(
  'acquire',
  `local v = redis.call('GET', KEYS[1])
if v then return {1, v} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {3}`,
);

/**
 * Stores a loaded value only while the caller's lease is still the one in Redis (no invalidation, no expiry in
 * between), and ends the lease. KEYS: value, lease. ARGV: token, payload, TTL ms (0 = none). Returns 1 or 0.
 */
export const FILL = script(
  'fill',
  `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
local ttl = tonumber(ARGV[3])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`,
);

/** Ends a lease the caller still holds (the loader failed). KEYS: lease. ARGV: token. */
export const RELEASE = script(
  'release',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

/**
 * Plain set: stores the value and voids any lease on the key in one step, so an older load cannot overwrite it.
 * KEYS: value, lease. ARGV: payload, TTL ms (0 = none).
 */
export const STORE = script(
  'store',
  `local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('DEL', KEYS[2])
return 1`,
);

/**
 * Delete / invalidate: deletes value and lease of every key in one atomic step. KEYS: value1, lease1, value2,
 * lease2, … Returns how many values existed.
 */
export const REMOVE = script(
  'remove',
  `local n = 0
for i = 1, #KEYS, 2 do
  n = n + redis.call('DEL', KEYS[i])
  if KEYS[i + 1] then redis.call('DEL', KEYS[i + 1]) end
end
return n`,
);

/** Deletes an entry only if it still holds the given (corrupt) payload. KEYS: value. ARGV: payload. */
export const DROP_IF_SAME = script(
  'drop-if-same',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

/**
 * Adds a batch of counters to the system hash and to this worker's hash, and records the worker.
 * KEYS: system hash, worker hash, workers set. ARGV: workerId, worker TTL s, then name/value pairs.
 */
export const FLUSH_STATS = script(
  'flush-stats',
  `for i = 3, #ARGV, 2 do
  local by = tonumber(ARGV[i + 1])
  if by ~= 0 then
    redis.call('HINCRBY', KEYS[1], ARGV[i], by)
    redis.call('HINCRBY', KEYS[2], ARGV[i], by)
  end
end
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 1000)
redis.call('SADD', KEYS[3], ARGV[1])
return 1`,
);

/**
 * Runs a script by SHA, loading it with EVAL on NOSCRIPT. `bound` wraps each round trip (the cache's watchdog:
 * each command to Redis has its own bound).
 */
export async function runScript(
  client: RedisClient,
  lua: LuaScript,
  keys: readonly string[],
  args: readonly (string | number | Buffer)[],
  bound: <T>(send: () => Promise<T>) => Promise<T> = (send) => send(),
): Promise<unknown> {
  try {
    return await bound(() => client.evalsha(lua.sha, keys.length, ...keys, ...args));
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
      return await bound(() => client.eval(lua.source, keys.length, ...keys, ...args));
    }
    throw error;
  }
}

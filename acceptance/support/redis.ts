/** An admin connection to the target's Redis for INFO / CONFIG / keyspace checks (password never printed). */
import { Redis } from 'ioredis';
import { parseRedisInfo } from '../../src/redis/info.ts';
import { target } from './target.ts';

export function adminRedis(): Redis {
  const t = target();
  return new Redis(t.redisUrl, {
    password: t.redisPassword,
    maxRetriesPerRequest: 2,
    connectTimeout: 2_000,
    lazyConnect: false,
  });
}

export async function info(redis: Redis, section?: string): Promise<Record<string, string>> {
  return parseRedisInfo(section ? await redis.info(section) : await redis.info());
}

/** keyspace_hits / keyspace_misses of the whole server. */
export async function keyspaceCounters(redis: Redis): Promise<{ hits: number; misses: number }> {
  const stats = await info(redis, 'stats');
  return { hits: Number(stats.keyspace_hits ?? 0), misses: Number(stats.keyspace_misses ?? 0) };
}

/**
 * Attempts of one command from INFO commandstats: calls, plus calls Redis rejected (e.g. NOPERM under an ACL that
 * forbids the command) and calls that failed — an app that tries KEYS is caught even where the ACL stops it.
 */
export async function commandCalls(redis: Redis, command: string): Promise<number> {
  const stats = await info(redis, 'commandstats');
  const raw = stats[`cmdstat_${command.toLowerCase()}`] ?? '';
  let n = 0;
  for (const field of ['calls', 'rejected_calls', 'failed_calls']) {
    const m = raw.match(new RegExp(`(?:^|,)${field}=(\\d+)`));
    if (m) n += Number(m[1]);
  }
  return n;
}

/** Keys matching a glob (SCAN, never KEYS), at most `limit`. */
export async function scanKeys(redis: Redis, match: string, limit = 100): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0' && found.length < limit);
  return found.slice(0, limit);
}

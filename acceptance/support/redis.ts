/**
 * An admin connection to the target's Redis for INFO / CONFIG / keyspace checks (password never printed), on any
 * topology: one server (`redisUrl`), the primary Sentinel names now, or a Cluster client (keys are routed to their
 * primary; per-server figures — keyspace counters, command calls, SCAN — are taken on every primary and summed).
 */
import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../../src/redis/connect.ts';
import { parseRedisInfo } from '../../src/redis/info.ts';
import type { TargetInfo } from '../target/index.ts';
import { target } from './target.ts';

export type { RedisClient } from '../../src/redis/connect.ts';

export function adminRedis(): RedisClient {
  return adminRedisOf(target());
}

/** The admin client of a target description (adminRedis() for the target the suites were given). */
export function adminRedisOf(t: Pick<TargetInfo, 'redisUrl' | 'redisPassword' | 'redisTopology'>): RedisClient {
  const common = { password: t.redisPassword, maxRetriesPerRequest: 2, connectTimeout: 2_000 };
  const topology = t.redisTopology;
  if (topology?.kind === 'sentinel') {
    return new Redis({
      ...common,
      sentinels: topology.sentinels,
      name: topology.name,
      role: 'master',
      ...(topology.sentinelPassword === undefined ? {} : { sentinelPassword: topology.sentinelPassword }),
    });
  }
  if (topology?.kind === 'cluster') {
    return new Cluster(topology.nodes, { redisOptions: common, slotsRefreshInterval: 2_000 });
  }
  return new Redis(t.redisUrl, { ...common, lazyConnect: false });
}

/** The servers a per-server command runs on: every primary of a Cluster (once it knows them), else the client. */
export async function serverNodes(redis: RedisClient): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the Cluster client was not ready within 10 s')), 10_000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return redis.nodes('master');
}

/** INFO of the server (on a Cluster: of its first primary — use the summing helpers for counters). */
export async function info(redis: RedisClient, section?: string): Promise<Record<string, string>> {
  const [node] = await serverNodes(redis);
  const server = node as Redis;
  return parseRedisInfo(section ? await server.info(section) : await server.info());
}

/** keyspace_hits / keyspace_misses of the whole system (every primary of a Cluster summed). */
export async function keyspaceCounters(redis: RedisClient): Promise<{ hits: number; misses: number }> {
  let hits = 0;
  let misses = 0;
  for (const node of await serverNodes(redis)) {
    const stats = parseRedisInfo(await node.info('stats'));
    hits += Number(stats.keyspace_hits ?? 0);
    misses += Number(stats.keyspace_misses ?? 0);
  }
  return { hits, misses };
}

/**
 * Attempts of one command from INFO commandstats: calls, plus calls Redis rejected (e.g. NOPERM under an ACL that
 * forbids the command) and calls that failed — an app that tries KEYS is caught even where the ACL stops it.
 * Summed over every primary of a Cluster.
 */
export async function commandCalls(redis: RedisClient, command: string): Promise<number> {
  let n = 0;
  for (const node of await serverNodes(redis)) {
    const stats = parseRedisInfo(await node.info('commandstats'));
    const raw = stats[`cmdstat_${command.toLowerCase()}`] ?? '';
    for (const field of ['calls', 'rejected_calls', 'failed_calls']) {
      const m = raw.match(new RegExp(`(?:^|,)${field}=(\\d+)`));
      if (m) n += Number(m[1]);
    }
  }
  return n;
}

/** Keys matching a glob (SCAN on every primary, never KEYS), at most `limit`. */
export async function scanKeys(redis: RedisClient, match: string, limit = 100): Promise<string[]> {
  const found: string[] = [];
  for (const node of await serverNodes(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0' && found.length < limit);
    if (found.length >= limit) break;
  }
  return found.slice(0, limit);
}

/** Deletes `keys` (one command per key on a Cluster: keys of different slots cannot share one); returns the count. */
export async function deleteKeys(redis: RedisClient, keys: readonly string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    if (batch.length === 0) continue;
    if (redis instanceof Cluster) {
      for (const deleted of await Promise.all(batch.map((k) => redis.del(k)))) n += deleted;
    } else n += await redis.del(...batch);
  }
  return n;
}

/**
 * The plan's data volume in Redis, measured: 100 users' settings, 1,000 character profiles (10 per user, 20 memories
 * each, as `npm run seed` makes them), 5,000 character ids (the 1,000 real ones plus 4,000 looked-up names that do not
 * exist, cached as null) and 100 character lists, all filled through the service's own reads (CachedReads) into a
 * private redis-server on the repository's redis.conf. Figure: used_memory of the data against the plan's ≈ 52 MB
 * estimate (docs/operations.md "Memory budget"); it must fit the 200 MB maxmemory with no eviction.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../../src/cache/index.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { CachedReads } from '../../../src/service/cached-reads.ts';
import { createDatabase, type Database } from '../../../src/service/db.ts';
import { type SeedResult, seed } from '../../../src/service/store/seed.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';

const MB = 1024 * 1024;
let stack: StartedLocalStack;
let db: Database;
let cache: Cache;
let admin: Redis;
let seeded: SeedResult;

const memoryInfo = async (): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const line of (await admin.info('memory')).split('\r\n')) {
    const [k, v] = line.split(':');
    if (k && v && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
};

describe("the plan's data volume in Redis", { timeout: 600_000 }, () => {
  beforeAll(async () => {
    stack = await startLocalStack();
    seeded = await seed(stack.databaseUrl, { users: 100, characters: 10, memories: 20 });
    db = createDatabase({ connectionString: stack.databaseUrl, max: 8 });
    // a busy shared machine: the 100 ms production command timeout would degrade the cache mid-fill
    cache = createCache({ redis: stack.redisUrl, commandTimeoutMs: 5_000 });
    admin = new Redis(stack.redisUrl);
  }, 600_000);
  afterAll(async () => {
    admin?.disconnect();
    await cache?.close();
    await db?.close();
    await stack?.stop();
  });

  it('100 settings, 1,000 profiles, 5,000 ids, 100 lists: used_memory against the 52 MB estimate', async () => {
    await admin.flushall();
    const before = await memoryInfo();
    const reads = new CachedReads({
      cache,
      db,
      enabled: true,
      redisUp: () => true,
      ttlProfileSeconds: 3600,
      ttlListSeconds: 3600,
    });
    const users = seeded.users.filter((u) => u.characters.length > 0).slice(0, 100);
    expect(users.length).toBe(100);
    let profiles = 0;
    for (const user of users) {
      await reads.settings(user.id);
      await reads.list(user.id);
      for (const name of user.characters) {
        if (await reads.profile(user.id, name)) profiles += 1; // fills char_id and char_profile
      }
      for (let i = 0; i < 40; i++) await reads.characterId(user.id, `no-such-character-${i}`);
    }
    expect(profiles).toBe(1_000);
    const after = await memoryInfo();
    const countOf = async (pattern: string): Promise<number> => {
      let cursor = '0';
      let n = 0;
      do {
        const [next, batch] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        n += batch.length;
      } while (cursor !== '0');
      return n;
    };
    const counts = {
      settings: await countOf('*user_settings:*'),
      ids: await countOf('*char_id:*'),
      profiles: await countOf('*char_profile:*'),
      lists: await countOf('*char_list:*'),
    };
    const dataMb = (after.used_memory! - before.used_memory!) / MB;
    const profileBytes = await admin.memory(
      'USAGE',
      (await admin.scan('0', 'MATCH', '*char_profile:*', 'COUNT', 1000))[1][0]!,
    );
    console.log(
      `data volume: ${JSON.stringify(counts)} → used_memory ${(after.used_memory! / MB).toFixed(1)} MB ` +
        `(data ${dataMb.toFixed(1)} MB over an empty server's ${(before.used_memory! / MB).toFixed(1)} MB), ` +
        `rss ${(after.used_memory_rss! / MB).toFixed(1)} MB; one profile entry ≈ ${((profileBytes ?? 0) / 1024).toFixed(1)} KB; plan estimate ≈ 52 MB`,
    );
    expect(counts).toEqual({ settings: 100, ids: 5_000, profiles: 1_000, lists: 100 });
    expect(after.used_memory!).toBeLessThan(after.maxmemory!); // the plan's content fits the 200 MB limit
    expect(Number((await admin.info('stats')).match(/evicted_keys:(\d+)/)?.[1])).toBe(0);
  });
});

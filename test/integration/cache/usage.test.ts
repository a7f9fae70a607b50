/**
 * The cache's usage as docs/cache.md shows it, run against a private redis-server: the page's samples are the regions
 * of this file (`npm run docs:snippets` copies them there; test/unit/docs-snippets.test.ts fails while they differ).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cached, createCache, keys } from '../../../src/index.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { testCache } from './helpers.ts';

interface Profile {
  uid: number;
  role: string;
  version: number;
}

/** A database stand-in that counts its loads: each load returns the next version of the row. */
function countingDb() {
  let loads = 0;
  return {
    get loads() {
      return loads;
    },
    loadProfile: async (uid: number, role: string): Promise<Profile> => {
      loads += 1;
      return { uid, role, version: loads };
    },
  };
}

let server: StartedRedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('the usage shown in docs/cache.md', () => {
  it('getOrLoad reads through the cache, invalidate deletes at once', async () => {
    const redisUrl = server.url;
    const db = countingDb();
    const uid = 42;
    const role = '李白:*';
    // #region get-or-load
    const cache = createCache({ redis: redisUrl });

    // read through the cache (a lease protects against stale sets and stampedes)
    const profile = await cache.getOrLoad(keys.characterProfile(uid, role), () => db.loadProfile(uid, role), {
      ttlSeconds: 300,
    });

    // after a write to the database: delete at once (rejects if Redis cannot confirm it)
    await cache.invalidate(keys.characterProfile(uid, role), keys.characterList(uid));
    // #endregion get-or-load
    try {
      expect(profile).toEqual({ uid, role, version: 1 });
      expect(db.loads).toBe(1);
      expect(await cache.exists(keys.characterProfile(uid, role))).toBe(false);
      // the next read loads again and fills; the one after is a hit
      const read = () => cache.getOrLoad(keys.characterProfile(uid, role), () => db.loadProfile(uid, role));
      expect(await read()).toEqual({ uid, role, version: 2 });
      expect(await read()).toEqual({ uid, role, version: 2 });
      expect(db.loads).toBe(2);
      // with an invalidation the next read has the new version (without one it read version 2 again, as above)
      await cache.invalidate(keys.characterProfile(uid, role));
      expect(await read()).toEqual({ uid, role, version: 3 });
    } finally {
      await cache.close();
    }
  });

  it('cached() wraps a loader: the first call loads and fills, the next reads Redis', async () => {
    const cache = testCache(server.url);
    const db = countingDb();
    try {
      // #region cached
      const profileOf = cached(cache, (uid: number, role: string) => keys.characterProfile(uid, role), db.loadProfile, {
        ttlSeconds: 300,
      });
      const first = await profileOf(7, '杜甫'); // a miss: loaded from the database, stored for 300 s
      const again = await profileOf(7, '杜甫'); // a hit: no load
      // #endregion cached
      expect(first).toEqual({ uid: 7, role: '杜甫', version: 1 });
      expect(again).toEqual(first);
      expect(db.loads).toBe(1);
      // another argument is another key: it loads
      expect(await profileOf(8, '杜甫')).toEqual({ uid: 8, role: '杜甫', version: 2 });
    } finally {
      await cache.close();
    }
  });
});

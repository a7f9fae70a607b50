// Defect 7 of the Python cache: a reader that loaded the old row before an update writes it back after the
// update's delete. The interleaving is forced with gates, so the outcome is deterministic.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../src/cache/keys.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { gate, rawClient, storedValue, testCache } from './helpers.ts';
import { NaiveCacheAside } from './naive-cache-aside.ts';

interface CacheUnderTest {
  getOrLoad<T>(key: string, loader: () => Promise<T>): Promise<T>;
  invalidate(...keys: string[]): Promise<void>;
}

/**
 * R misses and reads the OLD row; W updates the row and invalidates; only then does R's loader return.
 * Returns what the reader answered and what the next reader gets.
 */
async function staleSetRace(cache: CacheUnderTest, key: string): Promise<{ readerGot: string; nextRead: string }> {
  const db = { settings: 'old' };
  const readerLoaded = gate();
  const writerDone = gate();
  const reader = cache.getOrLoad(key, async () => {
    const row = db.settings; // R reads the old row ...
    readerLoaded.open();
    await writerDone.promise; // ... and is slow to return it
    return row;
  });
  await readerLoaded.promise;
  db.settings = 'new'; // W: UPDATE user_settings ...
  await cache.invalidate(key); // W: delete on write
  writerDone.open();
  const readerGot = await reader;
  const nextRead = await cache.getOrLoad(key, async () => db.settings);
  return { readerGot, nextRead };
}

let server: StartedRedisServer;
let raw: Redis;
let cache: Cache;

beforeAll(async () => {
  server = await startRedisServer();
  raw = rawClient(server.url);
  cache = testCache(server.url);
});
afterAll(async () => {
  await cache?.close();
  raw?.disconnect();
  await server?.stop();
});

describe('stale-set race (slow loader, invalidation in between)', () => {
  it('a naive cache-aside stores the old value after the invalidation and serves it forever', async () => {
    const naive = new NaiveCacheAside(raw, 'naive');
    const key = keys.userSettings(7);
    const outcome = await staleSetRace(naive, key);
    expect(outcome.readerGot).toBe('old');
    expect(outcome.nextRead).toBe('old'); // stale after the update: the bug
    expect(await raw.get(`naive:${key}`)).toBe('"old"');
    expect(await raw.pttl(`naive:${key}`)).toBe(-1); // no TTL: it would stay forever
  });

  it('getOrLoad refuses the stale set: the next read loads the new value', async () => {
    const key = keys.userSettings(7);
    const outcome = await staleSetRace(cache, key);
    expect(outcome.readerGot).toBe('old'); // the reader still answers its own request
    expect(outcome.nextRead).toBe('new');
    expect(storedValue(await raw.get(`fastnpc:${key}`))).toBe('new');
  });

  it('a plain set() during a load also voids the lease (a newer value is never overwritten)', async () => {
    const key = keys.characterProfile(7, '李白');
    const loading = gate();
    const release = gate();
    const reader = cache.getOrLoad(key, async () => {
      loading.open();
      await release.promise;
      return 'loaded-before-set';
    });
    await loading.promise;
    expect(await cache.set(key, 'written-by-set')).toBe(true);
    release.open();
    expect(await reader).toBe('loaded-before-set');
    expect(await cache.get(key)).toBe('written-by-set');
  });

  it('delete() voids the lease like invalidate()', async () => {
    const key = keys.characterList(7);
    const loading = gate();
    const release = gate();
    const reader = cache.getOrLoad(key, async () => {
      loading.open();
      await release.promise;
      return ['old'];
    });
    await loading.promise;
    expect(await raw.exists(`fastnpc:__cache__:lease:{fastnpc:${key}}`)).toBe(1);
    expect(await cache.delete(key)).toBe(true);
    expect(await raw.exists(`fastnpc:__cache__:lease:{fastnpc:${key}}`)).toBe(0);
    release.open();
    await reader;
    expect(await cache.exists(key)).toBe(false);
  });

  it('a loader that outlives its lease does not store', async () => {
    const shortLease = testCache(server.url, { namespace: 'shortlease', leaseTtlMs: 150, leaseWaitMs: 100 });
    try {
      const value = await shortLease.getOrLoad('k', async () => {
        await new Promise((r) => setTimeout(r, 300));
        return 'late';
      });
      expect(value).toBe('late');
      expect(await raw.exists('shortlease:k')).toBe(0);
    } finally {
      await shortLease.close();
    }
  });

  it('a failing loader rejects getOrLoad and frees the lease at once', async () => {
    const key = keys.characterProfile(8, 'x');
    await expect(
      cache.getOrLoad(key, async () => {
        throw new Error('database down');
      }),
    ).rejects.toThrow('database down');
    expect(await raw.exists(`fastnpc:__cache__:lease:{fastnpc:${key}}`)).toBe(0);
    expect(await cache.getOrLoad(key, async () => 'second')).toBe('second');
  });

  it('a waiter whose wait runs out loads itself and does not store', async () => {
    const impatient = testCache(server.url, { leaseWaitMs: 100, leasePollMs: 10 });
    try {
      const key = keys.characterProfile(9, 'slow');
      const release = gate();
      const loading = gate();
      const holder = cache.getOrLoad(key, async () => {
        loading.open();
        await release.promise;
        return 'holder';
      });
      await loading.promise;
      expect(await impatient.getOrLoad(key, async () => 'waiter')).toBe('waiter');
      expect(await raw.exists(`fastnpc:${key}`)).toBe(0);
      release.open();
      expect(await holder).toBe('holder');
      expect(await cache.get(key)).toBe('holder');
    } finally {
      await impatient.close();
    }
  });
});

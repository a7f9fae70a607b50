import { describe, expect, test, vi } from 'vitest';
import { CachedReads } from '../../../src/service/cached-reads.ts';
import type { Database } from '../../../src/service/db.ts';
import { LEAK_POOL_SIZE, ListMissLeak, WorkerTasks } from '../../../src/service/defect-wrappers.ts';
import {
  commandTimeoutFor,
  DEFECTS,
  keySchemeFor,
  parseDefects,
  SLOW_CACHED_READ_MS,
  withCacheDefects,
} from '../../../src/service/defects.ts';
import { FakeCache } from './fake-cache.ts';

describe('emulated FastNPC defects', () => {
  test('parsed from a comma list; unknown names and production refused with the variable named', () => {
    expect([...parseDefects(' admin-403 , no-leases ')]).toEqual(['admin-403', 'no-leases']);
    expect(parseDefects(undefined).size).toBe(0);
    expect(() => parseDefects('admin-404')).toThrow(/FASTNPC_EMULATE_DEFECTS: unknown defect admin-404/);
    expect(() => parseDefects('no-leases', true)).toThrow(/refused in production/);
    expect(DEFECTS).toHaveLength(14);
  });

  test('names-in-keys concatenates raw names; otherwise names are encoded', () => {
    expect(keySchemeFor(parseDefects('names-in-keys')).characterProfile(5, '*')).toBe('char_profile:5:*');
    expect(keySchemeFor(parseDefects('')).characterProfile(5, '*')).toBe('char_profile:5:%2A');
  });

  test('slow-cached-read: a settings read served from the cache waits 10 ms more; a miss and other entries do not', async () => {
    vi.useFakeTimers();
    try {
      const fake = new FakeCache();
      const cache = withCacheDefects(fake, parseDefects('slow-cached-read'), undefined);
      const settingsKey = keySchemeFor(parseDefects('')).userSettings(7);
      /** ms of fake time until the read answers (every microtask flushed at each step). */
      const answersAfter = async (read: Promise<unknown>): Promise<number> => {
        let done = false;
        void read.then(() => {
          done = true;
        });
        for (let ms = 0; ms <= 50; ms++) {
          await vi.advanceTimersByTimeAsync(ms === 0 ? 0 : 1);
          if (done) return ms;
        }
        return Number.POSITIVE_INFINITY;
      };
      expect(await answersAfter(cache.getOrLoad(settingsKey, async () => 'loaded'))).toBe(0); // a miss
      expect(await answersAfter(cache.getOrLoad(settingsKey, async () => 'never'))).toBe(SLOW_CACHED_READ_MS); // a hit
      await cache.getOrLoad('char_list:7', async () => []);
      expect(await answersAfter(cache.getOrLoad('char_list:7', async () => ['x']))).toBe(0); // another entry's hit
      // control: without the defect the settings hit answers at once
      const healthy = withCacheDefects(fake, parseDefects(''), undefined);
      expect(await answersAfter(healthy.getOrLoad(settingsKey, async () => 'x'))).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  test('socket-timeout-5s sets a 5 s command timeout', () => {
    expect(commandTimeoutFor(parseDefects('socket-timeout-5s'), undefined)).toBe(5_000);
    expect(commandTimeoutFor(parseDefects(''), 80)).toBe(80);
  });

  test('no-leases: a load that began before an invalidation stores its old value (the race FastNPC has)', async () => {
    const fake = new FakeCache();
    fake.get = async <T>(key: string) => fake.store.get(key) as T | undefined;
    fake.set = async (key: string, value: unknown) => {
      fake.store.set(key, value);
      return true;
    };
    fake.delete = async (key: string) => fake.store.delete(key);
    const cache = withCacheDefects(fake, parseDefects('no-leases'), undefined);
    let row = 'old';
    let release: () => void = () => {};
    const slow = cache.getOrLoad('k', async () => {
      const v = row;
      await new Promise<void>((r) => {
        release = r;
      });
      return v;
    });
    await new Promise((r) => setTimeout(r, 5));
    row = 'new';
    await cache.invalidate('k');
    release();
    await slow;
    expect(await cache.get('k')).toBe('old');
    // fills are not lease-guarded: no sync-invalidation marker, the commit-log invalidator keeps deleting
    expect(cache.markInvalidated).toBeUndefined();
    expect(withCacheDefects(fake, parseDefects('keys-pattern-delete'), undefined).markInvalidated).toBeDefined();
    // without the defect the wrapper is the cache itself
    expect(withCacheDefects(fake, parseDefects(''), undefined)).toBe(fake);
  });

  test(`list-miss-leak: after ${LEAK_POOL_SIZE} list misses the worker is drained`, async () => {
    const leak = new ListMissLeak(parseDefects('list-miss-leak'));
    const db = { query: async () => ({ rows: [] }) } as unknown as Database;
    const reads = new CachedReads({
      cache: new FakeCache(),
      db,
      enabled: true,
      redisUp: () => true,
      ttlProfileSeconds: 300,
      ttlListSeconds: 60,
      onOutcome: (entry, outcome) => leak.onOutcome(entry, outcome),
    });
    for (let uid = 1; uid <= LEAK_POOL_SIZE - 1; uid++) await reads.list(uid);
    await reads.list(1); // a hit leaks nothing
    await reads.settings(1);
    expect(leak.drained).toBe(false);
    await reads.list(LEAK_POOL_SIZE);
    expect(leak.drained).toBe(true);
    expect(new ListMissLeak(parseDefects('')).drained).toBe(false);
  });

  test('per-worker-tasks hides tasks another worker created', () => {
    const tasks = new WorkerTasks(parseDefects('per-worker-tasks'));
    tasks.created('a');
    expect(tasks.visible('a')).toBe(true);
    expect(tasks.visible('b')).toBe(false);
    expect(new WorkerTasks(parseDefects('')).visible('b')).toBe(true);
  });
});

/**
 * Reference module (not the target): leases close the stale-set race. (a) The exact interleaving, deterministic: a
 * slow load starts, the row is updated and the entry invalidated, then the load finishes — its old value must not be
 * stored. (b) Slow loads interleaved with 500 updates through two module instances; the same checker on a naive
 * cache-aside (GET/SET/DEL) must catch stale reads, which shows the check can fail. Embedded targets only.
 */
import { describe, expect, test } from 'vitest';
import type { Cache } from '../../src/cache/types.ts';
import { connectedModuleCache } from '../support/module-cache.ts';
import { raceRun } from '../support/race.ts';
import { type Recorder, recorder } from '../support/record.ts';
import { adminRedis, type RedisClient } from '../support/redis.ts';
import { sleep } from '../support/stats.ts';
import { target } from '../support/target.ts';

const embedded = target().kind !== 'external';
const rec: Recorder | undefined = embedded ? recorder('M8') : undefined;

describe('M8 reference module: leases close the stale-set race', () => {
  test('a load that began before an invalidation does not store its old value', async (ctx) => {
    if (!rec) return ctx.skip();
    const cache = await connectedModuleCache({ workerId: 'acceptance-m8' });
    try {
      const key = `acceptance:m8:${process.pid}:${Date.now()}`;
      let row = 'old';
      let releaseLoad: () => void = () => {};
      const loadStarted = new Promise<void>((resolveStarted) => {
        void cache.getOrLoad(key, async () => {
          const value = row; // reads the OLD row
          resolveStarted();
          await new Promise<void>((r) => {
            releaseLoad = r;
          });
          return value;
        });
      });
      await loadStarted;
      row = 'new';
      await cache.invalidate(key); // the update's delete, while the slow load is in flight
      releaseLoad();
      await sleep(100); // the slow load has finished and tried to store
      const cached = await cache.get<string>(key);
      const served = await cache.getOrLoad(key, async () => row);
      await cache.delete(key);
      rec.figure(
        'entry after the interleaving',
        cached === undefined ? '(none)' : JSON.stringify(cached),
        '',
        'not "old"',
        cached !== 'old',
      );
      const ok = rec.figure('value served after the update', served, '', '= new', served === 'new');
      expect(cached).not.toBe('old');
      expect(ok).toBe(true);
    } finally {
      await cache.close();
    }
  });

  test('slow loads interleaved with 500 updates (two instances); naive control must fail', async (ctx) => {
    if (!rec) return ctx.skip();
    const key = `acceptance:race:${process.pid}:${Date.now()}`;
    const caches: Cache[] = [
      await connectedModuleCache({ workerId: 'acceptance-w1' }),
      await connectedModuleCache({ workerId: 'acceptance-w2' }),
    ];
    const naiveKey = `fastnpc:acceptance:naive:${process.pid}:${Date.now()}`;
    const redis: RedisClient = adminRedis();
    try {
      const withLeases = await raceRun({
        read: (w, loader) => (caches[w] as Cache).getOrLoad(key, loader),
        invalidate: (w) => (caches[w] as Cache).invalidate(key),
      });
      const naive = await raceRun({
        read: async (_w, loader) => {
          const hit = await redis.get(naiveKey);
          if (hit !== null) return JSON.parse(hit) as { v: number };
          const value = await loader();
          await redis.set(naiveKey, JSON.stringify(value));
          return value;
        },
        invalidate: async () => {
          await redis.del(naiveKey);
        },
      });
      const ok = rec.figure(
        'stale reads under the stale-set race (module, leases)',
        withLeases.stale,
        '',
        '= 0',
        withLeases.stale === 0,
      );
      rec.figure('race rounds', withLeases.rounds, '', '>= 500', withLeases.rounds >= 500);
      rec.figure('loads during the race (module)', withLeases.loads, '', '', null);
      const control = rec.figure(
        'stale reads of a naive cache-aside under the same race (control)',
        naive.stale,
        '',
        '> 0 (the check can fail)',
        naive.stale > 0,
      );
      expect(ok && control && !withLeases.finalStale).toBe(true);
    } finally {
      await Promise.all(caches.map((c) => c.delete(key).then(() => c.close())));
      await redis.del(naiveKey);
      redis.disconnect();
    }
  });
});

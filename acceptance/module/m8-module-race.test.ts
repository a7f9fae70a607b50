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
import { target } from '../support/target.ts';

const embedded = target().kind !== 'external';
const rec: Recorder | undefined = embedded ? recorder('M8') : undefined;

describe('M8 reference module: leases close the stale-set race', () => {
  test('a load that began before an invalidation does not store its old value; a naive cache-aside does', async (ctx) => {
    if (!rec) return ctx.skip();
    const cache = await connectedModuleCache({ workerId: 'acceptance-m8' });
    const redis: RedisClient = adminRedis();
    const naiveKey = `fastnpc:acceptance:naive-interleave:${process.pid}:${Date.now()}`;
    try {
      const key = `acceptance:m8:${process.pid}:${Date.now()}`;
      const module = await interleave({
        getOrLoad: (loader) => cache.getOrLoad(key, loader),
        invalidate: () => cache.invalidate(key),
        get: () => cache.get<string>(key),
      });
      const served = await cache.getOrLoad(key, async () => 'new');
      await cache.delete(key);
      // control: GET / SET / DEL cache-aside under the same interleaving stores the old row
      const naive = await interleave({
        getOrLoad: async (loader) => {
          const hit = await redis.get(naiveKey);
          if (hit !== null) return JSON.parse(hit) as string;
          const value = await loader();
          await redis.set(naiveKey, JSON.stringify(value));
          return value;
        },
        invalidate: async () => {
          await redis.del(naiveKey);
        },
        get: async () => {
          const hit = await redis.get(naiveKey);
          return hit === null ? undefined : (JSON.parse(hit) as string);
        },
      });
      const show = (v: string | undefined) => (v === undefined ? 'no entry' : JSON.stringify(v));
      const kept = rec.figure(
        'entry after the interleaving',
        show(module.entry),
        '',
        'not "old"',
        module.entry !== 'old',
      );
      const ok = rec.figure('value served after the update', served, '', '= new', served === 'new');
      const control = rec.figure(
        'entry a naive cache-aside keeps after the same interleaving (control)',
        show(naive.entry),
        '',
        '= "old" (the check can fail)',
        naive.entry === 'old',
      );
      expect(module.loaded, 'the slow load itself answers its caller with what it read').toBe('old');
      expect(module.entry).not.toBe('old');
      expect(kept && ok && control).toBe(true);
    } finally {
      await redis.del(naiveKey);
      redis.disconnect();
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

/**
 * The exact stale-set interleaving, deterministic: a load reads the old row and waits; the row is updated and the
 * entry invalidated; the load finishes (its promise awaited: it has tried to store) — then the entry is read.
 */
async function interleave(cache: {
  getOrLoad: (loader: () => Promise<string>) => Promise<string>;
  invalidate: () => Promise<void>;
  get: () => Promise<string | undefined>;
}): Promise<{ loaded: string; entry: string | undefined }> {
  let row = 'old';
  let releaseLoad: () => void = () => {};
  let loadStarted: () => void = () => {};
  const started = new Promise<void>((r) => {
    loadStarted = r;
  });
  const load = cache.getOrLoad(async () => {
    const value = row; // reads the OLD row
    loadStarted();
    await new Promise<void>((r) => {
      releaseLoad = r;
    });
    return value;
  });
  await started;
  row = 'new';
  await cache.invalidate(); // the update's delete, while the slow load is in flight
  releaseLoad();
  const loaded = await load;
  return { loaded, entry: await cache.get() };
}

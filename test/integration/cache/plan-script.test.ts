// The plan's own test script (step 11): connection; set/get/exists/delete; TTL expiry; pattern delete; statistics.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { rawClient, storedValue, testCache } from './helpers.ts';

let server: StartedRedisServer;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  raw = rawClient(server.url);
});
afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
});

describe('the plan test script', () => {
  let cache: Cache;
  beforeAll(() => {
    cache = testCache(server.url, { namespace: 'plan' });
  });
  afterAll(() => cache.close());

  it('connects', async () => {
    expect(await cache.ping()).toBe(true);
  });

  it('set / get / exists / delete', async () => {
    expect(await cache.set('t:basic', { name: '李白', n: 1 })).toBe(true);
    expect(await cache.get('t:basic')).toEqual({ name: '李白', n: 1 });
    expect(await cache.exists('t:basic')).toBe(true);
    expect(storedValue(await raw.get('plan:t:basic'))).toEqual({ name: '李白', n: 1 });
    expect(await cache.delete('t:basic')).toBe(true);
    expect(await cache.exists('t:basic')).toBe(false);
    expect(await cache.get('t:basic')).toBeUndefined();
  });

  it('a 2 s TTL expires', async () => {
    expect(await cache.set('t:ttl', 'short', 2)).toBe(true);
    const pttl = await raw.pttl('plan:t:ttl');
    expect(pttl).toBeGreaterThan(1_000);
    expect(pttl).toBeLessThanOrEqual(2_000);
    expect(await cache.get('t:ttl')).toBe('short');
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await cache.get('t:ttl')).toBeUndefined();
  });

  it('pattern delete walks the whole keyspace with SCAN (many batches) and removes only the matches', async () => {
    const pipeline = raw.pipeline();
    for (let i = 0; i < 5_000; i++) {
      pipeline.set(`plan:bulk:a:${i}`, '1');
      pipeline.set(`plan:bulk:b:${i}`, '1');
    }
    await pipeline.exec();
    expect(await cache.deletePattern('bulk:a:*')).toBe(5_000);
    expect(await raw.exists('plan:bulk:a:0', 'plan:bulk:a:4999')).toBe(0);
    expect(await cache.deletePattern('bulk:*')).toBe(5_000);
  });

  it('pattern delete removes only the matches', async () => {
    await cache.set('t:pattern:1', 1);
    await cache.set('t:pattern:2', 2);
    await cache.set('t:other:1', 3);
    expect(await cache.deletePattern('t:pattern:*')).toBe(2);
    expect(await cache.exists('t:pattern:1')).toBe(false);
    expect(await cache.exists('t:pattern:2')).toBe(false);
    expect(await cache.get('t:other:1')).toBe(3);
  });
});

describe('statistics after the plan sequence', () => {
  it('counts 2 hits, 1 miss, 1 set, 1 delete in process and system', async () => {
    const cache = testCache(server.url, { namespace: 'planstats', workerId: 'w1' });
    try {
      await cache.set('s:1', 'v');
      await cache.get('s:1');
      await cache.get('s:1');
      await cache.get('s:missing');
      await cache.delete('s:1');
      const stats = await cache.stats();
      const expected = { hits: 2, misses: 1, sets: 1, deletes: 1, errors: 0, totalRequests: 3 };
      expect(stats.process).toMatchObject(expected);
      expect(stats.process.hitRate).toBeCloseTo(2 / 3, 5);
      expect(stats.systemAvailable).toBe(true);
      expect(stats.system).toMatchObject(expected);
      expect(stats.workers.w1).toMatchObject(expected);
      // the system counters really live in Redis
      expect(await raw.hgetall('planstats:__cache__:{stats}:system')).toMatchObject({ hits: '2', misses: '1' });
    } finally {
      await cache.close();
    }
  });

  it('system counters add up what two workers did; a hit costs no extra command', async () => {
    const w1 = testCache(server.url, { namespace: 'twostats', workerId: 'w1', statsFlushIntervalMs: 60_000 });
    const w2 = testCache(server.url, { namespace: 'twostats', workerId: 'w2', statsFlushIntervalMs: 60_000 });
    try {
      await w1.set('k', 1);
      expect(await w2.ping()).toBe(true); // both connected: no handshake inside the measured window
      const before = Number((await raw.info('stats')).match(/total_commands_processed:(\d+)/)?.[1]);
      for (let i = 0; i < 10; i++) await w1.get('k');
      const after = Number((await raw.info('stats')).match(/total_commands_processed:(\d+)/)?.[1]);
      // 10 GETs plus the INFO call itself: counters are not written per hit
      expect(after - before).toBe(11);
      await w2.get('k');
      await w2.get('absent');
      await w2.stats(); // flushes w2
      const stats = await w1.stats();
      expect(stats.process).toMatchObject({ hits: 10, misses: 0 });
      expect(stats.system).toMatchObject({ hits: 11, misses: 1, sets: 1 });
      expect(stats.system.hitRate).toBeCloseTo(11 / 12, 5);
      expect(Object.keys(stats.workers).sort()).toEqual(['w1', 'w2']);
      expect(stats.workers.w2).toMatchObject({ hits: 1, misses: 1 });
    } finally {
      await w1.close();
      await w2.close();
    }
  });
});

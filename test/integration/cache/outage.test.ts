// Redis killed, then paused: the cache degrades fast, serves the loader, comes back, and no write issued
// during the outage lands afterwards (ioredis would replay it by default: field-notes, issue #2130).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheInvalidationError } from '../../../src/cache/errors.ts';
import { keys } from '../../../src/cache/keys.ts';
import { DEFAULT_CACHE_OPTIONS } from '../../../src/cache/options.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { eventually, rawClient, storedValue, testCache } from './helpers.ts';

/** Generous bound for "answers within the timeout": the default timeout is 100 ms; this is not a speed target. */
const FAIL_FAST_BOUND_MS = 1_000;

let server: StartedRedisServer;
let cache: Cache;

beforeAll(async () => {
  server = await startRedisServer();
  cache = testCache(server.url, {
    commandTimeoutMs: DEFAULT_CACHE_OPTIONS.commandTimeoutMs,
    breakerThreshold: 3,
    breakerProbeIntervalMs: 200,
  });
});
afterAll(async () => {
  await cache?.close();
  await server?.stop();
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

async function withRaw<T>(fn: (raw: Redis) => Promise<T>): Promise<T> {
  const raw = rawClient(server.url);
  try {
    return await fn(raw);
  } finally {
    raw.disconnect();
  }
}

describe('Redis killed', () => {
  it('degrades within the timeout, serves the loader, recovers, and no outage write appears', async () => {
    expect(await eventually(async () => cache.set('warm', 'before'))).toBe(true);
    expect(await eventually(async () => (await cache.get('warm')) === 'before')).toBe(true);

    await server.kill();

    const get = await timed(() => cache.get('warm'));
    expect(get.value).toBeUndefined();
    expect(get.ms).toBeLessThan(FAIL_FAST_BOUND_MS);

    let loads = 0;
    const load = await timed(() =>
      cache.getOrLoad('outage:load', async () => {
        loads += 1;
        return 'from-db';
      }),
    );
    expect(load.value).toBe('from-db');
    expect(loads).toBe(1);
    expect(load.ms).toBeLessThan(FAIL_FAST_BOUND_MS);

    expect(await cache.set('outage:set', 'written-while-down')).toBe(false);
    const invalidation = await cache.invalidate('warm').catch((error: unknown) => error);
    expect(invalidation).toBeInstanceOf(CacheInvalidationError);
    expect((invalidation as CacheInvalidationError).code).toBe('E_INVALIDATION_UNCONFIRMED');

    // with the breaker open, nothing is even tried: many reads stay fast
    const many = await timed(async () => {
      for (let i = 0; i < 50; i++) await cache.get('warm');
    });
    expect(many.ms).toBeLessThan(FAIL_FAST_BOUND_MS);

    await server.restart();

    expect(await eventually(async () => cache.set('after', 'restart'))).toBe(true);
    expect(await eventually(async () => (await cache.get('after')) === 'restart')).toBe(true);
    const stats = await cache.stats();
    expect(stats.process.errors).toBeGreaterThan(0);

    await withRaw(async (raw) => {
      expect(await raw.exists('fastnpc:outage:set')).toBe(0);
      expect(await raw.exists('fastnpc:outage:load')).toBe(0);
    });
  });
});

describe('Redis paused (CLIENT PAUSE)', () => {
  it('answers within the timeout while paused; writes that timed out never land after the pause', async () => {
    expect(await eventually(async () => cache.set('paused:warm', 'v1'))).toBe(true);
    expect(await eventually(async () => (await cache.get('paused:warm')) === 'v1')).toBe(true);

    const pauseMs = 1_500;
    await withRaw(async (raw) => {
      await raw.client('PAUSE', pauseMs, 'ALL');
    });
    const pausedAt = Date.now();

    const set = await timed(() => cache.set('paused:set', 'written-while-paused'));
    expect(set.value).toBe(false);
    expect(set.ms).toBeLessThan(FAIL_FAST_BOUND_MS);

    const get = await timed(() => cache.get('paused:warm'));
    expect(get.value).toBeUndefined();
    expect(get.ms).toBeLessThan(FAIL_FAST_BOUND_MS);

    const load = await timed(() => cache.getOrLoad('paused:load', async () => 'from-db'));
    expect(load.value).toBe('from-db');
    expect(load.ms).toBeLessThan(FAIL_FAST_BOUND_MS);

    const invalidation = await cache.invalidate('paused:warm').catch((error: unknown) => error);
    expect(invalidation).toBeInstanceOf(CacheInvalidationError);

    // wait out the pause, then give any queued command every chance to run
    await new Promise((r) => setTimeout(r, Math.max(0, pausedAt + pauseMs - Date.now()) + 300));
    expect(await eventually(async () => cache.set('paused:after', 'ok'))).toBe(true);
    expect(await eventually(async () => (await cache.get('paused:after')) === 'ok')).toBe(true);

    await withRaw(async (raw) => {
      expect(await raw.exists('fastnpc:paused:set')).toBe(0);
      expect(await raw.exists('fastnpc:paused:load')).toBe(0);
      // the invalidation Redis did not confirm was replayed before the cache used Redis again
      expect(await raw.exists('fastnpc:paused:warm')).toBe(0);
    });
    expect(await cache.get('paused:warm')).toBeUndefined();
  });
});

describe('an invalidation that failed while Redis was down (defect 8)', () => {
  it('is not lost: the entry restored from the RDB file is never served and gets deleted', async () => {
    const patient = testCache(server.url, {
      commandTimeoutMs: DEFAULT_CACHE_OPTIONS.commandTimeoutMs,
      breakerThreshold: 1_000, // keep the breaker closed: this is the path without a probe
      statsFlushIntervalMs: 60_000, // and without the periodic replay
    });
    try {
      expect(await eventually(async () => patient.set('settings:1', 'old'))).toBe(true);
      expect(await patient.set('settings:2', 'kept')).toBe(true);
      await withRaw(async (raw) => {
        await raw.save(); // persistence, as the plan configures it
      });
      await server.kill();
      await expect(patient.invalidate('settings:1')).rejects.toBeInstanceOf(CacheInvalidationError);
      await server.restart();
      await withRaw(async (raw) => {
        // the RDB file brought the entries back (the danger); settings:1 must still never be served
        expect(storedValue(await raw.get('fastnpc:settings:2'))).toBe('kept');
      });
      // once the connection is back, the first read re-sends the deletion before reading
      expect(await eventually(async () => patient.ping())).toBe(true);
      expect(await patient.get('settings:1')).toBeUndefined();
      await withRaw(async (raw) => {
        expect(await raw.exists('fastnpc:settings:1')).toBe(0);
      });
      expect(await patient.getOrLoad('settings:1', async () => 'new')).toBe('new');
    } finally {
      await patient.close();
    }
  });
});

describe('an unconfirmed invalidation reaches the other workers', () => {
  it('is re-sent on its own as soon as Redis is back, without this worker touching the key', async () => {
    const writer = testCache(server.url, {
      commandTimeoutMs: DEFAULT_CACHE_OPTIONS.commandTimeoutMs,
      breakerThreshold: 1_000, // no probe
      statsFlushIntervalMs: 60_000, // no periodic flush
    });
    const reader = testCache(server.url, { workerId: 'other-worker' });
    try {
      expect(await eventually(async () => writer.set(keys.userSettings(77), 'old'))).toBe(true);
      await withRaw(async (raw) => {
        await raw.save();
      });
      await server.kill();
      await expect(writer.invalidate(keys.userSettings(77))).rejects.toBeInstanceOf(CacheInvalidationError);
      await server.restart();
      const deleted = await withRaw((raw) =>
        eventually(async () => (await raw.exists(`fastnpc:${keys.userSettings(77)}`)) === 0, 5_000),
      );
      expect(deleted).toBe(true);
      expect(await eventually(async () => reader.ping())).toBe(true);
      expect(await reader.get(keys.userSettings(77))).toBeUndefined();
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});

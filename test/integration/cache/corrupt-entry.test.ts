import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../../src/cache/cache.ts';
import { keys } from '../../../src/cache/keys.ts';
import { METRIC_NAMES } from '../../../src/cache/metrics.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { rawClient, recordingLogger, storedValue } from './helpers.ts';

const SECRET_LOOKING_VALUE = '{"password":"hunter2-not-json';

let server: StartedRedisServer;
let raw: Redis;
let cache: Cache;
const logger = recordingLogger();
const registry = new Registry();

beforeAll(async () => {
  server = await startRedisServer();
  raw = rawClient(server.url);
  cache = createCache({ redis: server.url, logger, registry });
});
afterAll(async () => {
  await cache?.close();
  raw?.disconnect();
  await server?.stop();
});

describe('a corrupted entry', () => {
  it('is a miss, is deleted, is counted as an error, and is logged once without its value', async () => {
    const key = keys.userSettings(5);
    await raw.set(`fastnpc:${key}`, SECRET_LOOKING_VALUE);
    expect(await cache.get(key)).toBeUndefined();
    expect(await raw.exists(`fastnpc:${key}`)).toBe(0);
    await raw.set(`fastnpc:${key}`, SECRET_LOOKING_VALUE);
    expect(await cache.get(key)).toBeUndefined();

    const stats = await cache.stats();
    expect(stats.process).toMatchObject({ hits: 0, misses: 2, errors: 2 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.lines()).toContain(key);
    expect(logger.lines()).not.toContain('hunter2');
    expect(await registry.metrics()).toContain(`${METRIC_NAMES.corruptEntries}{namespace="fastnpc"} 2`);
  });

  it('getOrLoad replaces it with the loaded value', async () => {
    const key = keys.characterProfile(5, '李白');
    await raw.set(`fastnpc:${key}`, '\u0000garbage');
    expect(await cache.getOrLoad(key, async () => ({ ok: true }))).toEqual({ ok: true });
    expect(storedValue(await raw.get(`fastnpc:${key}`))).toEqual({ ok: true });
    expect(await cache.get(key)).toEqual({ ok: true });
  });
});

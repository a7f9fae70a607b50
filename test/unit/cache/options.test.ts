import { describe, expect, it } from 'vitest';
import { CacheOptionError } from '../../../src/cache/errors.ts';
import { cacheOptionsFromEnv, DEFAULT_CACHE_OPTIONS, resolveCacheOptions } from '../../../src/cache/options.ts';

describe('resolveCacheOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveCacheOptions({ redis: 'redis://127.0.0.1:6379' });
    expect(o.namespace).toBe('fastnpc');
    expect(o.commandTimeoutMs).toBe(100);
    expect(o.commandTimeoutMs).toBeLessThanOrEqual(100);
    expect(o.leaseTtlMs).toBe(DEFAULT_CACHE_OPTIONS.leaseTtlMs);
    expect(o.leaseWaitMs).toBe(DEFAULT_CACHE_OPTIONS.leaseWaitMs);
    expect(o.breakerThreshold).toBe(DEFAULT_CACHE_OPTIONS.breakerThreshold);
    expect(o.statsFlushIntervalMs).toBe(DEFAULT_CACHE_OPTIONS.statsFlushIntervalMs);
    expect(o.workerId).toMatch(/:\d+$/);
  });

  it('accepts rediss:// URLs and option objects', () => {
    expect(resolveCacheOptions({ redis: 'rediss://:pw@example.com:6380/2' }).redis).toContain('rediss://');
    expect(resolveCacheOptions({ redis: { host: '127.0.0.1', port: 1 } }).namespace).toBe('fastnpc');
  });

  it.each([
    [{ redis: 'http://localhost' }, 'redis'],
    [{ redis: 'redis://x', namespace: 'a:b' }, 'namespace'],
    [{ redis: 'redis://x', namespace: 'a*' }, 'namespace'],
    [{ redis: 'redis://x', namespace: '' }, 'namespace'],
    [{ redis: 'redis://x', commandTimeoutMs: 0 }, 'commandTimeoutMs'],
    [{ redis: 'redis://x', commandTimeoutMs: Number.NaN }, 'commandTimeoutMs'],
    [{ redis: 'redis://x', leaseWaitMs: 10_000, leaseTtlMs: 1_000 }, 'leaseWaitMs'],
    [{ redis: 'redis://x', breakerThreshold: -1 }, 'breakerThreshold'],
    [{ redis: 'redis://x', workerId: '' }, 'workerId'],
  ])('rejects %j naming the option', (input, option) => {
    let caught: unknown;
    try {
      resolveCacheOptions(input as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CacheOptionError);
    expect((caught as CacheOptionError).code).toBe('E_INVALID_OPTION');
    expect((caught as CacheOptionError).option).toBe(option);
    expect((caught as Error).message).toContain(option);
  });

  it('rejects a missing redis option', () => {
    expect(() => resolveCacheOptions({} as never)).toThrow(CacheOptionError);
  });
});

describe('cacheOptionsFromEnv', () => {
  it('takes a Sentinel or Cluster topology from REDIS_TOPOLOGY, and names a malformed variable', () => {
    expect(
      cacheOptionsFromEnv({ REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: '10.0.0.1:26379', REDIS_PASSWORD: 'pw' }),
    ).toMatchObject({
      redis: { kind: 'sentinel', sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'fastnpc' },
      password: 'pw',
    });
    expect(cacheOptionsFromEnv({ REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: 'a:7000' }).redis).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'a', port: 7000 }],
    });
    expect(() => cacheOptionsFromEnv({ REDIS_TOPOLOGY: 'cluster' })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it('builds the URL from REDIS_HOST/PORT/DB and keeps the password out of it', () => {
    const o = cacheOptionsFromEnv({
      REDIS_HOST: 'cache.local',
      REDIS_PORT: '6380',
      REDIS_DB: '2',
      REDIS_PASSWORD: 's3cret',
    });
    expect(o.redis).toBe('redis://cache.local:6380/2');
    expect(o.password).toBe('s3cret');
    expect(String(o.redis)).not.toContain('s3cret');
  });

  it('defaults to localhost:6379/0, prefers REDIS_URL, and applies overrides', () => {
    expect(cacheOptionsFromEnv({}).redis).toBe('redis://localhost:6379/0');
    expect(cacheOptionsFromEnv({ REDIS_URL: 'rediss://h:1', REDIS_HOST: 'x' }).redis).toBe('rediss://h:1');
    expect(cacheOptionsFromEnv({ CACHE_NAMESPACE: 'n' }, { workerId: 'w' })).toMatchObject({
      namespace: 'n',
      workerId: 'w',
    });
  });

  it('rejects a non-numeric port naming the variable', () => {
    expect(() => cacheOptionsFromEnv({ REDIS_PORT: 'abc' })).toThrow(/REDIS_PORT/);
  });
});

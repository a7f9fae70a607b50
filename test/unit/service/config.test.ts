import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, WRITE_PATHS } from '../../../src/service/config.ts';

const base = { DATABASE_URL: 'postgres://x@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: DEFAULTS.port,
      cacheMode: 'on',
      adminUser: 'admin',
      ttlProfileSeconds: 300,
      ttlListSeconds: 60,
      llmLatencyMs: 0,
      production: false,
    });
    expect(config.secret).toMatch(/^[0-9a-f]{64}$/); // random when not given (development only)
    expect(config.skipInvalidation.size).toBe(0);
  });

  it('reaches Redis through Sentinel or a Cluster by REDIS_TOPOLOGY, and names the variable that is wrong', () => {
    const db = { DATABASE_URL: base.DATABASE_URL };
    const sentinel = loadConfig({ ...db, REDIS_TOPOLOGY: 'sentinel', REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2' });
    expect(sentinel.redisTopology).toMatchObject({ kind: 'sentinel', name: 'fastnpc' });
    expect(sentinel.redisUrl).toBe('');
    const cluster = loadConfig({ ...db, REDIS_TOPOLOGY: 'cluster', REDIS_CLUSTER_NODES: 'n1:7000' });
    expect(cluster.redisTopology).toEqual({ kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }] });
    expect(loadConfig(base).redisTopology).toEqual({ kind: 'single', url: base.REDIS_URL });
    expect(() => loadConfig({ ...db, REDIS_TOPOLOGY: 'sentinel' })).toThrow(/^REDIS_SENTINELS: /);
    expect(() => loadConfig({ ...db, REDIS_TOPOLOGY: 'ring' })).toThrow(ConfigError);
  });

  it('refuses to start in production without FASTNPC_SECRET', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/FASTNPC_SECRET/);
    expect(loadConfig({ ...base, NODE_ENV: 'production', FASTNPC_SECRET: 's'.repeat(32) }).secret).toBe('s'.repeat(32));
  });

  it('CACHE_MODE=off needs no REDIS_URL; on without it is an error naming the variable', () => {
    expect(loadConfig({ DATABASE_URL: base.DATABASE_URL, CACHE_MODE: 'off' }).redisUrl).toBe('');
    expect(() => loadConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ...base, CACHE_MODE: 'maybe' })).toThrow(/CACHE_MODE/);
  });

  it('TTLs and latency are overridable; bad numbers name the variable', () => {
    const config = loadConfig({
      ...base,
      CACHE_TTL_PROFILE_SECONDS: '2',
      CACHE_TTL_LIST_SECONDS: '1',
      LLM_LATENCY_MS: '50',
    });
    expect(config).toMatchObject({ ttlProfileSeconds: 2, ttlListSeconds: 1, llmLatencyMs: 50 });
    expect(() => loadConfig({ ...base, CACHE_TTL_LIST_SECONDS: '0' })).toThrow(/CACHE_TTL_LIST_SECONDS/);
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('the skip-invalidation test seam parses names, rejects unknown ones and is refused in production', () => {
    expect([...loadConfig({ ...base, FASTNPC_TEST_SKIP_INVALIDATION: 'all' }).skipInvalidation]).toEqual([
      ...WRITE_PATHS,
    ]);
    expect([...loadConfig({ ...base, FASTNPC_TEST_SKIP_INVALIDATION: 'memories_save' }).skipInvalidation]).toEqual([
      'memories_save',
    ]);
    expect(() => loadConfig({ ...base, FASTNPC_TEST_SKIP_INVALIDATION: 'nope' })).toThrow(/unknown write path/);
    expect(() =>
      loadConfig({
        ...base,
        NODE_ENV: 'production',
        FASTNPC_SECRET: 's'.repeat(32),
        FASTNPC_TEST_SKIP_INVALIDATION: 'all',
      }),
    ).toThrow(/refused in production/);
  });

  it("the invalidator's control switches take on/off only and off is refused in production", () => {
    for (const name of ['FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS', 'FASTNPC_INVALIDATOR_REPLAY']) {
      expect(() => loadConfig({ ...base, [name]: 'off' })).not.toThrow();
      expect(() => loadConfig({ ...base, [name]: 'of' })).toThrow(`${name} must be on or off, got "of"`);
      const production = { ...base, NODE_ENV: 'production', FASTNPC_SECRET: 's'.repeat(32) };
      expect(() => loadConfig({ ...production, [name]: 'on' })).not.toThrow();
      expect(() => loadConfig({ ...production, [name]: 'off' })).toThrow(`${name}=off is a test control`);
    }
  });
});

describe('runPrimary', () => {
  it('refuses to start in production without FASTNPC_SECRET, before starting anything', async () => {
    const { runPrimary } = await import('../../../src/service/cluster.ts');
    await expect(
      runPrimary({
        workers: 1,
        port: 1,
        seedMode: 'never',
        env: { NODE_ENV: 'production', DATABASE_URL: 'postgres://x' },
      }),
    ).rejects.toThrow(/FASTNPC_SECRET/);
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../../src/cache/index.ts';
import { keys } from '../../../src/cache/keys.ts';
import type { Cache } from '../../../src/cache/types.ts';
import {
  type StartedRedisCluster,
  type StartedSentinelTopology,
  startRedisCluster,
  startSentinelTopology,
} from '../../../src/stack/index.ts';

const SILENT = { debug: () => {}, warn: () => {}, error: () => {} };

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the cache through Sentinel', () => {
  let topology: StartedSentinelTopology;
  let cache: Cache;
  beforeAll(async () => {
    topology = await startSentinelTopology();
    cache = createCache({
      redis: { kind: 'sentinel', sentinels: [...topology.sentinelAddresses], name: topology.masterName },
      registry: false,
      breakerProbeIntervalMs: 100,
      logger: SILENT,
    });
    await until('the cache ready through Sentinel', 20_000, () => cache.ping());
  }, 60_000);
  afterAll(async () => {
    await cache?.close();
    await topology?.stop();
  });

  it('fails fast while the primary is gone, replays no write after the promotion, and works again', async () => {
    expect(await cache.set(keys.userSettings(1), { theme: 'dark' })).toBe(true);
    expect(await cache.get(keys.userSettings(1))).toEqual({ theme: 'dark' });
    const primary = await topology.currentPrimary();
    await primary.kill();

    // while no primary answers: every call returns at once (bounded), none throws, nothing is queued
    const lost = keys.userSettings(2);
    const started = performance.now();
    expect(await cache.set(lost, 'written while the primary was down')).toBe(false);
    expect(await cache.get(keys.userSettings(1))).toBeUndefined();
    await expect(cache.invalidate(keys.userSettings(1))).rejects.toMatchObject({ code: 'E_INVALIDATION_UNCONFIRMED' });
    const blockedMs = performance.now() - started;

    await topology.waitForFailover(primary);
    const writableAfterMs = await until('a write through the cache after the failover', 30_000, () =>
      cache.set(keys.userSettings(3), 'after'),
    );
    expect(await cache.get(keys.userSettings(3))).toBe('after');
    // the set that failed during the outage never lands on the promoted replica
    const promoted = await topology.currentPrimary();
    const direct = new Redis(promoted.url);
    try {
      expect(await direct.exists(`fastnpc:${lost}`)).toBe(0);
    } finally {
      direct.disconnect();
    }
    console.log(
      `sentinel: calls during the outage took ${Math.round(blockedMs)} ms together; writes through the cache again ${writableAfterMs} ms after the promotion was visible`,
    );
  }, 90_000);
});

describe('the cache on a Redis Cluster (3 primaries × 1 replica)', () => {
  let cluster: StartedRedisCluster;
  let worker1: Cache;
  let worker2: Cache;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    const make = (workerId: string) =>
      createCache({
        redis: { kind: 'cluster', nodes: [...cluster.startupNodes] },
        registry: false,
        workerId,
        statsFlushIntervalMs: 60_000,
        breakerProbeIntervalMs: 100,
        commandTimeoutMs: 500,
        logger: SILENT,
      });
    worker1 = make('w1');
    worker2 = make('w2');
    await until('both workers ready', 20_000, async () => (await worker1.ping()) && (await worker2.ping()));
  }, 90_000);
  afterAll(async () => {
    await worker1?.close();
    await worker2?.close();
    await cluster?.stop();
  });

  const primaryKeyCounts = async (match: string): Promise<number[]> => {
    const counts: number[] = [];
    for (const node of cluster.nodes) {
      const client = new Redis(node.url);
      try {
        if (!(await client.info('replication')).includes('role:master')) continue;
        let cursor = '0';
        let n = 0;
        do {
          const [next, found] = await client.scan(cursor, 'MATCH', match, 'COUNT', 1_000);
          cursor = next;
          n += found.length;
        } while (cursor !== '0');
        counts.push(n);
      } finally {
        client.disconnect();
      }
    }
    return counts;
  };

  it('spreads entries over every primary; reads, leases and invalidations of many keys work across slots', async () => {
    const users = Array.from({ length: 60 }, (_, i) => i + 1);
    for (const uid of users) expect(await worker1.set(keys.characterList(uid), [uid])).toBe(true);
    const counts = await primaryKeyCounts('fastnpc:char_list:*');
    expect(counts).toHaveLength(3);
    expect(counts.every((n) => n > 0)).toBe(true); // on all three primaries
    // reads of one turn (batched) across slots
    const values = await Promise.all(users.map((uid) => worker2.get(keys.characterList(uid))));
    expect(values).toEqual(users.map((uid) => [uid]));
    // lease protocol: a load that began before an invalidation does not store
    const key = keys.characterProfile(7, 'Ann {the} bard');
    let release!: () => void;
    const loading = worker1.getOrLoad(key, () => new Promise<string>((r) => (release = () => r('old'))));
    await until('the loader started', 5_000, async () => release !== undefined);
    await worker2.invalidate(key, keys.characterList(1), keys.characterList(2));
    release();
    expect(await loading).toBe('old');
    expect(await worker2.get(key)).toBeUndefined();
    expect(await worker2.get(keys.characterList(1))).toBeUndefined();
    expect(await worker2.get(keys.characterList(3))).toEqual([3]);
  });

  it('clearAll and deletePattern reach every primary', async () => {
    for (let uid = 100; uid < 160; uid += 1) await worker1.set(keys.characterId(uid, 'x'), uid);
    expect(await worker2.deletePattern('char_id:*')).toBe(60);
    expect((await primaryKeyCounts('fastnpc:char_id:*')).reduce((a, b) => a + b, 0)).toBe(0);
    const removed = await worker1.clearAll();
    expect(removed).toBeGreaterThan(0);
    expect((await primaryKeyCounts('fastnpc:*')).reduce((a, b) => a + b, 0)).toBe(
      (await primaryKeyCounts('fastnpc:__cache__:*')).reduce((a, b) => a + b, 0),
    );
  });

  it('keeps the statistics system-wide: both workers add to one hash', async () => {
    await worker1.get(keys.userSettings(900)); // miss
    await worker2.set(keys.userSettings(900), 'v');
    await worker2.get(keys.userSettings(900)); // hit
    const s1 = await worker1.stats();
    const s2 = await worker2.stats();
    expect(s2.systemAvailable).toBe(true);
    expect(Object.keys(s2.workers).sort()).toEqual(['w1', 'w2']);
    expect(s2.system.totalRequests).toBe(s2.workers.w1!.totalRequests + s2.workers.w2!.totalRequests);
    expect(s2.system.hits).toBeGreaterThanOrEqual(s1.process.hits + s2.process.hits);
  });

  it('fails fast when a primary is lost and serves its slots again after the replica took over', async () => {
    const key = keys.userSettings(4242);
    expect(await worker1.set(key, 'before')).toBe(true);
    const probe = new Redis(cluster.startupNodes[0]!);
    const slot = Number(await probe.call('CLUSTER', 'KEYSLOT', `fastnpc:${key}`));
    probe.disconnect();
    const owner = await cluster.primaryOf(slot);
    await owner.kill();
    const started = performance.now();
    await worker1.get(key);
    expect(await worker1.set(key, 'during')).toBe(false);
    const blockedMs = performance.now() - started;
    await cluster.waitForFailover(slot, owner);
    const writableAfterMs = await until('a write to that slot again', 30_000, () => worker1.set(key, 'after'));
    // the other worker follows too (its slot map is refreshed every second)
    await until('the other worker reads the new value', 10_000, async () => (await worker2.get(key)) === 'after');
    console.log(
      `cluster: calls during the loss took ${Math.round(blockedMs)} ms; writes again ${writableAfterMs} ms after the failover was visible`,
    );
  }, 90_000);
});

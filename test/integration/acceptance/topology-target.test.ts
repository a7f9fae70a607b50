import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheReadProbe } from '../../../acceptance/support/cache-read-probe.ts';
import { Client } from '../../../acceptance/support/http.ts';
import { adminRedisOf, scanKeys, serverNodes } from '../../../acceptance/support/redis.ts';
import { embeddedTarget } from '../../../acceptance/target/local.ts';
import type { StartedTarget } from '../../../acceptance/target/types.ts';

// Issue 14 part 5, the plumbing under `npm start -- --topology sentinel|cluster`: the local target starts on the
// topology with the same auth as on one server (the service connects as the app's ACL user), and the suites' admin
// reader (acceptance/support/redis.ts) sees what the service wrote — on a Cluster on every primary, where a reader
// of the one node in `redisUrl` (what the suites used before) misses the entries of the other shards (the control).

const started: StartedTarget[] = [];
afterAll(async () => {
  for (const target of started) await target.stop();
});

/** Caches the settings of the first `n` seeded users (one read each through worker 1) and returns their ids. */
async function cacheSettings(target: StartedTarget, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (const user of target.info.users.slice(0, n)) {
    const client = new Client(target.info.workerUrls[0]!);
    await client.login(user.username, user.password);
    const me = await client.get<{ id: number }>('/auth/me');
    ids.push(me.body.id);
    expect((await client.get('/api/me/settings')).status).toBe(200);
  }
  return ids;
}

describe('the local target on a Redis topology', () => {
  it('sentinel: the service connects as the app user, the reader finds its entries on the current primary', async () => {
    const target = await embeddedTarget('local', { topology: 'sentinel' });
    started.push(target);
    expect(target.info.redisTopology?.kind).toBe('sentinel');
    expect(target.info.serviceEnv).toMatchObject({ REDIS_TOPOLOGY: 'sentinel', REDIS_USERNAME: 'app' });
    const ids = await cacheSettings(target, 3);
    const admin = adminRedisOf(target.info);
    try {
      const keys = await scanKeys(admin, 'fastnpc:user_settings:*', 1_000);
      for (const id of ids) expect(keys).toContain(`fastnpc:user_settings:${id}`);
      const [primary] = await serverNodes(admin);
      expect(String(await primary!.call('CLIENT', 'LIST'))).toMatch(/ user=app /);
      // without the admin password the topology's nodes refuse (the auth is on, as on one server)
      const anonymous = new Redis(target.info.redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        enableReadyCheck: false,
        retryStrategy: () => null,
      });
      anonymous.on('error', () => {});
      await anonymous.connect();
      await expect(anonymous.get('fastnpc:x')).rejects.toThrow(/NOAUTH/);
      anonymous.disconnect();
      // the Sentinels have a password of their own (the service above found the primary through them with it):
      // without it a Sentinel refuses, with it it names the primary
      const topology = target.info.redisTopology;
      if (topology?.kind !== 'sentinel' || !topology.sentinelPassword) throw new Error('no Sentinel password');
      expect(target.info.serviceEnv?.REDIS_SENTINEL_PASSWORD).toBe(topology.sentinelPassword);
      const ask = async (password?: string) => {
        const sentinel = new Redis({
          ...topology.sentinels[0]!,
          ...(password ? { password } : {}),
          lazyConnect: true,
          enableReadyCheck: false,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        sentinel.on('error', () => {});
        try {
          await sentinel.connect();
          return await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', topology.name);
        } finally {
          sentinel.disconnect();
        }
      };
      await expect(ask()).rejects.toThrow(/NOAUTH/);
      const [, primaryPort] = (await primary!.config('GET', 'port')) as [string, string];
      expect(await ask(topology.sentinelPassword)).toEqual(['127.0.0.1', primaryPort]);
    } finally {
      admin.disconnect();
    }
    await target.stop();
  }, 240_000);

  it('cluster: the reader scans every primary (one node alone misses entries) and sees cache hits on any shard', async () => {
    const target = await embeddedTarget('local', { topology: 'cluster' });
    started.push(target);
    expect(target.info.redisTopology?.kind).toBe('cluster');
    const ids = await cacheSettings(target, 12);
    const admin = adminRedisOf(target.info);
    const naive = new Redis(target.info.redisUrl, { password: target.info.redisPassword });
    try {
      const keys = await scanKeys(admin, 'fastnpc:user_settings:*', 1_000);
      for (const id of ids) expect(keys).toContain(`fastnpc:user_settings:${id}`);
      expect((await serverNodes(admin)).length).toBe(3);
      // control: SCAN on the one node the target's redisUrl names sees one shard only
      const [, onOneNode] = await naive.scan('0', 'MATCH', 'fastnpc:user_settings:*', 'COUNT', 1_000);
      expect(onOneNode.length).toBeLessThan(ids.length);
      // MONITOR on every primary: a cached read is seen as a hit whichever shard holds the entry
      const probe = await CacheReadProbe.open(admin);
      try {
        expect(probe.channel).toBe('MONITOR');
        const user = target.info.users[0]!;
        const client = new Client(target.info.workerUrls[1]!);
        await client.login(user.username, user.password);
        const read = await probe.read([`fastnpc:user_settings:${ids[0]}`], () => client.get('/api/me/settings'));
        expect(read.hit).toBe(true);
      } finally {
        probe.close();
      }
    } finally {
      naive.disconnect();
      admin.disconnect();
    }
    await target.stop();
  }, 240_000);
});

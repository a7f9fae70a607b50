// Every key the cache touches starts with `<namespace>:` and every command it sends is allowed by the app ACL
// of docs/CONTRACTS.md, proven by running the whole API through such a user.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../src/cache/keys.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { rawClient, testCache } from './helpers.ts';

const APP_ACL =
  'on >app-test-password resetkeys ~fastnpc:* resetchannels -@all +@read +@write +@keyspace +@scripting ' +
  '+@transaction +@connection -@dangerous +info +ping';

let server: StartedRedisServer;
let admin: Redis;
let appUrl: string;

beforeAll(async () => {
  server = await startRedisServer();
  admin = rawClient(server.url);
  await admin.call('ACL', 'SETUSER', 'fastnpc-app', ...APP_ACL.split(' '));
  await admin.call('ACL', 'LOG', 'RESET');
  appUrl = `redis://fastnpc-app:app-test-password@127.0.0.1:${server.port}`;
});
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

describe('the cache through the app ACL user', () => {
  it('runs every operation without a single denial', async () => {
    const cache = testCache(appUrl, { workerId: 'acl-worker' });
    try {
      expect(await cache.ping()).toBe(true);
      expect(await cache.set(keys.userSettings(1), { m: 'x' }, 60)).toBe(true);
      expect(await cache.get(keys.userSettings(1))).toEqual({ m: 'x' });
      expect(await cache.exists(keys.userSettings(1))).toBe(true);
      expect(await cache.getOrLoad(keys.characterProfile(1, '李白'), async () => 'p', { ttlSeconds: 300 })).toBe('p');
      expect(await cache.getOrLoad(keys.characterProfile(1, '李白'), async () => 'never')).toBe('p');
      await cache.invalidate(keys.characterProfile(1, '李白'), keys.characterList(1));
      expect(await cache.delete(keys.userSettings(1))).toBe(true);
      await cache.set(keys.characterId(1, 'a'), 1);
      expect(await cache.deletePattern('char_id:1:*')).toBe(1);
      await cache.set(keys.characterList(1), []);
      expect(await cache.clearAll()).toBe(1);
      await plantCorrupt(admin, '{"not json');
      expect(await cache.get(keys.characterList(2))).toBeUndefined();
      const stats = await cache.stats();
      expect(stats.systemAvailable).toBe(true);
      expect(stats.process.errors).toBe(1); // the corrupt entry only
      expect(stats.system.hits).toBe(2);
      expect(Object.keys(stats.workers)).toEqual(['acl-worker']);
      expect(await admin.call('ACL', 'LOG')).toEqual([]);
    } finally {
      await cache.close();
    }
  });

  it('the ACL is really enforced: a namespace outside ~fastnpc:* fails (degrades, no throw)', async () => {
    const cache = testCache(appUrl, { namespace: 'other' });
    try {
      expect(await cache.set('k', 1)).toBe(false);
      expect(await cache.get('k')).toBeUndefined();
      expect((await cache.stats()).process.errors).toBeGreaterThan(0);
      expect(((await admin.call('ACL', 'LOG')) as unknown[]).length).toBeGreaterThan(0);
    } finally {
      await cache.close();
      await admin.call('ACL', 'LOG', 'RESET');
    }
  });
});

async function plantCorrupt(client: Redis, value: string): Promise<void> {
  await client.set(`fastnpc:${keys.characterList(2)}`, value);
}

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheReadProbe } from '../../../acceptance/support/cache-read-probe.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';

let server: StartedRedisServer;
let admin: Redis;
let app: Redis;
let probe: CacheReadProbe;

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
  app = new Redis(server.url);
  probe = await CacheReadProbe.open(admin);
});

afterAll(async () => {
  probe.close();
  admin.disconnect();
  app.disconnect();
  await server.stop();
});

describe('CacheReadProbe (MONITOR between ECHO markers)', () => {
  it('a read of an existing entry is a hit, also for a non-ASCII key read inside a script', async () => {
    expect(probe.channel).toBe('MONITOR');
    const key = 'fastnpc:char_profile:7:李白 "x"';
    await admin.set(key, '1');
    const plain = await probe.read([key], () => app.get(key));
    expect(plain).toMatchObject({ value: '1', entry: key, touched: true, hit: true });
    const scripted = await probe.read([key], () => app.eval("return redis.call('GET', KEYS[1])", 1, key));
    expect(scripted.hit).toBe(true);
  });

  it('no command on the entry (a service with its cache off) is no hit, nor is a read of a missing entry', async () => {
    await admin.set('fastnpc:user_settings:1', '{}');
    const untouched = await probe.read(['fastnpc:user_settings:1'], async () => app.get('fastnpc:other'));
    expect(untouched).toMatchObject({ entry: 'fastnpc:user_settings:1', touched: false, hit: false });
    const missing = await probe.read(['fastnpc:user_settings:2'], () => app.get('fastnpc:user_settings:2'));
    expect(missing).toMatchObject({ entry: undefined, hit: false });
  });

  it("the harness's own EXISTS before the window does not count as the app touching the entry", async () => {
    await admin.set('fastnpc:char_list:3', '[]');
    const r = await probe.read(['fastnpc:char_list:3'], async () => 'no redis at all');
    expect(r.touched).toBe(false);
  });
});

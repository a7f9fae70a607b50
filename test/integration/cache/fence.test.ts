import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistencyKey } from '../../../src/cache/internal-keys.ts';
import type { Cache } from '../../../src/cache/types.ts';
import { type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';
import { rawClient, testCache } from './helpers.ts';

// D3/D4: after a Redis stall (whatever opened the breaker: a stalled server or a starved CPU), a process must not
// serve an entry whose deletion is still pending elsewhere. With the fence it serves nothing from Redis until the
// invalidator — played here by the test: it deletes the entry, then brings a tick back — caught up; the control,
// the same cache without a fence, serves the old value as soon as its breaker closes.
let server: StartedRedisServer;
let admin: Redis;
let fenced: Cache;
let plain: Cache;
const marker = consistencyKey('fastnpc');

/** One tick of the stand-in invalidator: issued, then (everything before it applied) come back. */
async function tick(): Promise<void> {
  const seq = await admin.hincrby(marker, 'tick_seq', 1);
  await admin.hset(marker, 'caught_up_seq', seq);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startRedisServer();
  admin = rawClient(server.url);
  await admin.hset(marker, 'tick_seq', 1, 'caught_up_seq', 1);
  const common = { commandTimeoutMs: 100, breakerThreshold: 2, breakerProbeIntervalMs: 200 };
  fenced = testCache(server.url, { ...common, fence: { pollMs: 20, maxLagMs: 60_000 }, workerId: 'fenced' });
  plain = testCache(server.url, { ...common, workerId: 'plain' });
});
afterAll(async () => {
  await fenced?.close();
  await plain?.close();
  admin?.disconnect();
  await server?.stop();
});

describe('the fence after an outage', () => {
  it('serves nothing from a Redis that failed until the invalidator caught up; the control serves the old value', async () => {
    await admin.set('fastnpc:user_settings:1', JSON.stringify({ v: 'old' }));
    // the fence rises once a tick issued after its first look has come back
    for (let i = 0; (await fenced.get('user_settings:1')) === undefined; i++) {
      expect(i).toBeLessThan(100);
      await tick();
      await sleep(30);
    }
    expect(await plain.get('user_settings:1')).toEqual({ v: 'old' });

    // a stall: both caches time out, their breakers open
    await admin.call('CLIENT', 'PAUSE', '600', 'ALL');
    const during = await Promise.all([fenced.get('user_settings:1'), plain.get('user_settings:1')]);
    expect(during).toEqual([undefined, undefined]);
    // … meanwhile a write was committed whose deletion could not reach Redis (pending in another process)
    await sleep(1_200);

    const served: { fenced: unknown[]; plain: unknown[] } = { fenced: [], plain: [] };
    for (let i = 0; i < 20; i++) {
      served.fenced.push(await fenced.get('user_settings:1'));
      served.plain.push(await plain.get('user_settings:1'));
      await sleep(50);
    }
    // control: once its breaker closed, the cache without a fence serves the entry whose deletion is pending
    expect(served.plain).toContainEqual({ v: 'old' });
    // the fenced cache does not, however long the breaker has been closed
    expect(served.fenced.every((v) => v === undefined)).toBe(true);

    // the invalidator catches up: the pending deletion is applied, then a tick comes back
    await admin.del('fastnpc:user_settings:1');
    await admin.set('fastnpc:user_settings:1', JSON.stringify({ v: 'new' }));
    await tick();
    await sleep(100);
    await tick();
    let lifted: unknown;
    for (let i = 0; i < 50 && lifted === undefined; i++) {
      lifted = await fenced.get('user_settings:1');
      await sleep(20);
    }
    expect(lifted).toEqual({ v: 'new' });
  });

  it('a FLUSHALL (the marker gone) drops the fence until the invalidator verified Redis again', async () => {
    expect(await fenced.get('user_settings:1')).toEqual({ v: 'new' });
    await admin.flushall();
    await admin.set('fastnpc:user_settings:1', JSON.stringify({ v: 'refilled' }));
    // the next look at the marker (every 20 ms; later on a busy machine) finds it gone
    let dropped = false;
    for (let i = 0; i < 100 && !dropped; i++) {
      dropped = (await fenced.get('user_settings:1')) === undefined;
      await sleep(20);
    }
    expect(dropped).toBe(true);
    await admin.hset(marker, 'tick_seq', 1);
    await sleep(60);
    await admin.hset(marker, 'tick_seq', 2, 'caught_up_seq', 2);
    let lifted: unknown;
    for (let i = 0; i < 50 && lifted === undefined; i++) {
      lifted = await fenced.get('user_settings:1');
      await sleep(20);
    }
    expect(lifted).toEqual({ v: 'refilled' });
  });
});

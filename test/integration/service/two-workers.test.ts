import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, enc, registerUser } from './http.ts';
import { type ServiceFixture, startFixture } from './setup.ts';

// The plan's criterion 8 (two workers stay consistent) and 9 (far fewer DB statements), on a real cluster.
let fx: ServiceFixture;

beforeAll(async () => {
  // TWO_WORKERS_CACHE_MODE=off runs the same tests on the uncached service: the "served from the cache" checks fail
  fx = await startFixture({ seed: false, cacheMode: process.env.TWO_WORKERS_CACHE_MODE === 'off' ? 'off' : 'on' });
});
afterAll(async () => {
  await fx?.stop();
});

describe('two-worker consistency', () => {
  it('200 rounds of write on worker 1 → immediate read on worker 2, with concurrent readers: zero stale reads', async () => {
    const w1 = await registerUser(fx.w1, 'consistency');
    const w2 = w1.on(fx.w2);
    const readers = [w1.on(fx.w1), w1.on(fx.w2), w1.on(fx.w1), w1.on(fx.w2)];
    let acknowledged = 0; // the newest value whose PUT has answered
    let done = false;
    const stale: string[] = [];
    let concurrentReads = 0;
    let concurrentHits = 0;
    // A read that starts after PUT n answered must see n or newer.
    const reader = async (client: Client) => {
      while (!done) {
        const floor = acknowledged;
        const reply = await client.get('/api/me/settings');
        const value = reply.body.settings.ctx_max_chat;
        const seen = value === null ? 0 : value - 1000;
        concurrentReads += 1;
        if (reply.headers.get('x-cache') === 'hit') concurrentHits += 1;
        if (seen < floor) stale.push(`reader on worker ${reply.headers.get('x-worker')}: saw ${seen} after ${floor}`);
      }
    };
    const running = readers.map(reader);
    for (let round = 1; round <= 200; round += 1) {
      const put = await w1.put('/api/me/settings', { ctx_max_chat: 1000 + round });
      expect(put.status).toBe(200);
      acknowledged = round;
      const read = await w2.get('/api/me/settings');
      expect(read.headers.get('x-worker')).toBe('2');
      if (read.body.settings.ctx_max_chat !== 1000 + round) {
        stale.push(`round ${round}: worker 2 read ${read.body.settings.ctx_max_chat}`);
      }
    }
    done = true;
    await Promise.all(running);
    // Had Redis failed to confirm an invalidation, the failure would be counted here (and explain a stale read).
    for (const url of [fx.w1, fx.w2]) {
      const metrics = (await w1.on(url).get('/metrics')).text;
      expect(metrics).not.toMatch(/fastnpc_invalidation_failures_total\{[^}]*\} [1-9]/);
    }
    expect(stale).toEqual([]);
    expect(concurrentReads).toBeGreaterThan(50);
    // the fresh values came through the cache, not around it: most reads between two writes are hits
    expect(concurrentHits, `${concurrentHits} of ${concurrentReads} concurrent reads were cache hits`).toBeGreaterThan(
      concurrentReads / 2,
    );
  });

  it('profiles stay consistent too: 50 rounds of memories save on worker 1 → read on worker 2', async () => {
    const w1 = await registerUser(fx.w1, 'profile-consistency');
    const w2 = w1.on(fx.w2);
    await w1.post('/api/characters', { role: '岳飞' });
    const stale: string[] = [];
    let hits = 0;
    for (let round = 1; round <= 50; round += 1) {
      await w1.put(`/api/characters/${enc('岳飞')}/memories`, { short_term: [`第${round}轮`] });
      // the first read after the write refills the entry; the second is served from the cache and still new
      for (const read of [1, 2]) {
        const reply = await w2.get(`/api/characters/${enc('岳飞')}/memories`);
        if (reply.body.short_term[0] !== `第${round}轮`) stale.push(`round ${round} read ${read}`);
        if (read === 2 && reply.headers.get('x-cache') === 'hit') hits += 1;
      }
    }
    expect(stale).toEqual([]);
    expect(hits, 'second reads served from the cache').toBeGreaterThanOrEqual(45);
  });
});

describe('statements per chat message (X-DB-Queries)', () => {
  it('a warm chat message sends far fewer statements than a cold one', async () => {
    const client = await registerUser(fx.w1, 'statements');
    await client.post('/api/characters', { role: '王昭君' });
    const send = async (c: Client) => {
      const reply = await c.post(`/api/chat/${enc('王昭君')}/messages`, { content: '你好' });
      expect(reply.status).toBe(200);
      return { queries: Number(reply.headers.get('x-db-queries')), cache: reply.headers.get('x-cache-detail') };
    };
    const cold = await send(client);
    const warm = [];
    for (let i = 0; i < 6; i += 1) warm.push(await send(client.on(i % 2 === 0 ? fx.w2 : fx.w1)));
    expect(cold.cache).toBe('settings=miss;char_id=miss;profile=miss');
    // cold: settings 1 + id 1 + profile 14 (main row, 9 sections, 2 lists, 2 memory kinds) + insert, list, insert
    expect(cold.queries).toBe(19);
    // On a loaded machine a Redis GET can exceed the cache's 100 ms command timeout and degrade to a load, so the
    // claim is made on the warm messages that did hit (most or all of them): each sends exactly 3 statements.
    const hits = warm.filter((w) => w.cache === 'settings=hit;char_id=hit;profile=hit');
    expect(hits.length).toBeGreaterThan(0);
    for (const w of hits) expect(w.queries).toBe(3);
    expect(hits[0]!.queries * 5).toBeLessThan(cold.queries);
    console.log(
      `[figures] statements per chat message: cold ${cold.queries}, warm ${warm.map((w) => w.queries).join('/')}`,
    );
  });

  it('measures a cached settings read through HTTP (figures for the report; no timing assertion)', async () => {
    const client = await registerUser(fx.w1, 'latency');
    await client.get('/api/me/settings');
    const samples: number[] = [];
    let hits = 0;
    for (let i = 0; i < 300; i += 1) {
      const started = process.hrtime.bigint();
      const reply = await client.get('/api/me/settings');
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      expect(reply.status).toBe(200);
      if (reply.headers.get('x-cache') === 'hit') hits += 1;
    }
    samples.sort((a, b) => a - b);
    const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(2);
    console.log(
      `[figures] cached settings read over HTTP, ${samples.length} reads: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms, ${hits} hits`,
    );
  });
});

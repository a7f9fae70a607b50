import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedService, startService } from '../../../src/service/cluster.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';
import { Client, enc, registerUser } from './http.ts';

// CACHE_MODE=off runs the same code without Redis; with Redis gone the service keeps answering, degraded, and a
// write whose invalidation Redis cannot confirm still succeeds (logged and counted for a later replay).
let stack: StartedLocalStack;
let cached: StartedService;
let off: StartedService;

/** The stack, and the service on it with and without its cache (the sample of docs/service.md). */
async function start(): Promise<{ stack: StartedLocalStack; cached: StartedService; off: StartedService }> {
  // #region start-service
  const stack = await startLocalStack(); // a private PostgreSQL + redis-server on free ports, removed on any exit
  const common = { databaseUrl: stack.databaseUrl, seed: { users: 1, characters: 1, memories: 1 } };
  // the service on the cache, and the same service without it (CACHE_MODE=off); each resolves once every worker answers
  const [cached, off] = await Promise.all([
    startService({ ...common, redisUrl: stack.redisUrl, env: { LOG_LEVEL: 'error' } }),
    startService({ ...common, cacheMode: 'off', env: { LOG_LEVEL: 'error' } }),
  ]);
  // cached.baseUrl: the shared port; cached.workerUrls: each worker's own; cached.seed: the seeded users
  // #endregion start-service
  return { stack, cached, off };
}

beforeAll(async () => {
  ({ stack, cached, off } = await start());
});
afterAll(async () => {
  await Promise.allSettled([cached?.stop(), off?.stop()]);
  await stack?.stop();
});

const chat = async (c: Client, role: string) => {
  const reply = await c.post(`/api/chat/${enc(role)}/messages`, { content: '在吗？' });
  expect(reply.status).toBe(200);
  return { queries: Number(reply.headers.get('x-db-queries')), cache: reply.headers.get('x-cache') };
};

describe('CACHE_MODE=off', () => {
  it('answers the same routes without Redis; every read reports bypass and every chat message costs the cold path', async () => {
    const health = await new Client(off.workerUrls[0]!).get('/health');
    expect(health.body).toMatchObject({ ok: true, redis: 'off', degraded: false, cache_mode: 'off' });
    const client = await registerUser(off.workerUrls[0]!, 'off');
    await client.post('/api/characters', { role: '荆轲' });
    const settings = await client.on(off.workerUrls[1]!).get('/api/me/settings');
    expect(settings.status).toBe(200);
    expect(settings.headers.get('x-cache')).toBe('bypass');
    const messages = [
      await chat(client, '荆轲'),
      await chat(client.on(off.workerUrls[1]!), '荆轲'),
      await chat(client, '荆轲'),
    ];
    for (const m of messages) expect(m).toEqual({ queries: 19, cache: 'bypass' });
    console.log(`[figures] CACHE_MODE=off: statements per chat message ${messages.map((m) => m.queries).join('/')}`);
    // writes need no Redis either
    expect((await client.put('/api/me/settings', { ctx_max_chat: 300 })).status).toBe(200);
    expect((await client.on(off.workerUrls[1]!).get('/api/me/settings')).body.settings.ctx_max_chat).toBe(300);
  });
});

describe('Redis down (runs last: stops the stack’s redis-server)', () => {
  it('keeps serving, /health is 200 degraded, writes succeed and unconfirmed invalidations are counted', async () => {
    const w1 = await registerUser(cached.workerUrls[0]!, 'down');
    await w1.post('/api/characters', { role: '项羽' });
    await chat(w1, '项羽'); // warm
    await stack.redis!.stop();
    await new Promise((r) => setTimeout(r, 1_500)); // the workers' Redis probe runs every second

    const health = await new Client(cached.workerUrls[1]!).get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, db: 'up', redis: 'down', degraded: true });

    const put = await w1.put('/api/me/settings', { profile: 'Redis 不在' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ok: true });
    const read = await w1.get('/api/me/settings');
    expect(read.status).toBe(200);
    expect(read.body.settings.profile).toBe('Redis 不在');
    expect(read.headers.get('x-cache')).toBe('bypass');
    const message = await chat(w1, '项羽');
    expect(message).toEqual({ queries: 19, cache: 'bypass' });

    const metrics = await new Client(cached.workerUrls[0]!).get('/metrics');
    expect(metrics.text).toMatch(/fastnpc_invalidation_failures_total\{[^}]*path="settings_update"[^}]*\} 1/);
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consistencyKey } from '../../../src/cache/internal-keys.ts';
import { type StartedService, startService } from '../../../src/service/cluster.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';
import { Client } from './http.ts';

// A fenced worker says so where people look (issue 22, item 3): /health reports `cache: fenced`, `degraded: true`
// and the invalidator's lag, and a read it sends to PostgreSQL answers `X-Cache: bypass` (docs/invalidation.md),
// not `miss`; /metrics keeps its gauges. The service runs with FASTNPC_INVALIDATOR=external (fence on, no
// invalidator started) and the test plays the invalidator: while it ticks the marker the workers trust the cache,
// when it stops they fence after the fence's 5 s without progress, when it ticks again they lift the fence.
// Before this change /health answered `degraded: false` with no `cache` field and the fenced read said `miss`.
let stack: StartedLocalStack;
let service: StartedService;
let admin: Redis;
let ticking: NodeJS.Timeout | undefined;
const marker = consistencyKey('fastnpc');

function startTicking(): void {
  ticking = setInterval(() => {
    void admin
      .hincrby(marker, 'tick_seq', 1)
      .then((seq) => admin.hset(marker, 'caught_up_seq', seq))
      .catch(() => {});
  }, 50);
}

function stopTicking(): void {
  if (ticking) clearInterval(ticking);
  ticking = undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  stack = await startLocalStack();
  admin = new Redis(stack.redisUrl);
  await admin.hset(marker, 'tick_seq', 1, 'caught_up_seq', 1);
  startTicking();
  service = await startService({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    seed: { users: 1, characters: 1, memories: 1 },
    env: { LOG_LEVEL: 'error', FASTNPC_INVALIDATOR: 'external', CACHE_COMMAND_TIMEOUT_MS: '1000' },
  });
});
afterAll(async () => {
  stopTicking();
  await service?.stop();
  admin?.disconnect();
  await stack?.stop();
});

describe('a fenced worker on /health, X-Cache and /metrics', () => {
  it('reports the fence and answers bypass while fenced; serving and hit once the invalidator caught up', async () => {
    const user = service.seed?.users[0];
    if (!user) throw new Error('no seeded user');
    const w1 = new Client(service.workerUrls[0] as string);
    await w1.login(user.username, user.password);

    // trusted: serving, not degraded, reads are hits after the first load
    const healthy = await w1.get('/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({ ok: true, redis: 'up', cache: 'serving', degraded: false });
    await w1.get('/api/me/settings');
    expect((await w1.get('/api/me/settings')).headers.get('x-cache')).toBe('hit');

    // the invalidator stops making progress: after the fence's 5 s the worker fences
    stopTicking();
    const fenced = await until('the fence', async () => {
      const reply = await w1.get('/health');
      return reply.body.cache === 'fenced' ? reply : undefined;
    });
    expect(fenced.status).toBe(200); // PostgreSQL answers: the service serves, degraded
    expect(fenced.body).toMatchObject({ ok: true, db: 'up', redis: 'up', cache: 'fenced', degraded: true });
    expect(fenced.body.invalidator_lag_ms).toBeGreaterThanOrEqual(5_000);

    // a read while fenced goes to PostgreSQL and is not stored: bypass, as docs/invalidation.md says
    for (let i = 0; i < 2; i++) {
      const read = await w1.get('/api/me/settings');
      expect(read.status).toBe(200);
      expect(read.headers.get('x-cache')).toBe('bypass');
      expect(read.headers.get('x-cache-detail')).toBe('settings=bypass');
      expect(Number(read.headers.get('x-db-queries'))).toBeGreaterThan(0);
    }
    const metrics = await w1.get('/metrics');
    expect(metrics.text).toMatch(/^fastnpc_cache_fenced\{[^}]*\} 1$/m);
    expect(metrics.text).toMatch(/^fastnpc_invalidator_lag_seconds\{[^}]*\} \d/m);
    expect(metrics.text).toMatch(/fastnpc_service_cache_reads_total\{[^}]*outcome="bypass"[^}]*\} [1-9]/);

    // the invalidator catches up: the fence lifts, /health says serving, reads are served from Redis again
    startTicking();
    await until('the fence to lift', async () =>
      (await w1.get('/health')).body.cache === 'serving' ? true : undefined,
    );
    const after = await w1.get('/health');
    expect(after.body).toMatchObject({ cache: 'serving', degraded: false });
    expect(after.body.invalidator_lag_ms).toBeLessThan(5_000);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await w1.get('/api/me/settings')).headers.get('x-cache'));
    expect(outcomes.at(-1)).toBe('hit');
    expect(outcomes).not.toContain('bypass');
  }, 60_000);
});

/**
 * The defects applied as wrappers where the worker composes the service (defect-wrappers.ts, and per-worker-stats in
 * withCacheDefects): each against the healthy wiring as its control.
 */
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, test, vi } from 'vitest';
import { CachedEntry } from '../../../src/cache/index.ts';
import {
  defectRoutes,
  LEAK_POOL_SIZE,
  LEAK_WAIT_MS,
  ListMissLeak,
  WorkerTasks,
  withDrainedPool,
  withReadDefects,
} from '../../../src/service/defect-wrappers.ts';
import { parseDefects, withCacheDefects } from '../../../src/service/defects.ts';
import type { ServiceReads } from '../../../src/service/deps.ts';
import { HttpError } from '../../../src/service/errors.ts';
import { newRequestContext, runWithContext, summarizeCache } from '../../../src/service/request-context.ts';
import { encodeSession, SESSION_COOKIE } from '../../../src/service/session.ts';
import { FakeCache } from './fake-cache.ts';
import { fakeDb } from './fake-db.ts';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

const fakeReads = (calls: string[]): ServiceReads => ({
  settings: async () => null,
  settingsEntry: async () => CachedEntry.of(null),
  characterId: async () => 7,
  profile: async () => {
    calls.push('cached profile');
    return null;
  },
  profileEntry: async () => {
    calls.push('cached profile');
    return null;
  },
  list: async () => {
    calls.push('cached list');
    return [];
  },
});

async function appWith(defects: string): Promise<FastifyInstance> {
  const set = parseDefects(defects);
  const app = Fastify();
  await app.register(fastifyCookie, { secret: SECRET, hook: 'onRequest' });
  const onRoute = defectRoutes(set, 60, new WorkerTasks(set));
  if (onRoute) app.addHook('onRoute', onRoute);
  let next = 0;
  const ownTasks = new Set<string>();
  app.get('/admin/cache/stats', async () => ({ ok: true }));
  app.post('/api/characters', async () => {
    const id = `t${++next}`;
    ownTasks.add(id);
    return { task_id: id };
  });
  app.get<{ Params: { id: string } }>('/api/tasks/:id', async (request) => ({
    task_id: request.params.id,
    status: 'done',
  }));
  return app;
}

const cookie = (app: FastifyInstance) =>
  app.signCookie(encodeSession({ uid: 1, username: 'admin', isAdmin: true, iat: Math.floor(Date.now() / 1000) }));

describe('defects as wrappers', () => {
  test('admin-403: every /admin/cache/* route answers 403 to the admin, 401 without a session (control: 200)', async () => {
    const sick = await appWith('admin-403');
    expect(
      (await sick.inject({ url: '/admin/cache/stats', cookies: { [SESSION_COOKIE]: cookie(sick) } })).statusCode,
    ).toBe(403);
    expect((await sick.inject({ url: '/admin/cache/stats' })).statusCode).toBe(401);
    const healthy = await appWith('');
    const answer = await healthy.inject({ url: '/admin/cache/stats', cookies: { [SESSION_COOKIE]: cookie(healthy) } });
    expect(answer.json()).toEqual({ ok: true });
  });

  test('per-worker-tasks: a task this worker did not create reads not_found (control: done)', async () => {
    for (const [defects, other] of [
      ['per-worker-tasks', { task_id: 'elsewhere', status: 'not_found' }],
      ['', { task_id: 'elsewhere', status: 'done' }],
    ] as const) {
      const app = await appWith(defects);
      const created = (await app.inject({ method: 'POST', url: '/api/characters' })).json() as { task_id: string };
      expect((await app.inject({ url: `/api/tasks/${created.task_id}` })).json().status).toBe('done');
      expect((await app.inject({ url: '/api/tasks/elsewhere' })).json(), defects).toEqual(other);
    }
  });

  test('no-profile-cache: the profile loads from PostgreSQL and reports bypass (control: the cached read)', async () => {
    const calls: string[] = [];
    const database = fakeDb();
    const set = parseDefects('no-profile-cache');
    const reads = withReadDefects(fakeReads(calls), set, database, new ListMissLeak(set));
    const context = newRequestContext();
    await runWithContext(context, () => reads.profile(1, 'a'));
    expect(calls).toEqual([]);
    expect(database.statements.length).toBeGreaterThan(0);
    expect(summarizeCache(context.cache).detail).toContain('profile=bypass');
    const healthy = fakeReads([]);
    expect(withReadDefects(healthy, parseDefects(''), fakeDb(), new ListMissLeak(parseDefects('')))).toBe(healthy);
  });

  test(`list-miss-leak: once drained, lists stall ${LEAK_WAIT_MS} ms and answer [], the settings upsert fails 500`, async () => {
    const set = parseDefects('list-miss-leak');
    const leak = new ListMissLeak(set);
    const calls: string[] = [];
    const reads = withReadDefects(fakeReads(calls), set, fakeDb(), leak);
    const database = fakeDb();
    const db = withDrainedPool(database, leak);
    await reads.list(1);
    await db.query('INSERT INTO user_settings(user_id) VALUES ($1)', [1]);
    expect(calls).toEqual(['cached list']);
    expect(database.statements).toHaveLength(1); // control: not drained yet, the upsert runs
    for (let i = 0; i < LEAK_POOL_SIZE; i++) leak.onOutcome('list', 'miss');
    vi.useFakeTimers();
    try {
      const stalled = reads.list(1);
      await vi.advanceTimersByTimeAsync(LEAK_WAIT_MS);
      expect(await stalled).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
    expect(calls).toEqual(['cached list']);
    await expect(db.query('INSERT INTO user_settings(user_id) VALUES ($1)', [1])).rejects.toBeInstanceOf(HttpError);
    await db.query('SELECT 1', []);
    expect(database.statements).toEqual(['INSERT INTO user_settings(user_id) VALUES ($1)', 'SELECT 1']);
  });

  // #region defect-with-control
  test("per-worker-stats: stats() reports the worker's own counters as the system's (control: unchanged)", async () => {
    const fake = new FakeCache();
    const system = { hits: 9, misses: 0, sets: 0, deletes: 0, errors: 0, hitRate: 1, totalRequests: 9 };
    fake.stats = async () => ({ ...(await new FakeCache().stats()), system, workers: { 'worker-0': system } });
    const sick = await withCacheDefects(fake, parseDefects('per-worker-stats'), undefined, { workerIndex: 1 }).stats();
    expect(sick.system).toEqual(sick.process);
    expect(Object.keys(sick.workers)).toEqual(['worker-1']);
    expect(withCacheDefects(fake, parseDefects(''), undefined)).toBe(fake);
    expect((await fake.stats()).system).toEqual(system);
  });
  // #endregion defect-with-control
});

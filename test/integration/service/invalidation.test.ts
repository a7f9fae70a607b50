import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedService, startService } from '../../../src/service/cluster.ts';
import { WRITE_PATHS, type WritePath } from '../../../src/service/config.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';
import { type Client, enc, registerUser } from './http.ts';

/**
 * One test per write path: warm the cache by reading on worker 2, write on worker 1, read again on worker 2 — the
 * new data must be there at once. The same scenarios also run against a second cluster started with
 * FASTNPC_TEST_SKIP_INVALIDATION=all (the test seam that removes every invalidation), where each must observe
 * stale data: that proves every scenario fails when its invalidation is missing.
 * To see one fail by hand: FASTNPC_TEST_SKIP_INVALIDATION=structured_update (or any WRITE_PATHS name).
 */
type Scenario = (w1: Client, w2: Client) => Promise<boolean>;

const roles = async (c: Client): Promise<string[]> =>
  (await c.get('/api/characters')).body.items.map((i: { role: string }) => i.role);

const SCENARIOS: Record<WritePath, Scenario> = {
  async settings_update(w1, w2) {
    await w1.put('/api/me/settings', { profile: '旧简介' });
    expect((await w2.get('/api/me/settings')).body.settings.profile).toBe('旧简介');
    expect((await w1.put('/api/me/settings', { profile: '新简介：喜欢*星号*' })).status).toBe(200);
    return (await w2.get('/api/me/settings')).body.settings.profile === '新简介：喜欢*星号*';
  },
  async character_create(w1, w2) {
    expect(await roles(w2)).toEqual([]);
    expect((await w2.get(`/api/characters/${enc('王维')}/structured`)).status).toBe(404); // caches "no such id"
    expect((await w1.post('/api/characters', { role: '王维' })).status).toBe(200);
    const listed = (await roles(w2)).includes('王维');
    const readable = (await w2.get(`/api/characters/${enc('王维')}/structured`)).status === 200;
    return listed && readable;
  },
  async character_rename(w1, w2) {
    await w1.post('/api/characters', { role: '旧名' });
    expect(await roles(w2)).toEqual(['旧名']);
    expect((await w2.get(`/api/characters/${enc('旧名')}/structured`)).status).toBe(200);
    expect((await w2.get(`/api/characters/${enc('新名:1')}/structured`)).status).toBe(404);
    expect((await w1.put(`/api/characters/${enc('旧名')}/rename`, { new_name: '新名:1' })).status).toBe(200);
    const list = await roles(w2);
    const oldGone = (await w2.get(`/api/characters/${enc('旧名')}/structured`)).status === 404;
    const newThere = (await w2.get(`/api/characters/${enc('新名:1')}/structured`)).status === 200;
    return list.includes('新名:1') && !list.includes('旧名') && oldGone && newThere;
  },
  async character_copy(w1, w2) {
    await w1.post('/api/characters', { role: '原型' });
    expect(await roles(w2)).toEqual(['原型']);
    expect((await w2.get(`/api/characters/${enc('原型-副本')}/structured`)).status).toBe(404);
    expect((await w1.post(`/api/characters/${enc('原型')}/copy`)).body.new_name).toBe('原型-副本');
    const listed = (await roles(w2)).includes('原型-副本');
    const readable = (await w2.get(`/api/characters/${enc('原型-副本')}/structured`)).status === 200;
    return listed && readable;
  },
  async character_delete(w1, w2) {
    await w1.post('/api/characters', { role: '*' });
    expect(await roles(w2)).toEqual(['*']);
    expect((await w2.get(`/api/characters/${enc('*')}/structured`)).status).toBe(200);
    expect((await w1.delete(`/api/characters/${enc('*')}`)).status).toBe(200);
    const gone = (await w2.get(`/api/characters/${enc('*')}/structured`)).status === 404;
    const chat = (await w2.post(`/api/chat/${enc('*')}/messages`, { content: 'hi' })).status === 404;
    return gone && chat && (await roles(w2)).length === 0;
  },
  async structured_update(w1, w2) {
    await w1.post('/api/characters', { role: '李清照' });
    expect((await w2.get(`/api/characters/${enc('李清照')}/structured`)).body.基础身份信息.年龄).toBe('未知');
    const put = await w1.put(`/api/characters/${enc('李清照')}/structured`, {
      基础身份信息: { 姓名: '李清照', 年龄: '71' },
    });
    expect(put.status).toBe(200);
    return (await w2.get(`/api/characters/${enc('李清照')}/structured`)).body.基础身份信息.年龄 === '71';
  },
  async memories_save(w1, w2) {
    await w1.post('/api/characters', { role: '辛弃疾' });
    expect((await w2.get(`/api/characters/${enc('辛弃疾')}/memories`)).body.short_term).toEqual([]);
    expect((await w1.put(`/api/characters/${enc('辛弃疾')}/memories`, { short_term: ['醉里挑灯看剑'] })).status).toBe(
      200,
    );
    return (await w2.get(`/api/characters/${enc('辛弃疾')}/memories`)).body.short_term[0] === '醉里挑灯看剑';
  },
  async account_delete(w1, w2) {
    await w1.put('/api/me/settings', { profile: '要走了' });
    await w1.post('/api/characters', { role: '陶渊明' });
    expect((await w2.get('/api/me/settings')).body.settings.profile).toBe('要走了');
    expect(await roles(w2)).toEqual(['陶渊明']);
    expect((await w1.post('/api/me/delete', { password: 'test-password' })).status).toBe(200);
    const settingsGone = (await w2.get('/api/me/settings')).status === 401;
    const listGone = (await roles(w2)).length === 0;
    const profileGone = (await w2.get(`/api/characters/${enc('陶渊明')}/structured`)).status === 404;
    return settingsGone && listGone && profileGone;
  },
};

let stack: StartedLocalStack;
let normal: StartedService;
let broken: StartedService;

beforeAll(async () => {
  stack = await startLocalStack();
  const common = { databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, seed: false as const };
  [normal, broken] = await Promise.all([
    startService({ ...common, env: { LOG_LEVEL: 'error' } }),
    // A generous Redis timeout: on a loaded CI machine a timed-out GET would degrade to a (fresh) load and hide
    // the staleness this cluster must show.
    startService({
      ...common,
      // the design without commit-log invalidation, in its own namespace: the normal cluster's invalidator would
      // otherwise delete its entries from the WAL and hide the staleness
      env: {
        LOG_LEVEL: 'error',
        FASTNPC_TEST_SKIP_INVALIDATION: 'all',
        CACHE_COMMAND_TIMEOUT_MS: '2000',
        FASTNPC_INVALIDATOR: 'off',
        CACHE_NAMESPACE: 'fastnpc_broken',
      },
    }),
  ]);
});
afterAll(async () => {
  await Promise.allSettled([normal?.stop(), broken?.stop()]);
  await stack?.stop();
});

async function run(service: StartedService, path: WritePath): Promise<boolean> {
  const w1 = await registerUser(service.workerUrls[0]!, path);
  const w2 = w1.on(service.workerUrls[1]!);
  return SCENARIOS[path](w1, w2);
}

describe('every write path invalidates before it responds (read on worker 2 right after a write on worker 1)', () => {
  it.each(WRITE_PATHS)('%s', async (path) => {
    expect(await run(normal, path)).toBe(true);
  });
});

describe('the same scenarios detect a missing invalidation (FASTNPC_TEST_SKIP_INVALIDATION=all)', () => {
  it.each(WRITE_PATHS)('%s reads stale data without its invalidation', async (path) => {
    expect(await run(broken, path)).toBe(false);
  });
});

import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, enc, registerUser, uniqueName } from './http.ts';
import { type ServiceFixture, startFixture } from './setup.ts';

// Route tests against a real two-worker cluster on a private PostgreSQL + redis-server: every endpoint, the
// FastNPC response shapes, the 400/401/403/404/413 cases and the headers every response carries.
let fx: ServiceFixture;
let admin: Client;

const SECRET = 'routes-test-session-secret-0123456789';

beforeAll(async () => {
  fx = await startFixture({ env: { FASTNPC_SECRET: SECRET } });
  admin = new Client(fx.w1);
  await admin.login(fx.service.seed!.admin.username, fx.service.seed!.admin.password);
});
afterAll(async () => {
  await fx?.stop();
});

describe('system routes and headers', () => {
  it('GET /health answers ok with db and redis state on both workers', async () => {
    for (const [i, url] of [fx.w1, fx.w2].entries()) {
      const reply = await new Client(url).get('/health');
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ ok: true, worker: i + 1, db: 'up', redis: 'up', degraded: false });
      expect(reply.headers.get('x-worker')).toBe(String(i + 1));
    }
  });

  it('the session secret reaches the workers through the environment, never argv or a response', async () => {
    const pids = [fx.service.pid];
    for (const url of [fx.w1, fx.w2]) pids.push((await new Client(url).get('/health')).body.pid);
    for (const pid of pids) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      expect(argv).toContain('src/service/');
      expect(argv).not.toContain(SECRET);
    }
    const me = await admin.get('/admin/cache/stats');
    expect(me.text).not.toContain(SECRET);
  });

  it('the shared port answers too', async () => {
    const reply = await new Client(fx.service.baseUrl).get('/health');
    expect(reply.status).toBe(200);
    expect(['1', '2']).toContain(reply.headers.get('x-worker'));
  });

  it('keeps idle keep-alive connections for Fastify’s 72 s on every port, not Node’s 5 s (the servers are made by the worker)', async () => {
    // Node announces its server's keepAliveTimeout on each keep-alive response; at Node's default of 5 s a client's
    // idle socket is closed and its next request pays a new connection (on the shared port, through the primary)
    const agent = new Agent({ keepAlive: true });
    try {
      for (const url of [fx.service.baseUrl, fx.w1, fx.w2]) {
        const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
          get(`${url}/health/live`, { agent }, (res) => {
            res.resume();
            res.once('end', () => resolve(String(res.headers['keep-alive'])));
          }).once('error', reject);
        });
        expect(keepAlive, url).toBe('timeout=72');
      }
    } finally {
      agent.destroy();
    }
  });

  it('unknown routes are 404 JSON with X-Worker and X-DB-Queries', async () => {
    const reply = await new Client(fx.w2).get('/no/such/route');
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ error: 'not_found' });
    expect(reply.headers.get('x-worker')).toBe('2');
    expect(reply.headers.get('x-db-queries')).toBe('0');
    expect(reply.headers.get('x-cache')).toBeNull();
  });

  it('malformed JSON is 400 JSON', async () => {
    const client = await registerUser(fx.w1);
    const reply = await client.request('PUT', '/api/me/settings', undefined, '{"ctx_max_chat": ');
    expect(reply.status).toBe(400);
    expect(typeof reply.body.error).toBe('string');
  });

  it('an oversized body is 413 JSON', async () => {
    const client = await registerUser(fx.w1);
    const big = JSON.stringify({ short_term: ['x'.repeat(1_100_000)] });
    const reply = await client.request('PUT', `/api/characters/${enc('x')}/memories`, undefined, big);
    expect(reply.status).toBe(413);
    expect(reply.body.error).toMatch(/larger than/);
    expect(reply.headers.get('x-worker')).toBe('1');
  });

  it('GET /metrics exposes latency histograms per route, cache counters and DB statements', async () => {
    const client = await registerUser(fx.w1);
    // until a read is a hit: the invalidator deletes the new user's settings entry when the registration's commit
    // reaches it, which on a busy host can come after the first read stored it (CI: two reads, two misses)
    let hit = false;
    for (let i = 0; i < 50 && !hit; i += 1) {
      hit = (await client.get('/api/me/settings')).headers.get('x-cache') === 'hit';
      if (!hit) await new Promise((r) => setTimeout(r, 50));
    }
    const reply = await new Client(fx.w1).get('/metrics');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('fastnpc_http_request_duration_seconds_bucket');
    expect(reply.text).toMatch(/fastnpc_http_request_duration_seconds_count\{[^}]*route="\/api\/me\/settings"/);
    expect(reply.text).toMatch(/fastnpc_db_statements_total\{[^}]*\} [1-9]/);
    expect(reply.text).toMatch(/fastnpc_service_cache_reads_total\{[^}]*entry="settings"[^}]*outcome="hit"/);
    expect(reply.text).toContain('fastnpc_cache_requests_total');
  });
});

describe('auth', () => {
  it('register sets the signed httponly samesite=lax cookie with an expiry and answers FastNPC’s shape', async () => {
    const client = new Client(fx.w1);
    const username = uniqueName('注册·用户');
    const response = await fetch(`${fx.w1}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'pw-123456' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: { id: number } };
    expect(body).toEqual({ ok: true, user: { id: expect.any(Number), username, is_admin: 0 } });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('fastnpc_auth='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Expires=/i);
    expect(cookie).toMatch(/Max-Age=\d+/i);
    // value.signature; the signature is base64, whose '+' and '/' the cookie serializer may percent-encode
    expect(cookie.split(';')[0]).toMatch(/^fastnpc_auth=[\w-]+\.(?:[\w/+-]|%2B|%2F)+$/);
    expect(cookie).not.toContain('pw-123456');
    client.cookie = cookie.split(';')[0];
    const me = await client.on(fx.w2).get('/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: body.user.id, username, is_admin: 0 });
  });

  it('a duplicate username is 400, bad input is 400 naming the field', async () => {
    const username = uniqueName('dup');
    const client = new Client(fx.w1);
    expect((await client.post('/auth/register', { username, password: 'pw-123456' })).status).toBe(200);
    const dup = await new Client(fx.w2).post('/auth/register', { username, password: 'pw-123456' });
    expect(dup.status).toBe(400);
    expect(dup.body.error).toEqual(expect.any(String));
    const short = await new Client(fx.w2).post('/auth/register', { username: uniqueName('x'), password: '1' });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatch(/^password /);
  });

  it('login: right password 200 + cookie, wrong password 401', async () => {
    const username = uniqueName('login');
    await new Client(fx.w1).post('/auth/register', { username, password: 'right-pass' });
    const bad = await new Client(fx.w2).post('/auth/login', { username, password: 'wrong-pass' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: expect.any(String) });
    const good = new Client(fx.w2);
    const reply = await good.post('/auth/login', { username, password: 'right-pass' });
    expect(reply.status).toBe(200);
    expect(reply.body.user.username).toBe(username);
    expect(good.cookie).toBeDefined();
  });

  it('no cookie, a tampered cookie or a logged-out session is 401 {"error":"unauthorized"}', async () => {
    const client = await registerUser(fx.w1);
    const tampered = new Client(fx.w2);
    const [value, signature] = client.cookie!.slice('fastnpc_auth='.length).split('.');
    const forged = Buffer.from(
      JSON.stringify({ uid: 1, u: 'admin', adm: 1, iat: Math.floor(Date.now() / 1000) }),
    ).toString('base64url');
    tampered.cookie = `fastnpc_auth=${forged}.${signature}`;
    expect(value).not.toBe(forged);
    for (const c of [new Client(fx.w1), tampered]) {
      for (const path of ['/auth/me', '/api/me/settings', '/api/characters', '/admin/cache/stats']) {
        const reply = await c.get(path);
        expect(reply.status, path).toBe(401);
        expect(reply.body).toEqual({ error: 'unauthorized' });
      }
    }
    const out = await client.post('/auth/logout');
    expect(out.status).toBe(200);
    expect(client.cookie).toBeUndefined();
    expect((await client.get('/auth/me')).status).toBe(401);
  });

  it('account delete: wrong password 400, right password deletes the account (login then fails)', async () => {
    const username = uniqueName('bye');
    const client = new Client(fx.w1);
    await client.post('/auth/register', { username, password: 'bye-bye-pw' });
    expect((await client.post('/api/me/delete', { password: 'nope-nope' })).status).toBe(400);
    const ok = await client.post('/api/me/delete', { password: 'bye-bye-pw' });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true });
    expect((await new Client(fx.w2).post('/auth/login', { username, password: 'bye-bye-pw' })).status).toBe(401);
  });
});

describe('settings', () => {
  it('GET answers FastNPC’s defaults; PUT partial updates; both workers agree', async () => {
    const client = await registerUser(fx.w1);
    const first = await client.get('/api/me/settings');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      settings: {
        default_model: null,
        ctx_max_chat: null,
        ctx_max_stm: null,
        ctx_max_ltm: null,
        profile: null,
        max_group_reply_rounds: 3,
        updated_at: 0,
      },
    });
    const put = await client.put('/api/me/settings', { ctx_max_chat: 1200, profile: '喜欢唐诗，也喜欢“宋词”！' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ok: true });
    const after = await client.on(fx.w2).get('/api/me/settings');
    expect(after.body.settings).toMatchObject({
      ctx_max_chat: 1200,
      profile: '喜欢唐诗，也喜欢“宋词”！',
      default_model: null,
    });
    expect(after.body.settings.updated_at).toBeGreaterThan(0);
    await client.put('/api/me/settings', { default_model: 'z-ai/glm-4-32b' });
    const third = await client.get('/api/me/settings');
    expect(third.body.settings).toMatchObject({ ctx_max_chat: 1200, default_model: 'z-ai/glm-4-32b' });
  });

  it.each([
    [{ default_model: 'gpt-9' }, 'default_model'],
    [{ ctx_max_chat: 49 }, 'ctx_max_chat'],
    [{ ctx_max_stm: 5001 }, 'ctx_max_stm'],
    [{ ctx_max_ltm: 'lots' }, 'ctx_max_ltm'],
    [{ profile: '长'.repeat(201) }, 'profile'],
    [{ max_group_reply_rounds: 11 }, 'max_group_reply_rounds'],
    [{ max_group_reply_rounds: 2 }, 'max_group_reply_rounds'],
  ])('PUT %j → 400 naming %s', async (body, field) => {
    const client = await registerUser(fx.w2);
    const reply = await client.put('/api/me/settings', body);
    expect(reply.status).toBe(400);
    expect(reply.body.error.startsWith(`${field} `)).toBe(true);
    expect(reply.body.field).toBe(field);
  });
});

describe('characters', () => {
  it('create → task_id; the task and the character are visible on the other worker at once', async () => {
    const client = await registerUser(fx.w1);
    const created = await client.post('/api/characters', { role: '李白', source: 'baike' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ task_id: expect.any(String) });
    const task = await client.on(fx.w2).get(`/api/tasks/${created.body.task_id}`);
    expect(task.status).toBe(200);
    expect(task.body).toMatchObject({ status: 'done', role: '李白' });
    expect((await client.on(fx.w1).get(`/api/tasks/${created.body.task_id}`)).body.status).toBe('done');
    expect((await client.get('/api/tasks/nope')).status).toBe(404);
    const list = await client.on(fx.w2).get('/api/characters');
    expect(list.body.items).toEqual([
      {
        role: '李白',
        path: expect.stringMatching(/^db:\/\/characters\/\d+$/),
        updated_at: expect.any(Number),
        preview: expect.any(String),
        avatar_url: '',
        is_test_case: false,
      },
    ]);
    const dup = await client.post('/api/characters', { role: '李白' });
    expect(dup.status).toBe(400);
    expect((await client.post('/api/characters', { role: '  ' })).status).toBe(400);
  });

  it('structured: GET nested Chinese sections, PUT replaces sections, unknown role 404 not_found', async () => {
    const client = await registerUser(fx.w1);
    await client.post('/api/characters', { role: '杜甫·诗圣' });
    const got = await client.on(fx.w2).get(`/api/characters/${enc('杜甫·诗圣')}/structured`);
    expect(got.status).toBe(200);
    expect(got.body.基础身份信息.姓名).toBe('杜甫·诗圣');
    expect(got.body.背景故事.经历).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(got.body).not.toHaveProperty('_metadata');
    const put = await client.put(`/api/characters/${enc('杜甫·诗圣')}/structured`, {
      基础身份信息: { 姓名: '杜甫', 年龄: '58' },
      背景故事: { 出身: '京兆杜氏', 经历: ['安史之乱', '客居成都'] },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ok: true });
    const after = await client.on(fx.w2).get(`/api/characters/${enc('杜甫·诗圣')}/structured`);
    expect(after.body.基础身份信息).toMatchObject({ 姓名: '杜甫', 年龄: '58', 性别: null });
    expect(after.body.背景故事).toMatchObject({ 出身: '京兆杜氏', 经历: ['安史之乱', '客居成都'] });
    const missing = await client.get(`/api/characters/${enc('没有这个人')}/structured`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'not_found' });
    expect((await client.put(`/api/characters/${enc('没有这个人')}/structured`, {})).status).toBe(404);
    expect((await client.put(`/api/characters/${enc('杜甫·诗圣')}/structured`, { 基础身份信息: 'x' })).status).toBe(
      400,
    );
  });

  it('memories: GET {short_term,long_term}, PUT replaces, bad body 400, unknown 404', async () => {
    const client = await registerUser(fx.w1);
    await client.post('/api/characters', { role: '林黛玉' });
    const empty = await client.get(`/api/characters/${enc('林黛玉')}/memories`);
    expect(empty.body).toEqual({ short_term: [], long_term: [] });
    const put = await client.on(fx.w2).put(`/api/characters/${enc('林黛玉')}/memories`, {
      short_term: ['葬花', '读《西厢记》'],
      long_term: ['来自姑苏'],
    });
    expect(put.status).toBe(200);
    const after = await client.get(`/api/characters/${enc('林黛玉')}/memories`);
    expect(after.body).toEqual({ short_term: ['葬花', '读《西厢记》'], long_term: ['来自姑苏'] });
    expect((await client.put(`/api/characters/${enc('林黛玉')}/memories`, { short_term: 'x' })).status).toBe(400);
    expect((await client.put(`/api/characters/${enc('无')}/memories`, { short_term: [] })).status).toBe(404);
  });

  it('rename: 200, 404 for a missing character, 400 when the new name exists or is empty', async () => {
    const client = await registerUser(fx.w1);
    await client.post('/api/characters', { role: '孙悟空' });
    await client.post('/api/characters', { role: '猪八戒' });
    const ok = await client.put(`/api/characters/${enc('孙悟空')}/rename`, { new_name: '齐天大圣：孙悟空' });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true });
    const roles = (await client.on(fx.w2).get('/api/characters')).body.items.map((i: { role: string }) => i.role);
    expect(roles).toContain('齐天大圣：孙悟空');
    expect(roles).not.toContain('孙悟空');
    expect((await client.put(`/api/characters/${enc('孙悟空')}/rename`, { new_name: 'x' })).status).toBe(404);
    expect((await client.put(`/api/characters/${enc('猪八戒')}/rename`, { new_name: '齐天大圣：孙悟空' })).status).toBe(
      400,
    );
    expect((await client.put(`/api/characters/${enc('猪八戒')}/rename`, { new_name: '' })).status).toBe(400);
  });

  it('copy: FastNPC’s -副本 / -副本2 names with the profile and memories; 404 for a missing one', async () => {
    const client = await registerUser(fx.w1);
    await client.post('/api/characters', { role: '诸葛亮' });
    await client.put(`/api/characters/${enc('诸葛亮')}/memories`, { short_term: ['草船借箭'] });
    const first = await client.post(`/api/characters/${enc('诸葛亮')}/copy`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ok: true, new_name: '诸葛亮-副本' });
    const second = await client.on(fx.w2).post(`/api/characters/${enc('诸葛亮')}/copy`);
    expect(second.body.new_name).toBe('诸葛亮-副本2');
    const copied = await client.on(fx.w2).get(`/api/characters/${enc('诸葛亮-副本')}/memories`);
    expect(copied.body.short_term).toEqual(['草船借箭']);
    const structured = await client.get(`/api/characters/${enc('诸葛亮-副本2')}/structured`);
    expect(structured.body.基础身份信息.姓名).toBe('诸葛亮');
    expect((await client.post(`/api/characters/${enc('无名')}/copy`)).status).toBe(404);
  });

  it('delete: 200 then 404; hostile names (*, :, ?, spaces, slash) round-trip', async () => {
    const client = await registerUser(fx.w1);
    for (const role of ['*', 'user_settings:1', '问号？还是?', '带 空格', 'a/b 斜杠']) {
      expect((await client.post('/api/characters', { role })).status, role).toBe(200);
      const got = await client.on(fx.w2).get(`/api/characters/${enc(role)}/structured`);
      expect(got.status, role).toBe(200);
      expect(got.body.基础身份信息.姓名).toBe(role);
    }
    const del = await client.delete(`/api/characters/${enc('*')}`);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ ok: true });
    expect((await client.on(fx.w2).get(`/api/characters/${enc('*')}/structured`)).status).toBe(404);
    expect((await client.delete(`/api/characters/${enc('*')}`)).status).toBe(404);
    // the other hostile names survive the delete of '*'
    expect((await client.on(fx.w2).get(`/api/characters/${enc('user_settings:1')}/structured`)).status).toBe(200);
  });
});

describe('chat', () => {
  it('POST answers {"reply"}, GET lists {"messages"} on the other worker; 400 empty content, 404 unknown role', async () => {
    const client = await registerUser(fx.w1);
    await client.post('/api/characters', { role: '苏轼' });
    const sent = await client.post(`/api/chat/${enc('苏轼')}/messages`, { content: '明月几时有？' });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ reply: expect.stringContaining('苏轼') });
    const listed = await client.on(fx.w2).get(`/api/chat/${enc('苏轼')}/messages`);
    expect(listed.status).toBe(200);
    expect(listed.body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(listed.body.messages[0]).toMatchObject({ id: expect.any(Number), content: '明月几时有？' });
    expect((await client.post(`/api/chat/${enc('苏轼')}/messages`, { content: '  ' })).status).toBe(400);
    expect((await client.post(`/api/chat/${enc('无人')}/messages`, { content: 'hi' })).status).toBe(404);
    expect((await client.get(`/api/chat/${enc('苏轼')}/messages?limit=0`)).status).toBe(400);
    expect((await new Client(fx.w1).post(`/api/chat/${enc('苏轼')}/messages`, { content: 'x' })).status).toBe(401);
  });
});

describe('cache admin', () => {
  it('401 without a session, 403 for a non-admin, 200 for the admin (FastNPC answered 403 to the admin)', async () => {
    const user = await registerUser(fx.w1);
    for (const [method, path] of [
      ['GET', '/admin/cache/stats'],
      ['POST', '/admin/cache/clear'],
      ['GET', '/admin/cache/test'],
    ] as const) {
      expect((await new Client(fx.w1).request(method, path)).status, path).toBe(401);
      const forbidden = await user.request(method, path);
      expect(forbidden.status, path).toBe(403);
      expect(forbidden.body).toEqual({ error: 'forbidden' });
    }
    const me = await admin.get('/auth/me');
    expect(me.body.is_admin).toBe(1);
  });

  it('stats: system-wide and per-worker counters plus Redis memory, from either worker', async () => {
    const user = await registerUser(fx.w1);
    await user.get('/api/me/settings');
    await user.on(fx.w2).get('/api/me/settings');
    for (const url of [fx.w1, fx.w2]) {
      const reply = await admin.on(url).get('/admin/cache/stats');
      expect(reply.status).toBe(200);
      const { stats } = reply.body;
      expect(reply.body.ok).toBe(true);
      for (const counters of [stats.system, stats.process]) {
        expect(counters).toMatchObject({
          hits: expect.any(Number),
          misses: expect.any(Number),
          hitRate: expect.any(Number),
        });
      }
      expect(Object.keys(stats.workers).length).toBeGreaterThanOrEqual(1);
      expect(stats.redis).toMatchObject({
        used_memory: expect.any(Number),
        used_memory_peak: expect.any(Number),
        maxmemory: expect.any(Number),
        evicted_keys: expect.any(Number),
        connected: true,
      });
    }
  });

  it('clear: a pattern deletes only matching entries and returns the count; the test route round-trips', async () => {
    const user = await registerUser(fx.w1);
    await user.get('/api/me/settings'); // cached
    const bad = await admin.post(`/admin/cache/clear?pattern=${encodeURIComponent('a\u0001b')}`);
    expect(bad.status).toBe(400);
    const none = await admin.post(`/admin/cache/clear?pattern=${encodeURIComponent('char_list:999999999')}`);
    expect(none.body).toEqual({ ok: true, deleted: 0, pattern: 'char_list:999999999' });
    const cleared = await admin.post(`/admin/cache/clear?pattern=${encodeURIComponent('user_settings:*')}`);
    expect(cleared.status).toBe(200);
    expect(cleared.body.deleted).toBeGreaterThanOrEqual(1);
    expect((await user.get('/api/me/settings')).headers.get('x-cache')).toBe('miss');
    const test = await admin.on(fx.w2).get('/admin/cache/test');
    expect(test.body).toMatchObject({ ok: true, connected: true, roundtrip: true });
  });
});

/**
 * The service's own routes (routes.test.ts runs them on its fixture): health, metrics, the headers every response
 * carries, the 400/404/413 errors, auth (register, login, sessions, account delete) — `systemRoutes` — and the cache
 * admin routes (401/403/200, stats, clear) — `adminRoutes`.
 */
import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Client, enc, registerUser, uniqueName } from '../http.ts';
import type { RoutesContext } from './context.ts';

export function systemRoutes(ctx: RoutesContext): void {
  describe('system routes and headers', () => {
    it('GET /health answers ok with db and redis state on both workers', async () => {
      for (const [i, url] of [ctx.fx.w1, ctx.fx.w2].entries()) {
        const reply = await new Client(url).get('/health');
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ ok: true, worker: i + 1, db: 'up', redis: 'up', degraded: false });
        expect(reply.headers.get('x-worker')).toBe(String(i + 1));
      }
    });

    it('the session secret reaches the workers through the environment, never argv or a response', async () => {
      const pids = [ctx.fx.service.pid];
      for (const url of [ctx.fx.w1, ctx.fx.w2]) pids.push((await new Client(url).get('/health')).body.pid);
      for (const pid of pids) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        expect(argv).toContain('src/service/');
        expect(argv).not.toContain(ctx.secret);
      }
      const me = await ctx.admin.get('/admin/cache/stats');
      expect(me.text).not.toContain(ctx.secret);
    });

    it('the shared port answers too', async () => {
      const reply = await new Client(ctx.fx.service.baseUrl).get('/health');
      expect(reply.status).toBe(200);
      expect(['1', '2']).toContain(reply.headers.get('x-worker'));
    });

    it('keeps idle keep-alive connections for Fastify’s 72 s on every port, not Node’s 5 s (the servers are made by the worker)', async () => {
      // Node announces its server's keepAliveTimeout on each keep-alive response; at Node's default of 5 s a client's
      // idle socket is closed and its next request pays a new connection (on the shared port, through the primary)
      const agent = new Agent({ keepAlive: true });
      try {
        for (const url of [ctx.fx.service.baseUrl, ctx.fx.w1, ctx.fx.w2]) {
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
      const reply = await new Client(ctx.fx.w2).get('/no/such/route');
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ error: 'not_found' });
      expect(reply.headers.get('x-worker')).toBe('2');
      expect(reply.headers.get('x-db-queries')).toBe('0');
      expect(reply.headers.get('x-cache')).toBeNull();
    });

    it('malformed JSON is 400 JSON', async () => {
      const client = await registerUser(ctx.fx.w1);
      const reply = await client.request('PUT', '/api/me/settings', undefined, '{"ctx_max_chat": ');
      expect(reply.status).toBe(400);
      expect(typeof reply.body.error).toBe('string');
    });

    it('an oversized body is 413 JSON', async () => {
      const client = await registerUser(ctx.fx.w1);
      const big = JSON.stringify({ short_term: ['x'.repeat(1_100_000)] });
      const reply = await client.request('PUT', `/api/characters/${enc('x')}/memories`, undefined, big);
      expect(reply.status).toBe(413);
      expect(reply.body.error).toMatch(/larger than/);
      expect(reply.headers.get('x-worker')).toBe('1');
    });

    it('GET /metrics exposes latency histograms per route, cache counters and DB statements', async () => {
      const client = await registerUser(ctx.fx.w1);
      // until a read is a hit: the invalidator deletes the new user's settings entry when the registration's commit
      // reaches it, which on a busy host can come after the first read stored it (CI: two reads, two misses)
      let hit = false;
      for (let i = 0; i < 50 && !hit; i += 1) {
        hit = (await client.get('/api/me/settings')).headers.get('x-cache') === 'hit';
        if (!hit) await new Promise((r) => setTimeout(r, 50));
      }
      const reply = await new Client(ctx.fx.w1).get('/metrics');
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
      const client = new Client(ctx.fx.w1);
      const username = uniqueName('注册·用户');
      const response = await fetch(`${ctx.fx.w1}/auth/register`, {
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
      const me = await client.on(ctx.fx.w2).get('/auth/me');
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ id: body.user.id, username, is_admin: 0 });
    });

    it('a duplicate username is 400, bad input is 400 naming the field', async () => {
      const username = uniqueName('dup');
      const client = new Client(ctx.fx.w1);
      expect((await client.post('/auth/register', { username, password: 'pw-123456' })).status).toBe(200);
      const dup = await new Client(ctx.fx.w2).post('/auth/register', { username, password: 'pw-123456' });
      expect(dup.status).toBe(400);
      expect(dup.body.error).toEqual(expect.any(String));
      const short = await new Client(ctx.fx.w2).post('/auth/register', { username: uniqueName('x'), password: '1' });
      expect(short.status).toBe(400);
      expect(short.body.error).toMatch(/^password /);
    });

    it('login: right password 200 + cookie, wrong password 401', async () => {
      const username = uniqueName('login');
      await new Client(ctx.fx.w1).post('/auth/register', { username, password: 'right-pass' });
      const bad = await new Client(ctx.fx.w2).post('/auth/login', { username, password: 'wrong-pass' });
      expect(bad.status).toBe(401);
      expect(bad.body).toEqual({ error: expect.any(String) });
      const good = new Client(ctx.fx.w2);
      const reply = await good.post('/auth/login', { username, password: 'right-pass' });
      expect(reply.status).toBe(200);
      expect(reply.body.user.username).toBe(username);
      expect(good.cookie).toBeDefined();
    });

    it('no cookie, a tampered cookie or a logged-out session is 401 {"error":"unauthorized"}', async () => {
      const client = await registerUser(ctx.fx.w1);
      const tampered = new Client(ctx.fx.w2);
      const [value, signature] = client.cookie!.slice('fastnpc_auth='.length).split('.');
      const forged = Buffer.from(
        JSON.stringify({ uid: 1, u: 'admin', adm: 1, iat: Math.floor(Date.now() / 1000) }),
      ).toString('base64url');
      tampered.cookie = `fastnpc_auth=${forged}.${signature}`;
      expect(value).not.toBe(forged);
      for (const c of [new Client(ctx.fx.w1), tampered]) {
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
      const client = new Client(ctx.fx.w1);
      await client.post('/auth/register', { username, password: 'bye-bye-pw' });
      expect((await client.post('/api/me/delete', { password: 'nope-nope' })).status).toBe(400);
      const ok = await client.post('/api/me/delete', { password: 'bye-bye-pw' });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ ok: true });
      expect((await new Client(ctx.fx.w2).post('/auth/login', { username, password: 'bye-bye-pw' })).status).toBe(401);
    });
  });
}

export function adminRoutes(ctx: RoutesContext): void {
  describe('cache admin', () => {
    it('401 without a session, 403 for a non-admin, 200 for the admin (FastNPC answered 403 to the admin)', async () => {
      const user = await registerUser(ctx.fx.w1);
      for (const [method, path] of [
        ['GET', '/admin/cache/stats'],
        ['POST', '/admin/cache/clear'],
        ['GET', '/admin/cache/test'],
      ] as const) {
        expect((await new Client(ctx.fx.w1).request(method, path)).status, path).toBe(401);
        const forbidden = await user.request(method, path);
        expect(forbidden.status, path).toBe(403);
        expect(forbidden.body).toEqual({ error: 'forbidden' });
      }
      const me = await ctx.admin.get('/auth/me');
      expect(me.body.is_admin).toBe(1);
    });

    it('stats: system-wide and per-worker counters plus Redis memory, from either worker', async () => {
      const user = await registerUser(ctx.fx.w1);
      await user.get('/api/me/settings');
      await user.on(ctx.fx.w2).get('/api/me/settings');
      for (const url of [ctx.fx.w1, ctx.fx.w2]) {
        const reply = await ctx.admin.on(url).get('/admin/cache/stats');
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
      const user = await registerUser(ctx.fx.w1);
      await user.get('/api/me/settings'); // cached
      const bad = await ctx.admin.post(`/admin/cache/clear?pattern=${encodeURIComponent('a\u0001b')}`);
      expect(bad.status).toBe(400);
      const none = await ctx.admin.post(`/admin/cache/clear?pattern=${encodeURIComponent('char_list:999999999')}`);
      expect(none.body).toEqual({ ok: true, deleted: 0, pattern: 'char_list:999999999' });
      const cleared = await ctx.admin.post(`/admin/cache/clear?pattern=${encodeURIComponent('user_settings:*')}`);
      expect(cleared.status).toBe(200);
      expect(cleared.body.deleted).toBeGreaterThanOrEqual(1);
      expect((await user.get('/api/me/settings')).headers.get('x-cache')).toBe('miss');
      const test = await ctx.admin.on(ctx.fx.w2).get('/admin/cache/test');
      expect(test.body).toMatchObject({ ok: true, connected: true, roundtrip: true });
    });
  });
}

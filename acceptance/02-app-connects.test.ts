/**
 * Criterion 2 — the app connects to Redis: `/admin/cache/test` (admin) reports connected with a working round
 * trip on every worker, and where the target runs the app under its own ACL user, Redis sees the app's
 * connections authenticated as that user.
 */
import { describe, expect, test } from 'vitest';
import { Client } from './support/http.ts';
import { recorder } from './support/record.ts';
import { adminRedis, serverNodes } from './support/redis.ts';
import { round } from './support/stats.ts';
import { adminSession, target, workers } from './support/target.ts';

const rec = recorder('02');

interface CacheTest {
  ok?: boolean;
  connected?: boolean;
  roundtrip?: boolean;
  latency_ms?: number;
}

describe('02 the app connects to Redis', () => {
  test('/admin/cache/test reports connected on every worker', async () => {
    const admin = await adminSession();
    const bases = [...new Set(workers())];
    const results: string[] = [];
    let allConnected = true;
    for (const base of bases) {
      const reply = await admin.on(base).get<CacheTest>('/admin/cache/test');
      if (reply.status !== 200) {
        // the figure below is the row's headline: a closed route must show there, not only in a note
        allConnected = false;
        results.push(`GET ${base}/admin/cache/test → ${reply.status} ${reply.text.slice(0, 200)}`);
        continue;
      }
      const connected = reply.body?.connected === true;
      allConnected &&= connected && reply.body?.roundtrip !== false;
      results.push(
        `worker ${reply.worker ?? '?'}: connected=${reply.body?.connected} roundtrip=${reply.body?.roundtrip}`,
      );
      if (typeof reply.body?.latency_ms === 'number') {
        rec.figure(`cache test latency (worker ${reply.worker ?? '?'})`, round(reply.body.latency_ms), 'ms', '', null);
      }
    }
    rec.note(results.join('; '));
    expect(
      rec.figure(
        'workers reporting connected (/admin/cache/test)',
        `${allConnected ? bases.length : 0}/${bases.length}`,
        '',
        'all',
        allConnected,
      ),
      results.join('; '),
    ).toBe(true);
  });

  test('a request without a session is refused (401), a non-admin is refused (403)', async () => {
    const anonymous = new Client(target().baseUrl);
    expect((await anonymous.get('/admin/cache/test')).status).toBe(401);
    const user = target().users[0];
    if (user) {
      const client = new Client(target().baseUrl);
      await client.login(user.username, user.password);
      expect((await client.get('/admin/cache/test')).status).toBe(403);
    }
  });

  test('the app authenticates to Redis (as its ACL user where one is configured)', async () => {
    const appUser = target().appRedisUser;
    const redis = adminRedis();
    try {
      // every server the app connects to (a Cluster: every primary)
      let list = '';
      for (const node of await serverNodes(redis)) list += `${String(await node.call('CLIENT', 'LIST'))}\n`;
      const clients = list
        .split('\n')
        .filter(Boolean)
        .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('=') as [string, string])));
      const users = new Map<string, number>();
      for (const c of clients) users.set(c.user ?? '?', (users.get(c.user ?? '?') ?? 0) + 1);
      rec.note(`Redis clients by user: ${[...users].map(([u, n]) => `${u}=${n}`).join(', ')}`);
      if (appUser) {
        const n = users.get(appUser) ?? 0;
        expect(rec.figure(`connections as ACL user "${appUser}"`, n, '', '>= 1', n >= 1)).toBe(true);
      } else {
        rec.figure('connections (no app ACL user configured on this target)', clients.length, '', '', null);
      }
      try {
        const requirePass = (await redis.config('GET', 'requirepass')) as string[];
        rec.figure('requirepass set', requirePass[1] ? 'yes' : 'no', '', '', null);
      } catch (error) {
        rec.note(`CONFIG GET not permitted on this target: ${(error as Error).message}`);
      }
    } finally {
      redis.disconnect();
    }
  });
});

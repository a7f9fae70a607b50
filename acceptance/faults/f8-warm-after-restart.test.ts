/**
 * F8 — warm after restart (the plan: "RDB snapshots so the cache survives a restart warm"). On a private stack (the
 * repository's redis.conf, the two-worker service with the commit-log invalidator): the chat workload fills the cache,
 * Redis is restarted cleanly (SIGTERM → it saves → start on that snapshot) while settings writes go on during the
 * downtime, then the plan's chat workload runs for one minute. Guarded: hit rate over that first minute ≥ 90 %, and
 * over its first 10 s too (every user's first message after the restart), and no cached settings entry older than
 * PostgreSQL (the restore-aware invalidator replays the writes the snapshot missed). Control: the same with
 * persistence off (`save ""`: nothing saved, a cold start) must fail. Local target only.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { CORRUPT, decode, keys } from '../../src/cache/index.ts';
import { startService } from '../../src/service/cluster.ts';
import { privateRedisPassword, startLocalStack } from '../../src/stack/index.ts';
import { pacedChatWorkload } from '../support/paced-workload.ts';
import { recorder } from '../support/record.ts';
import { sleep } from '../support/stats.ts';
import { target } from '../support/target.ts';
import { chatWorkload, loginAll } from '../support/workload.ts';

const ROW_TIMEOUT_MS = 600_000;
const USERS = 50;
const WRITERS = 10;
/** The plan's pace: 10 messages a minute per user, one minute. */
const INTERVAL_MS = 6_000;
const MESSAGES = 10;
const FIRST_SLOT_MS = 10_000;

interface Run {
  hitRate: number;
  firstSlotHitRate: number;
  stale: number;
  compared: number;
  failed: number;
  examples: string[];
  loadedKeys: string;
}

async function runRestart(persistence: boolean): Promise<Run> {
  const stack = await startLocalStack({
    redisUrl: '',
    databaseUrl: '',
    redisServer: { password: privateRedisPassword(), ...(persistence ? {} : { extraArgs: ['--save', ''] }) },
  });
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  const admin = new Redis(stack.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  admin.on('error', () => {});
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  try {
    service = await startService({
      databaseUrl: stack.databaseUrl,
      redisUrl: stack.redisUrl,
      seed: { users: USERS, characters: 1, memories: 2 },
      env: { LOG_LEVEL: 'fatal', FASTNPC_INVALIDATOR: 'on', CACHE_COMMAND_TIMEOUT_MS: '250' },
      startTimeoutMs: 150_000,
    });
    const users = service.seed!.users.filter((u) => u.characters.length > 0 && u.username !== 'admin').slice(0, USERS);
    const sessions = await loginAll(service.baseUrl, users);
    // fill: every user's settings, character id and profile cached
    await chatWorkload(sessions, 2);
    await db.connect();
    // the clean restart: SIGTERM (Redis saves when it has save rules), settings written while it is down, start
    await stack.redis!.terminate();
    const writer = sessions.slice(0, WRITERS);
    for (const [i, s] of writer.entries()) {
      const w1 = s.client.on(service.workerUrls[0]!);
      await w1.put('/api/me/settings', { profile: `written during the restart ${i}` });
    }
    await stack.redis!.restart();
    await admin.connect();
    const loadedKeys = (await admin.info('keyspace')).split('\r\n').find((l) => l.startsWith('db0')) ?? 'db0: empty';
    // the workers use Redis again (breakers closed) before the minute starts
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const up = await Promise.all(
        service.workerUrls.map((u) =>
          fetch(`${u}/health`)
            .then((r) => r.json() as Promise<{ redis: string }>)
            .then((h) => h.redis === 'up')
            .catch(() => false),
        ),
      );
      if (up.every(Boolean)) break;
      await sleep(200);
    }
    const minute = await pacedChatWorkload(sessions, {
      intervalMs: INTERVAL_MS,
      messagesPerUser: MESSAGES,
      slotMs: FIRST_SLOT_MS,
    });
    const total = minute.entryHits + minute.entryMisses;
    // no settings entry older than PostgreSQL (an absent entry is fine)
    let stale = 0;
    let compared = 0;
    const examples: string[] = [];
    for (const user of service.seed!.users) {
      const raw = await admin.get(`fastnpc:${keys.userSettings(user.id)}`);
      if (raw === null) continue;
      compared++;
      const row = await db.query<{ profile: string | null }>('SELECT profile FROM user_settings WHERE user_id = $1', [
        user.id,
      ]);
      const want = row.rows[0]?.profile ?? null;
      const stored = decode<{ profile?: string | null }>(raw); // the cache's own decoder: any value format it reads
      const cachedProfile = stored === CORRUPT ? '(unreadable entry)' : (stored?.profile ?? null);
      if (cachedProfile !== want) {
        stale++;
        if (examples.length < 3) examples.push(`user ${user.id}: cached ${cachedProfile}, PostgreSQL ${want}`);
      }
    }
    return {
      hitRate: total > 0 ? (minute.entryHits / total) * 100 : 0,
      firstSlotHitRate: minute.hitRateSeries[0]?.[1] ?? 0,
      stale,
      compared,
      failed: minute.failed,
      examples,
      loadedKeys,
    };
  } finally {
    admin.disconnect();
    await db.end().catch(() => {});
    await service?.stop().catch(() => {});
    await stack.stop();
  }
}

describe('F8 Warm after restart: Redis SIGTERM → save → start under the chat workload', () => {
  const rec = recorder('F8');
  const local = (skip: () => void): boolean => {
    const info = target();
    if (info.kind === 'local' && !info.redisTopology) return true;
    rec.note(`runs on the local target's own one-server stack only (this is a ${info.kind} target)`);
    skip();
    return false;
  };

  test(
    'snapshots on: the first minute after a clean restart hits ≥ 90 % (first 10 s too), no stale entry',
    async (ctx) => {
      if (!local(() => ctx.skip())) return;
      const r = await runRestart(true);
      console.log(`[F8] guarded: ${JSON.stringify(r)}`);
      const ok = [
        rec.figure('hit rate, first minute after the restart', +r.hitRate.toFixed(2), '%', '>= 90', r.hitRate >= 90),
        rec.figure('hit rate, first 10 s', r.firstSlotHitRate, '%', '>= 90', r.firstSlotHitRate >= 90),
        rec.figure('stale settings entries', r.stale, 'entries', '= 0', r.stale === 0),
        rec.figure('failed messages', r.failed, '', '= 0', r.failed === 0),
      ];
      rec.headline('hit rate, first minute after the restart');
      rec.figure('settings entries compared with PostgreSQL', r.compared, 'entries', '', null);
      rec.note(`keys loaded from the snapshot: ${r.loadedKeys}`);
      if (r.examples.length > 0) rec.note(`stale: ${r.examples.join('; ')}`);
      expect(ok, JSON.stringify(r)).toEqual([true, true, true, true]);
    },
    ROW_TIMEOUT_MS,
  );

  test(
    'control: the same restart with persistence off (save "") starts cold and fails',
    async (ctx) => {
      if (!local(() => ctx.skip())) return;
      const r = await runRestart(false);
      console.log(`[F8] control: ${JSON.stringify(r)}`);
      const caught = r.hitRate < 90 || r.firstSlotHitRate < 90;
      expect(
        rec.figure(
          'control (persistence off): first-minute or first-10-s hit rate below 90 %',
          `${r.hitRate.toFixed(1)} % / ${r.firstSlotHitRate} %`,
          '',
          'one < 90',
          caught,
        ),
        JSON.stringify(r),
      ).toBe(true);
    },
    ROW_TIMEOUT_MS,
  );
});

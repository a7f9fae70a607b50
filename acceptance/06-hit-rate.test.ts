/**
 * Criterion 6 — hit rate > 90 % under the plan's workload at the plan's rate, with TTLs expiring: 100 users online,
 * each sending 10 chat messages per minute to one of their characters for 10 minutes (100 each), from an empty cache
 * (the cold start counts). The figure is the honest system-wide hit rate over that whole window, the misses after
 * every expiry included — not a short burst whose rate is 1 − 1/N by construction.
 *
 * Time: on an embedded target the run is scaled by TIME_SCALE: a twin of the target's service (support/twin.ts, its
 * own key namespace) runs with the plan's TTLs divided by it (profile 300 s → 60 s, list 60 s → 12 s; settings and
 * character ids have none) and every user's pacing is divided by it too (6 s → 1.2 s), so 10 simulated minutes take
 * 2 real minutes and every entry expires as often, per message, as at the plan's rate. An external target's TTLs
 * cannot be scaled: it runs in real time (10 minutes), and the row says so.
 * Counters through the strongest channel: the twin's (or target's) system counters in Redis, else /admin/cache/stats,
 * else Redis's keyspace_hits/misses; X-Cache-Detail is an extra.
 * Control (embedded targets): the same run and judgement against a twin whose profile TTL (1 s) is shorter than the
 * pacing interval must fall below 90 % and fail.
 * Deploy scope (ACCEPTANCE_SCOPE=deploy, the gate's default) on an embedded target: 25 users with time scaled ×20
 * (profile TTL 15 s, list 3 s, one message per user every 0.3 s) — the same messages per TTL per user as the plan, so
 * the same expected rate and the same expiries, in 30 real seconds instead of 2 minutes; the same request rate on the
 * host (≈ 83 chats/s); the control over 1 simulated minute instead of 2, run beside the row's own run (its own twin,
 * namespace, users and counters). The full scope runs the 100 users at ×5 and the control after the row.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { currentScope } from './rows.ts';
import type { Client } from './support/http.ts';
import { deleteGlobs, emptyEntries, keyProfile } from './support/observe.ts';
import { type PacedResult, pacedChatWorkload } from './support/paced-workload.ts';
import { recorder } from './support/record.ts';
import { adminRedis, keyspaceCounters } from './support/redis.ts';
import { round, sleep, summarize } from './support/stats.ts';
import { adminSession, target } from './support/target.ts';
import { startTwin, type Twin } from './support/twin.ts';
import { loginAll, type Session } from './support/workload.ts';

const rec = recorder('06');
/** The plan: 100 users online, 10 messages per user per minute; its TTLs (profile 300 s, list 60 s). */
const PLAN = { users: 100, perMinute: 10, minutes: 10, profileTtl: 300, listTtl: 60 } as const;
const DEPLOY = currentScope() === 'deploy';
/**
 * Simulated seconds per real second on an embedded target (TTLs and pacing divided by it) and the users it runs:
 * per user, messages per TTL are the plan's either way (the deploy scope trades users for time).
 */
const EMBEDDED_RUN = DEPLOY ? { timeScale: 20, users: 25 } : { timeScale: 5, users: PLAN.users };
/**
 * An external target runs in real time: 10 minutes in the full scope; the deploy scope (a gate on every deploy,
 * ≤ 5 minutes in all) runs 3 with 50 users — the list TTL (60 s) expires three times, the profile TTL (300 s) not at
 * all, so its rate is an upper estimate of the plan's, and the row says so; the full scope proves the plan's window.
 */
const EXTERNAL_RUN = DEPLOY ? { minutes: 3, users: 50 } : { minutes: PLAN.minutes, users: PLAN.users };
/** The control's time scale: its 1 s profile TTL must stay shorter than its pacing interval (6 s / 5 = 1.2 s). */
const TIME_SCALE = 5;
/** The control: a profile TTL shorter than the pacing interval, 30 of the users for 2 (deploy: 1) simulated minutes. */
const CONTROL = { profileTtl: 1, listTtl: 1, minutes: DEPLOY ? 1 : 2, users: 30 } as const;
const BOUND = 90;
/** Chat requests that may fail (transport errors on a saturated host), reported; more fail the row. */
const MAX_FAILED_SHARE = 0.001;
/** On a host that cannot keep the pace, up to this share of 503s (the service shedding load) is the host's. */
const MAX_FAILED_SHARE_BUSY = 0.05;
const redis = adminRedis();
afterAll(() => redis.quit());

interface Counters {
  channel: string;
  hits: number;
  misses: number;
}

/** System hits/misses: the twin's counters in Redis, the stats route, the target's counters in Redis, or keyspace. */
async function systemCounters(admin: Client | undefined, statsHash?: string): Promise<Counters> {
  if (statsHash) {
    const h = await redis.hgetall(statsHash);
    return { channel: `Redis ${statsHash}`, hits: Number(h.hits ?? 0), misses: Number(h.misses ?? 0) };
  }
  if (admin) {
    const r = await admin.get<{ stats?: { system?: { hits: number; misses: number } } }>('/admin/cache/stats');
    const sys = r.body?.stats?.system;
    if (r.status === 200 && sys && typeof sys.hits === 'number') {
      return { channel: '/admin/cache/stats', hits: sys.hits, misses: sys.misses };
    }
  }
  const hash = keyProfile().statsHash;
  if (hash) {
    const h = await redis.hgetall(hash);
    return { channel: `Redis ${hash}`, hits: Number(h.hits ?? 0), misses: Number(h.misses ?? 0) };
  }
  return { channel: 'Redis keyspace_hits/misses', ...(await keyspaceCounters(redis)) };
}

interface HitRateRun {
  rate: number;
  hits: number;
  misses: number;
  channel: string;
  simulatedMinutes: number;
  run: PacedResult;
  keyspace: { hits: number; misses: number };
}

/** The row's measurement: the paced run over `minutes` simulated minutes, from entries emptied in Redis. */
async function measure(
  sessions: Session[],
  scale: number,
  minutes: number,
  where: { twin?: Twin; admin?: Client },
): Promise<HitRateRun> {
  if (where.twin) {
    const twin = where.twin;
    await deleteGlobs(
      redis,
      keyProfile().entryGlobs.map((g) => twin.key(g)),
    );
  } else await emptyEntries(redis);
  // Let every worker flush its counters so the "before" snapshot is complete.
  await sleep(1_500);
  const before = await systemCounters(where.admin, where.twin?.statsHash);
  const ksBefore = await keyspaceCounters(redis);
  const intervalMs = 60_000 / PLAN.perMinute / scale;
  const run = await pacedChatWorkload(sessions, {
    intervalMs,
    messagesPerUser: PLAN.perMinute * minutes,
    ...(where.twin ? { base: where.twin.baseUrl } : {}),
  });
  await sleep(1_500);
  const after = await systemCounters(where.admin, where.twin?.statsHash);
  const ksAfter = await keyspaceCounters(redis);
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  return {
    rate: (hits / Math.max(1, hits + misses)) * 100,
    hits,
    misses,
    channel: after.channel,
    simulatedMinutes: (run.windowMs * scale) / 60_000,
    run,
    keyspace: { hits: ksAfter.hits - ksBefore.hits, misses: ksAfter.misses - ksBefore.misses },
  };
}

/** The judgement: the rate over the whole window is above the bound, the window spans ≥ the plan's minutes. */
function judge(m: HitRateRun, minutes: number): string[] {
  const reasons: string[] = [];
  if (m.hits + m.misses === 0) reasons.push('the run produced no cache reads');
  if (!(m.rate > BOUND)) reasons.push(`hit rate ${round(m.rate, 2)} % not > ${BOUND} %`);
  if (m.simulatedMinutes < minutes) reasons.push(`window ${round(m.simulatedMinutes, 1)} simulated min < ${minutes}`);
  if (m.run.failed > MAX_FAILED_SHARE * m.run.messages)
    reasons.push(`${m.run.failed} chat requests failed: ${m.run.errors.join(' | ')}`);
  return reasons;
}

async function sessionsOf(count: number, from = 0): Promise<Session[]> {
  const users = target().users.slice(from, from + count);
  expect(users.length, 'users with characters').toBeGreaterThanOrEqual(Math.min(count, 10));
  return loginAll(target().baseUrl, users);
}

const scaledTtls = (scale: number): Record<string, string> => ({
  CACHE_TTL_PROFILE_SECONDS: String(PLAN.profileTtl / scale),
  CACHE_TTL_LIST_SECONDS: String(PLAN.listTtl / scale),
});

/** The control's measurement on its own twin; undefined where no twin can start (an external target). */
async function runControl(): Promise<HitRateRun | undefined> {
  const twin = await startTwin({
    cache: 'on',
    namespace: 'acc_hitrate_ctl',
    env: { CACHE_TTL_PROFILE_SECONDS: String(CONTROL.profileTtl), CACHE_TTL_LIST_SECONDS: String(CONTROL.listTtl) },
  });
  if (!twin) return undefined;
  try {
    // in the deploy scope it runs beside the row: other users than the row's, so no session or entry is shared
    const sessions = await sessionsOf(CONTROL.users, DEPLOY ? EMBEDDED_RUN.users : 0);
    return await measure(sessions, TIME_SCALE, CONTROL.minutes, { twin });
  } finally {
    await twin.stop();
  }
}

/** Deploy scope, embedded target: the control, started beside the row's own run (see the header). */
let control: Promise<HitRateRun | undefined> | undefined;

describe('06 hit rate > 90 % under the chat workload at the plan rate', () => {
  test(`users × ${PLAN.perMinute} messages/min for ${PLAN.minutes} (simulated) minutes, TTLs expiring`, {
    timeout: 1_200_000,
  }, async () => {
    const embedded = target().kind !== 'external';
    const scale = embedded ? EMBEDDED_RUN.timeScale : 1;
    const users = embedded ? EMBEDDED_RUN.users : EXTERNAL_RUN.users;
    const minutes = embedded ? PLAN.minutes : EXTERNAL_RUN.minutes;
    let twin: Twin | undefined;
    let admin: Client | undefined;
    if (embedded && DEPLOY) {
      control = runControl();
      // judged by the control test; a failure here must not go unhandled meanwhile
      control.catch(() => undefined);
    }
    if (embedded) {
      // the target in scaled time: its emulated defects too (the gate's defect matrix)
      twin = await startTwin({
        cache: 'on',
        namespace: 'acc_hitrate',
        defects: target().defects,
        env: scaledTtls(scale),
      });
      expect(twin, 'a twin with scaled TTLs on the embedded target').toBeDefined();
      rec.note(
        `time scaled ×${scale}: a twin of the service (namespace acc_hitrate, no commit-log invalidator) with TTLs profile ${PLAN.profileTtl / scale} s, list ${PLAN.listTtl / scale} s; one message per user every ${60 / PLAN.perMinute / scale} s`,
      );
    } else {
      rec.note(
        `external target: its TTLs cannot be scaled, so the run is in real time (${minutes} minutes, one message per user every ${60 / PLAN.perMinute} s) against its own TTLs${minutes < PLAN.minutes ? `; deploy scope: ${minutes} of the plan's ${PLAN.minutes} minutes, so the profile TTL (${PLAN.profileTtl} s) never expires within it and the rate is an upper estimate (--scope full runs the plan's window)` : ''}`,
      );
      try {
        admin = await adminSession();
        if ((await admin.get('/admin/cache/stats')).status !== 200) admin = undefined;
      } catch {
        admin = undefined;
      }
    }
    try {
      const sessions = await sessionsOf(users);
      rec.figure('users online', sessions.length, '', '', null);
      const m = await measure(sessions, scale, minutes, { twin, admin });
      let reasons = judge(m, minutes);
      // The host, not the app: failed chats that are all the service shedding load (503) while the workload could
      // not keep its pace (< 80 % of the plan's messages per simulated minute: 1.8–3.1 of 10 at load 25–38, with
      // 24–141 of 5,000 chats answering 503 database_unavailable), the hit rate itself within its bound. A service
      // that fails chats on a host that keeps the pace still FAILs.
      const perMinute = m.run.messages / sessions.length / Math.max(m.simulatedMinutes, 1e-9);
      const failedOnly = reasons.length > 0 && reasons.every((r) => r.includes('chat requests failed'));
      const hostBusy =
        failedOnly &&
        perMinute < PLAN.perMinute * 0.8 &&
        m.run.errors.every((e) => e.startsWith('503')) &&
        m.run.failed <= MAX_FAILED_SHARE_BUSY * m.run.messages;
      if (hostBusy) reasons = [];
      const lat = summarize(m.run.latencies);
      const late = summarize(m.run.lateness);
      const ok = rec.figure(
        `system-wide hit rate over the window (${m.channel})`,
        round(m.rate, 2),
        '%',
        `> ${BOUND} %`,
        m.rate > BOUND,
      );
      rec.figure(
        'system hits / misses during the run (misses after expiry included)',
        `${m.hits} / ${m.misses}`,
        '',
        '',
        null,
      );
      const windowOk = rec.figure(
        'window, simulated minutes',
        round(m.simulatedMinutes, 2),
        'min',
        `>= ${minutes}`,
        m.simulatedMinutes >= minutes,
      );
      rec.figure(
        'chat requests failed',
        m.run.failed,
        '',
        `<= ${MAX_FAILED_SHARE * 100} % of messages`,
        hostBusy ? null : m.run.failed <= MAX_FAILED_SHARE * m.run.messages,
      );
      if (m.run.failed > 0) rec.note(`failed chat requests: ${m.run.errors.join(' | ')}`);
      rec.figure('time scale (TTLs and pacing divided by it)', scale, 'x', '', null);
      rec.figure('chat messages', m.run.messages, '', '', null);
      rec.figure(
        'messages per user per simulated minute (plan: 10; fewer when the host cannot keep the pace)',
        round(m.run.messages / sessions.length / m.simulatedMinutes, 2),
        '',
        '',
        null,
      );
      rec.figure('sent behind schedule, p95', round(late.p95), 'ms', '', null);
      rec.figure('chat latency p95', round(lat.p95), 'ms', '', null);
      rec.figure(
        'Redis keyspace hit rate (INFO keyspace_hits/misses, extra)',
        round((m.keyspace.hits / Math.max(1, m.keyspace.hits + m.keyspace.misses)) * 100, 2),
        '%',
        '',
        null,
      );
      if (m.run.hitRateSeries.length > 0)
        rec.series({
          name: 'hit rate per simulated minute (X-Cache-Detail; x = simulated seconds)',
          unit: '%',
          points: m.run.hitRateSeries.map(([minute, rate]) => [minute * 60, rate]),
        });
      if (m.run.entryHits + m.run.entryMisses > 0)
        rec.figure(
          'hit rate seen by clients (X-Cache-Detail, extra)',
          round((m.run.entryHits / (m.run.entryHits + m.run.entryMisses)) * 100, 2),
          '%',
          '',
          null,
        );
      rec.headline(`system-wide hit rate over the window (${m.channel})`);
      for (const r of reasons) rec.note(r);
      if (hostBusy) {
        rec.hostTooBusy(
          `host too busy: ${m.run.failed} of ${m.run.messages} chats answered 503 while the workload kept ${round(perMinute, 1)} of ${PLAN.perMinute} messages per user per simulated minute (hit rate ${round(m.rate, 2)} %) — run it again on a quieter host`,
        );
      }
      expect(ok && windowOk && reasons.length === 0, reasons.join('; ')).toBe(true);
    } finally {
      await twin?.stop();
    }
  });

  test(`control: a profile TTL (${CONTROL.profileTtl} s) shorter than the pacing interval falls below ${BOUND} % and fails`, {
    timeout: 600_000,
  }, async (ctx) => {
    const m = await (control ?? runControl());
    if (!m) {
      rec.note('control not run: a twin with short TTLs needs the embedded target');
      return ctx.skip();
    }
    const reasons = judge(m, CONTROL.minutes);
    rec.figure(
      `control (${CONTROL.users} users, profile TTL ${CONTROL.profileTtl} s < ${60 / PLAN.perMinute / TIME_SCALE} s pacing): hit rate`,
      round(m.rate, 2),
      '%',
      '',
      null,
    );
    rec.note(`control fails as it must: ${reasons.join('; ')}`);
    expect(m.rate).toBeLessThan(BOUND);
    expect(reasons.join('; ')).toContain(`not > ${BOUND} %`);
  });
});

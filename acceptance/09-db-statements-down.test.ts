/**
 * Criterion 9 — DB statements down >= 80 %: the same chat workload (100 users, a first message each, then 9 more)
 * uncached and cached (cold cache at the start), counted by PostgreSQL itself (pg_stat_statements, else
 * pg_stat_database) and, as an extra, by the service (sum of X-DB-Queries). The uncached baseline: a twin with
 * CACHE_MODE=off (local), the deployment at CACHE_OFF_BASE_URL, or — on a target with no cache-off switch — the
 * target itself with its entries emptied in Redis before every message, so every cached read misses.
 * Gating: the reduction after the cold start (every user has sent a first message; the plan's "~50/min after").
 * The whole run including the cold start is reported beside it.
 * Deploy scope (ACCEPTANCE_SCOPE=deploy): 50 users instead of 100 — every user's statements fall the same way
 * (cold start, then cached reads), so the reduction is the same; half the chats.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startService } from '../src/service/cluster.ts';
import { setting } from './config.ts';
import { currentScope } from './rows.ts';
import { deleteGlobs, emptyEntries, keyProfile, uidOf } from './support/observe.ts';
import { recorder } from './support/record.ts';
import { adminRedis } from './support/redis.ts';
import { type StatementCounter, statementCounter } from './support/statements.ts';
import { round } from './support/stats.ts';
import { target } from './support/target.ts';
import { chatWorkload, loginAll, type Session } from './support/workload.ts';

const rec = recorder('09');
const USERS = currentScope() === 'deploy' ? 50 : 100;
const STEADY_MESSAGES = 9;
const BOUND = 80;

let offService: { baseUrl: string; stop(): Promise<void> } | undefined;
let counter: StatementCounter | undefined;
let offBase: string | undefined;
const redis = adminRedis();

beforeAll(async () => {
  const t = target();
  offBase = setting('CACHE_OFF_BASE_URL');
  if (!offBase && t.kind !== 'external' && t.databaseUrl && t.serviceEnv) {
    // A twin of the target's service on the same database, with the cache off (same session secret).
    const { REDIS_URL: _url, REDIS_PASSWORD: _pw, ...env } = t.serviceEnv;
    offService = await startService({
      port: 0,
      workers: 2,
      databaseUrl: t.databaseUrl,
      cacheMode: 'off',
      env,
      seed: false,
    });
    offBase = offService.baseUrl;
  }
  if (t.databaseUrl) counter = await statementCounter(t.databaseUrl);
});

afterAll(async () => {
  await offService?.stop();
  await counter?.close();
  redis.disconnect();
});

interface Phase {
  pgCold: number;
  pgSteady: number;
  svcCold: number;
  svcSteady: number;
  steadyMessages: number;
  coldMessages: number;
  headers: boolean;
}

async function measure(
  sessions: Session[],
  base: string,
  beforeEach?: (session: number) => Promise<void>,
): Promise<Phase> {
  const c = counter as StatementCounter;
  const start = await c.count();
  const cold = await chatWorkload(sessions, 1, { base, beforeEach });
  const mid = await c.count();
  const steady = await chatWorkload(sessions, STEADY_MESSAGES, { base, beforeEach });
  const end = await c.count();
  const failed = cold.failed + steady.failed;
  if (failed > 0) throw new Error(`${failed} chat requests failed: ${[...cold.errors, ...steady.errors].join(' | ')}`);
  return {
    pgCold: mid - start,
    pgSteady: end - mid,
    svcCold: cold.dbQueries,
    svcSteady: steady.dbQueries,
    coldMessages: cold.messages,
    steadyMessages: steady.messages,
    headers: cold.headers || steady.dbQueries > 0,
  };
}

describe('09 DB statements down >= 80 %', () => {
  test('the chat workload uncached and cached, counted by PostgreSQL', { timeout: 900_000 }, async (ctx) => {
    if (!counter) {
      rec.notMeasurable('needs DATABASE_URL: statements are counted by PostgreSQL');
      ctx.skip();
      return;
    }
    const users = target().users.slice(0, USERS);
    const sessions = await loginAll(target().baseUrl, users);
    let off: Phase;
    if (offBase) {
      rec.note(`uncached baseline: ${setting('CACHE_OFF_BASE_URL') ? 'CACHE_OFF_BASE_URL' : 'a CACHE_MODE=off twin'}`);
      off = await measure(sessions, offBase);
    } else {
      // No cache-off switch: every message of the baseline starts with the user's entries (and shared ones such as
      // prompt templates) deleted in Redis, so each cached read misses and loads from PostgreSQL.
      rec.note('uncached baseline: the target itself, its entries emptied in Redis before every message');
      const uids = await Promise.all(sessions.map((s) => uidOf(s.client)));
      const shared = keyProfile().entryGlobs.filter((g) => g.startsWith('prompt:'));
      off = await measure(sessions, target().baseUrl, async (i) => {
        await deleteGlobs(redis, [...keyProfile().userGlobs(uids[i] as number), ...shared]);
      });
    }
    await emptyEntries(redis);
    const on = await measure(sessions, target().baseUrl);

    rec.note(`statements counted by ${counter.source}`);
    const steadyReduction = (1 - on.pgSteady / Math.max(1, off.pgSteady)) * 100;
    const wholeReduction = (1 - (on.pgCold + on.pgSteady) / Math.max(1, off.pgCold + off.pgSteady)) * 100;
    const ok = rec.figure(
      `statements down after the cold start (${counter.source})`,
      round(steadyReduction, 2),
      '%',
      `>= ${BOUND} %`,
      steadyReduction >= BOUND,
    );
    rec.figure(
      `statements down over the whole run incl. cold start (${counter.source})`,
      round(wholeReduction, 2),
      '%',
      '',
      null,
    );
    rec.figure(
      'PostgreSQL statements per message, cache off',
      round(off.pgSteady / off.steadyMessages, 2),
      '',
      '',
      null,
    );
    rec.figure(
      'PostgreSQL statements per message, cache on (warm)',
      round(on.pgSteady / on.steadyMessages, 2),
      '',
      '',
      null,
    );
    rec.figure(
      'PostgreSQL statements per message, cache on (cold)',
      round(on.pgCold / on.coldMessages, 2),
      '',
      '',
      null,
    );
    rec.figure('messages per mode', on.coldMessages + on.steadyMessages, '', '', null);
    if (on.headers) {
      const svcSteady = (1 - on.svcSteady / Math.max(1, off.svcSteady)) * 100;
      const svcWhole = (1 - (on.svcCold + on.svcSteady) / Math.max(1, off.svcCold + off.svcSteady)) * 100;
      rec.figure(
        'statements down after the cold start (service X-DB-Queries, extra)',
        round(svcSteady, 2),
        '%',
        '',
        null,
      );
      rec.figure('statements down over the whole run (service X-DB-Queries)', round(svcWhole, 2), '%', '', null);
      // The service's own count and PostgreSQL's must tell the same story (within 10 % of each other).
      const agree = Math.abs(on.svcSteady - on.pgSteady) <= Math.max(10, on.pgSteady * 0.1);
      rec.figure(
        'service count agrees with PostgreSQL (cache on, warm; extra)',
        `${on.svcSteady} vs ${on.pgSteady} (${agree ? 'within' : 'outside'} ±10 %)`,
        '',
        '',
        null,
      );
    } else {
      rec.note('target sends no X-DB-Queries: only PostgreSQL counted');
    }
    expect(ok).toBe(true);
  });
});

/**
 * FastNPC defect (seen running it): each character-list cache miss leaked a pool connection; after ~50 misses on a
 * worker every list took ≈ 5 s and answered `{"items":[]}` with 200, and a settings write answered 500. The harness
 * deletes the list entry in Redis before each read, so >= 200 consecutive reads on one worker are all misses; each
 * must answer within the bound with the user's characters, and a write must still succeed afterwards.
 * The reads must be misses, or 200/200 proves nothing (with a list key the harness does not know, e.g. one shared by
 * every user, every read after the first is a hit): a read counts as a miss by the app's own signal where it sends
 * one (X-Cache-Detail `list=miss`), else when the entry the harness deleted is back in Redis within 250 ms of it. With every answer right but not every read a confirmed miss, the row is NOT MEASURABLE.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { keyProfile, uidOf } from '../support/observe.ts';
import { recorder } from '../support/record.ts';
import { adminRedis, type RedisClient } from '../support/redis.ts';
import { round, summarize } from '../support/stats.ts';
import { hasWorkerUrls, userSession, workers } from '../support/target.ts';

const rec = recorder('R9');
const MISSES = 200;
/** Far below the leak's 5 s stall, with room for a loaded host (seen: ~1.1 s stalls at load average 27 on 2 cores). */
const BOUND_MS = 2_000;
/** Stop after this many wrong answers (each may take seconds on a leaking target). */
const GIVE_UP_AFTER = 5;
const redis: RedisClient = adminRedis();
afterAll(() => redis.quit());

/**
 * A read is a confirmed miss by the app's own signal (X-Cache-Detail `list=miss`), or, where the app sends none, when
 * the entry the harness deleted is back in Redis within REFILL_WAIT_MS (a fill may land just after the answer).
 */
const REFILL_WAIT_MS = 250;
async function wasMiss(signal: string | undefined): Promise<boolean> {
  if (signal !== undefined) return signal === 'miss';
  const until = performance.now() + REFILL_WAIT_MS;
  for (;;) {
    if ((await redis.exists(currentKey)) === 1) return true;
    if (performance.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}
let currentKey = '';

describe('R9 list misses leak no connection', () => {
  test(`${MISSES} consecutive list misses on one worker, then a write`, async (ctx) => {
    const [u1] = workers();
    if (!hasWorkerUrls()) rec.note('no per-worker URLs: the misses were spread over the workers by the shared URL');
    const { client } = await userSession(13, u1);
    const key = keyProfile().list(await uidOf(client));
    currentKey = key;
    await redis.del(key);
    const first = await client.get<{ items?: Array<{ role: string }> }>('/api/characters');
    expect(first.status).toBe(200);
    const expected = JSON.stringify((first.body.items ?? []).map((i) => i.role).sort());
    expect((first.body.items ?? []).length, 'user 13 has characters').toBeGreaterThan(0);
    const times: number[] = [];
    const wrong: string[] = [];
    let misses = 0;
    let confirmed = 0;
    for (let i = 0; i < MISSES && wrong.length < GIVE_UP_AFTER; i++) {
      await redis.del(key);
      const r = await client.get<{ items?: Array<{ role: string }> }>('/api/characters');
      misses++;
      times.push(r.ms);
      if (await wasMiss(r.cacheDetail.list)) confirmed++;
      const got = JSON.stringify((r.body?.items ?? []).map((x) => x.role).sort());
      if (r.status !== 200 || got !== expected || r.ms >= BOUND_MS) {
        wrong.push(`miss ${i + 1}: ${r.status}, ${(r.body?.items ?? []).length} items, ${round(r.ms)} ms`);
      }
    }
    const write = await client.put('/api/me/settings', { ctx_max_chat: 1000 });
    for (const w of wrong) rec.note(w);
    rec.samples({ name: 'list read after a forced miss', unit: 'ms', values: times.map((t) => round(t, 3)) });
    const ok = rec.figure(
      'list misses answered in bound with the right characters',
      `${misses - wrong.length}/${MISSES}`,
      '',
      `all, each < ${BOUND_MS} ms`,
      wrong.length === 0 && misses === MISSES,
    );
    rec.figure('list miss p95', round(summarize(times).p95), 'ms', '', null);
    rec.figure(
      'reads confirmed as misses (the app signal, else the deleted entry refilled)',
      `${confirmed}/${misses}`,
      '',
      '',
      null,
    );
    const writeOk = rec.figure('settings write after the misses', write.status, '', '= 200', write.status === 200);
    rec.headline('list misses answered in bound with the right characters');
    if (ok && writeOk && confirmed < misses) {
      rec.notMeasurable(
        `only ${confirmed} of ${misses} list reads were confirmed misses (the entry ${key} the harness deleted was not refilled by the read, or the app signalled a hit): the reads may not have missed`,
      );
      return ctx.skip();
    }
    expect(ok && writeOk).toBe(true);
  });
});

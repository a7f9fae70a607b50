/**
 * FastNPC defect 1: statistics lived in each worker's memory, so /admin/cache/stats reported whichever worker
 * answered. Hits made only on worker 2 must show in the system figure worker 1 reports. Channel: the stats route when
 * it answers 200 (its HTTP status is checked, and the system counters read from `stats.system`, `system` or the top
 * level); when it does not, the system-wide counters the target keeps in Redis (profile `reference`). A target whose
 * route is closed and whose profile names no shared counters is not measurable.
 */
import { afterAll, describe, expect, test } from 'vitest';
import type { Client } from '../support/http.ts';
import { keyProfile } from '../support/observe.ts';
import { recorder } from '../support/record.ts';
import { adminRedis } from '../support/redis.ts';
import { sleep } from '../support/stats.ts';
import { adminSession, hasWorkerUrls, target, userSession, workers } from '../support/target.ts';

const rec = recorder('R1');
const HITS = 60;
const redis = adminRedis();
afterAll(() => redis.disconnect());

type Counters = { hits?: number; misses?: number };
interface StatsBody {
  stats?: Counters & { system?: Counters; workers?: Record<string, unknown> };
  system?: Counters;
  hits?: number;
  misses?: number;
}

/** The system counters in a stats answer, whatever its shape; undefined when there are none. */
function systemOf(body: StatsBody | undefined): Counters | undefined {
  const candidates = [body?.stats?.system, body?.system, body?.stats, body];
  return candidates.find((c) => typeof c?.hits === 'number');
}

describe('R1 stats are system-wide', () => {
  test(`${HITS} hits on worker 2 appear in the system figure worker 1 reports`, async (ctx) => {
    if (!hasWorkerUrls()) {
      rec.notMeasurable('needs per-worker URLs (WORKER1_URL / WORKER2_URL) to make hits on one worker only');
      return ctx.skip();
    }
    const [u1, u2] = workers();
    let admin1: Client | undefined;
    let routeStatus = 'no admin credentials';
    if (target().admin) {
      admin1 = await adminSession(u1);
      const probe = await admin1.get<StatsBody>('/admin/cache/stats');
      routeStatus = `${probe.status}`;
      if (probe.status !== 200 || !systemOf(probe.body)) admin1 = undefined;
    }
    const hash = keyProfile().statsHash;
    if (!admin1 && !hash) {
      rec.notMeasurable(
        `/admin/cache/stats answered ${routeStatus} and profile ${keyProfile().name} keeps no shared counters in Redis`,
      );
      return ctx.skip();
    }
    const channel = admin1 ? '/admin/cache/stats on worker 1' : `Redis ${hash}`;
    rec.figure('stats route status', routeStatus, '', '', null);
    const read = async (admin: Client | undefined): Promise<Counters | undefined> => {
      if (admin) {
        const r = await admin.get<StatsBody>('/admin/cache/stats');
        expect(r.status, `stats route → ${r.status}`).toBe(200);
        return systemOf(r.body);
      }
      const h = await redis.hgetall(hash as string);
      return { hits: Number(h.hits ?? 0), misses: Number(h.misses ?? 0) };
    };
    const { client } = await userSession(4, u2);
    await client.get('/api/me/settings'); // cached now
    await sleep(1_300); // every worker has flushed its counters
    const before = await read(admin1);
    for (let i = 0; i < HITS; i++) await client.get('/api/me/settings');
    await sleep(1_300);
    const after1 = await read(admin1);
    const delta = (after1?.hits ?? 0) - (before?.hits ?? 0);
    const seen = rec.figure(
      `hits made on worker 2 seen in the system figure (${channel})`,
      `${delta}/${HITS}`,
      '',
      `>= ${HITS}`,
      delta >= HITS,
    );
    let same = true;
    if (admin1) {
      const after2 = await read(admin1.on(u2));
      same = after1?.hits === after2?.hits && after1?.misses === after2?.misses;
      rec.figure(
        'both workers report the same system counters',
        same ? 'yes' : `no (${after1?.hits} vs ${after2?.hits})`,
        '',
        'yes',
        same,
      );
    }
    expect(seen && same).toBe(true);
  });
});

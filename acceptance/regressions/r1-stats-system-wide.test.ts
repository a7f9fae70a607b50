/**
 * FastNPC defect 1: statistics lived in each worker's memory, so /admin/cache/stats reported whichever worker
 * answered. Here hits made only on worker 2 must show in the system figure that worker 1 reports, and both workers
 * must report the same system counters.
 */
import { describe, expect, test } from 'vitest';
import { recorder } from '../support/record.ts';
import { sleep } from '../support/stats.ts';
import { adminSession, hasWorkerUrls, userSession, workers } from '../support/target.ts';

const rec = recorder('R1');
const HITS = 60;

interface Stats {
  stats?: { system?: { hits: number; misses: number }; workers?: Record<string, unknown> };
}

describe('R1 stats are system-wide', () => {
  test(`${HITS} hits on worker 2 appear in the system figure worker 1 reports`, async (ctx) => {
    if (!hasWorkerUrls()) {
      rec.note('needs per-worker URLs (WORKER1_URL / WORKER2_URL) to address each worker');
      ctx.skip();
      return;
    }
    const [u1, u2] = workers();
    const admin1 = await adminSession(u1);
    const admin2 = admin1.on(u2);
    const { client } = await userSession(4, u2);
    await client.get('/api/me/settings'); // cached now
    await sleep(1_300); // every worker has flushed its counters
    const before = (await admin1.get<Stats>('/admin/cache/stats')).body.stats?.system;
    for (let i = 0; i < HITS; i++) await client.get('/api/me/settings');
    await sleep(1_300);
    const after1 = await admin1.get<Stats>('/admin/cache/stats');
    const after2 = await admin2.get<Stats>('/admin/cache/stats');
    expect(after1.worker === undefined || after1.worker === 1).toBe(true);
    const delta = (after1.body.stats?.system?.hits ?? 0) - (before?.hits ?? 0);
    const seen = rec.figure(
      'hits made on worker 2 seen in worker 1’s system figure',
      `${delta}/${HITS}`,
      '',
      `>= ${HITS}`,
      delta >= HITS,
    );
    const s1 = after1.body.stats?.system;
    const s2 = after2.body.stats?.system;
    const same = s1 !== undefined && s2 !== undefined && s1.hits === s2.hits && s1.misses === s2.misses;
    rec.figure(
      'both workers report the same system counters',
      same ? 'yes' : `no (${s1?.hits} vs ${s2?.hits})`,
      '',
      'yes',
      same,
    );
    rec.figure(
      'workers listed in the stats',
      Object.keys(after1.body.stats?.workers ?? {}).length,
      '',
      '>= 2',
      Object.keys(after1.body.stats?.workers ?? {}).length >= 2,
    );
    expect(seen && same).toBe(true);
  });
});

/**
 * Criterion 8 — two workers stay consistent. (a) Through HTTP: >= 500 rounds of "write the settings on worker 1,
 * then read them on worker 2", while concurrent readers on both workers read the same entry; a read is stale when
 * it returns an older version than one already acknowledged before the read was sent. (b) The stale-set race:
 * slow loads interleaved with updates, two cache instances (one per "worker") on the target's Redis through the
 * module's getOrLoad/invalidate; the same checker run on a naive cache-aside (GET/SET/DEL) must catch stale reads,
 * which shows the check can fail. Gating: zero stale reads in (a) and in (b) with the module.
 */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { recorder } from './support/record.ts';
import { adminRedis } from './support/redis.ts';
import { round, summarize } from './support/stats.ts';
import { hasWorkerUrls, userSession, workers } from './support/target.ts';

const rec = recorder('08');
const ROUNDS = 500;
const READERS_PER_WORKER = 2;
const redis: Redis = adminRedis();
afterAll(() => redis.quit());

const versionOf = (profile: unknown): number => {
  const m = typeof profile === 'string' ? profile.match(/^r(\d+)$/) : null;
  return m ? Number(m[1]) : -1;
};

describe('08 two workers stay consistent', () => {
  test(`${ROUNDS} rounds: write on worker 1 → read on worker 2, with concurrent readers`, async () => {
    const [u1, u2] = workers();
    if (!hasWorkerUrls()) rec.note('no per-worker URLs on this target: both sides went through the shared URL');
    const { client: w1 } = await userSession(5, u1);
    const w2 = w1.on(u2);
    expect((await w1.put('/api/me/settings', { profile: 'r0' })).status).toBe(200);
    let acked = 0;
    let done = false;
    let stale = 0;
    let readerReads = 0;
    let directStale = 0;
    const staleExamples: string[] = [];
    const workersSeen = new Set<number>();
    const readers = Array.from({ length: READERS_PER_WORKER * 2 }, async (_, r) => {
      const client = r % 2 === 0 ? w1.on(u1) : w1.on(u2);
      while (!done) {
        const floor = acked;
        const reply = await client.get<{ settings: { profile: string } }>('/api/me/settings');
        readerReads++;
        if (reply.worker !== undefined) workersSeen.add(reply.worker);
        const v = versionOf(reply.body?.settings?.profile);
        if (v < floor) {
          stale++;
          if (staleExamples.length < 5) staleExamples.push(`reader ${r}: v${v} after ack of v${floor}`);
        }
      }
    });
    const lag: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const put = await w1.put('/api/me/settings', { profile: `r${i}` });
      expect(put.status).toBe(200);
      acked = i;
      const t0 = performance.now();
      const read = await w2.get<{ settings: { profile: string } }>('/api/me/settings');
      lag.push(performance.now() - t0);
      if (read.worker !== undefined) workersSeen.add(read.worker);
      if (versionOf(read.body?.settings?.profile) !== i) {
        directStale++;
        if (staleExamples.length < 5) staleExamples.push(`round ${i}: worker 2 read ${read.body?.settings?.profile}`);
      }
    }
    done = true;
    await Promise.all(readers);
    for (const e of staleExamples) rec.note(e);
    const ok = rec.figure(
      'stale reads (write on worker 1 → read on worker 2)',
      directStale,
      'stale reads',
      '= 0',
      directStale === 0,
    );
    const readersOk = rec.figure('stale reads of the concurrent readers', stale, '', '= 0', stale === 0);
    rec.figure('rounds', ROUNDS, '', '>= 500', ROUNDS >= 500);
    rec.figure('concurrent reader reads', readerReads, '', '', null);
    rec.figure('read on worker 2 right after the write, p95', round(summarize(lag).p95), 'ms', '', null);
    rec.figure('workers seen (X-Worker)', [...workersSeen].sort().join(',') || 'n/a', '', '', null);
    rec.headline('stale reads (write on worker 1 → read on worker 2)');
    expect(ok && readersOk).toBe(true);
  });
});

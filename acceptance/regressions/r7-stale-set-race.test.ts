/**
 * FastNPC defect 7: cache-aside with delete-on-write has the stale-set race — a reader that loaded the old row before
 * an update's delete writes it back afterwards, and with no TTL on settings it stays forever. Observed on the entry
 * itself: bursts in which the harness deletes the settings entry, reads on both workers load it while worker 1 writes
 * a new version; after the burst has settled the entry in Redis must not hold an older version than the acknowledged
 * one (a lease or TTL wait of the target is given 300 ms), and neither worker may serve one
 * (support/stale-entry-check.ts).
 * Naive control (embedded targets): the same check against a twin running plain cache-aside (the emulated
 * `no-leases` defect, its own key namespace, no commit-log invalidator) must find stale entries.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { keyProfile, uidOf } from '../support/observe.ts';
import { recorder } from '../support/record.ts';
import { adminRedis, type RedisClient } from '../support/redis.ts';
import { checkStaleEntries } from '../support/stale-entry-check.ts';
import { userSession, workers } from '../support/target.ts';
import { startTwin } from '../support/twin.ts';

const rec = recorder('R7');
const BURSTS = 600;
/** The naive control stops once it has seen this many stale entries (or after BURSTS bursts). */
const CONTROL_STALE = 2;
const redis: RedisClient = adminRedis();
afterAll(() => redis.quit());

describe('R7 stale-set race', () => {
  test(`${BURSTS} bursts: no old value left in the entry after an acknowledged update`, {
    timeout: 600_000,
  }, async () => {
    const [u1, u2] = workers();
    const { client: w1 } = await userSession(9, u1);
    const settingsKey = keyProfile().settings(await uidOf(w1));
    const out = await checkStaleEntries({ redis, settingsKey, w1, w2: w1.on(u2), bursts: BURSTS });
    for (const e of out.examples) rec.note(e);
    const ok = rec.figure(
      'entries left holding an old version',
      out.staleEntries,
      'stale entries',
      '= 0',
      out.staleEntries === 0,
    );
    const served = rec.figure(
      'old versions served after a burst (both workers)',
      out.staleServed,
      '',
      '= 0',
      out.staleServed === 0,
    );
    rec.figure('bursts in which the entry was stored', `${out.entriesSeen}/${BURSTS}`, '', '', null);
    rec.headline('entries left holding an old version');
    expect(ok && served).toBe(true);
  });

  test('naive control: the same check against plain cache-aside (no-leases twin) finds stale entries', {
    timeout: 600_000,
  }, async (ctx) => {
    const twin = await startTwin({ cache: 'on', namespace: 'acc_naive', defects: ['no-leases'] });
    if (!twin) {
      rec.note('naive control not run: a no-leases twin needs the embedded target');
      return ctx.skip();
    }
    try {
      const { client: w1 } = await userSession(9, twin.workerUrls[0]);
      const settingsKey = twin.key(keyProfile().settings(await uidOf(w1)));
      const out = await checkStaleEntries({
        redis,
        settingsKey,
        w1,
        w2: w1.on(twin.workerUrls[1]),
        bursts: BURSTS,
        stopAfterStale: CONTROL_STALE,
      });
      for (const e of out.examples) rec.note(`naive control: ${e}`);
      rec.figure(
        'naive control (no-leases twin): entries left holding an old version',
        `${out.staleEntries} in ${out.bursts} bursts`,
        '',
        '',
        null,
      );
      expect(out.staleEntries, 'the check found no stale entry in a naive cache-aside').toBeGreaterThanOrEqual(1);
    } finally {
      await twin.stop();
    }
  });
});

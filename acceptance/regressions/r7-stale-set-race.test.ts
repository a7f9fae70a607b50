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
import { setting } from '../config.ts';
import { currentScope } from '../rows.ts';
import { keyProfile, uidOf } from '../support/observe.ts';
import { recorder } from '../support/record.ts';
import { adminRedis, type RedisClient } from '../support/redis.ts';
import { checkStaleEntriesInLanes, type StaleEntryLane } from '../support/stale-entry-check.ts';
import { userSession, users, workers } from '../support/target.ts';
import { startTwin, type Twin } from '../support/twin.ts';

const rec = recorder('R7');
/** Bursts in all, split between the lanes. */
const BURSTS = setting('ACCEPTANCE_R7_BURSTS');
/**
 * Users racing at once, one lane each (their own settings entries); fewer where the target has fewer users. The
 * deploy scope races 3 lanes; the full scope runs its bursts in one, as before.
 */
const LANE_USERS = [9, 19, 21].slice(0, setting('ACCEPTANCE_R7_LANES') ?? (currentScope() === 'deploy' ? 3 : 1));
/** The naive control stops once it has seen this many stale entries (or after BURSTS bursts). */
const CONTROL_STALE = setting('ACCEPTANCE_R7_CONTROL_STALE');
const optional = <K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, number>);
const SHAPE = {
  ...optional('readers', setting('ACCEPTANCE_R7_READERS')),
  ...(setting('ACCEPTANCE_R7_READERS_ON') === 'w2' ? { readersOn: 'w2' as const } : {}),
  ...optional('staggerMs', setting('ACCEPTANCE_R7_STAGGER_MS')),
  ...optional('writeWithinMs', setting('ACCEPTANCE_R7_WRITE_MS')),
};
const redis: RedisClient = adminRedis();
/**
 * The naive control's twin starts while the row's own bursts run (embedded targets; undefined elsewhere), so its
 * start-up costs no time of its own.
 */
let twinStart: Promise<Twin | undefined> | undefined;
afterAll(async () => {
  await (await twinStart?.catch(() => undefined))?.stop();
  await redis.quit();
});

/** The lanes on a service: each lane user signed in on worker 1 and worker 2, with its entry's key. */
async function lanesOn(
  w1Url: string,
  w2Url: string,
  keyOf: (referenceKey: string) => string,
): Promise<StaleEntryLane[]> {
  const present = LANE_USERS.filter((i) => users()[i] !== undefined);
  return Promise.all(
    present.map(async (index) => {
      const { client: w1 } = await userSession(index, w1Url);
      return { settingsKey: keyOf(keyProfile().settings(await uidOf(w1))), w1, w2: w1.on(w2Url) };
    }),
  );
}

describe('R7 stale-set race', () => {
  test(`${BURSTS} bursts: no old value left in the entry after an acknowledged update`, {
    timeout: 600_000,
  }, async () => {
    const [u1, u2] = workers();
    twinStart = startTwin({ cache: 'on', namespace: 'acc_naive', defects: ['no-leases'] });
    twinStart.catch(() => undefined);
    const lanes = await lanesOn(u1, u2, (k) => k);
    const began = performance.now();
    const out = await checkStaleEntriesInLanes(lanes, { redis, bursts: BURSTS, ...SHAPE });
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
    rec.figure('bursts in which the entry was stored', `${out.entriesSeen}/${out.bursts}`, '', '', null);
    rec.figure(
      `bursts (${out.lanes} user${out.lanes === 1 ? '' : 's'} racing at once), time`,
      `${out.bursts} in ${Math.round((performance.now() - began) / 100) / 10} s`,
      '',
      '',
      null,
    );
    rec.headline('entries left holding an old version');
    expect(ok && served).toBe(true);
  });

  test('naive control: the same check against plain cache-aside (no-leases twin) finds stale entries', {
    timeout: 600_000,
  }, async (ctx) => {
    const twin = await (twinStart ?? startTwin({ cache: 'on', namespace: 'acc_naive', defects: ['no-leases'] }));
    if (!twin) {
      rec.note('naive control not run: a no-leases twin needs the embedded target');
      return ctx.skip();
    }
    const lanes = await lanesOn(twin.workerUrls[0], twin.workerUrls[1], (k) => twin.key(k));
    const out = await checkStaleEntriesInLanes(lanes, {
      redis,
      bursts: BURSTS,
      ...SHAPE,
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
  });
});

/**
 * FastNPC defect 7: cache-aside with delete-on-write has the stale-set race — a reader that loaded the old row
 * before an update's delete writes it back afterwards, and with no TTL on settings it stays forever.
 * (a) The exact interleaving, deterministic, through the module: a slow load starts, the row is updated and the
 * entry invalidated, then the load finishes — its old value must not be stored. (b) Through HTTP: bursts of updates
 * on worker 1 with readers on both workers loading in between; when the burst is over, both workers must serve the
 * last value (a stale value left behind would live forever).
 */
import { describe, expect, test } from 'vitest';
import { recorder } from '../support/record.ts';
import { sleep } from '../support/stats.ts';
import { userSession, workers } from '../support/target.ts';

const rec = recorder('R7');

describe('R7 stale-set race', () => {
  test('through HTTP: no value left stale after bursts of updates with concurrent loads', async () => {
    const [u1, u2] = workers();
    const { client: w1 } = await userSession(9, u1);
    const w2 = w1.on(u2);
    const BURSTS = 5;
    const UPDATES = 40;
    let leftStale = 0;
    for (let b = 0; b < BURSTS; b++) {
      let done = false;
      const readers = [w1, w2, w2, w1].map(async (c) => {
        while (!done) await c.get('/api/me/settings');
      });
      let last = '';
      for (let i = 0; i < UPDATES; i++) {
        last = `b${b}u${i}`;
        expect((await w1.put('/api/me/settings', { profile: last })).status).toBe(200);
      }
      done = true;
      await Promise.all(readers);
      await sleep(50);
      for (const c of [w1, w2]) {
        const r = await c.get<{ settings: { profile: string } }>('/api/me/settings');
        if (r.body.settings?.profile !== last) leftStale++;
      }
    }
    const ok = rec.figure(
      'entries left stale after a burst (both workers)',
      leftStale,
      'stale',
      '= 0',
      leftStale === 0,
    );
    rec.headline('entries left stale after a burst (both workers)');
    rec.figure('bursts × updates', BURSTS * UPDATES, '', '', null);
    expect(ok).toBe(true);
  });
});

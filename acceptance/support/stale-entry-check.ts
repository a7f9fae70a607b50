/**
 * Regression R7's check, used by the row and by its naive control: bursts of the provoked stale-set race
 * (forced-race.ts); after each burst has settled, the settings entry in Redis must not hold a version older than the
 * acknowledged one (a lease or TTL wait of the target is given 300 ms to correct itself), and neither worker may
 * serve one.
 */

import { forcedRace, versionIn } from './forced-race.ts';
import type { Client } from './http.ts';
import type { RedisClient } from './redis.ts';
import { sleep } from './stats.ts';

export interface StaleEntryOptions {
  redis: RedisClient;
  /** The settings entry as the service under test names it. */
  settingsKey: string;
  w1: Client;
  w2: Client;
  bursts: number;
  /** The race's shape (forced-race.ts); its defaults where unset. */
  readers?: number;
  readersOn?: 'both' | 'w2';
  staggerMs?: number;
  writeWithinMs?: number;
  /** Stop once this many stale entries were found (a control needs only to see some). @default never */
  stopAfterStale?: number;
  /** Ends the bursts early when true (checked after each burst; lanes share one). */
  done?: () => boolean;
  /** Called on every stale entry found (lanes count them together). */
  onStale?: () => void;
}

export interface StaleEntryOutcome {
  bursts: number;
  staleEntries: number;
  staleServed: number;
  entriesSeen: number;
  examples: string[];
}

export async function checkStaleEntries(o: StaleEntryOptions): Promise<StaleEntryOutcome> {
  const out: StaleEntryOutcome = { bursts: 0, staleEntries: 0, staleServed: 0, entriesSeen: 0, examples: [] };
  out.bursts = await forcedRace({
    redis: o.redis,
    settingsKey: o.settingsKey,
    w1: o.w1,
    w2: o.w2,
    rounds: o.bursts,
    ...(o.readers !== undefined ? { readers: o.readers } : {}),
    ...(o.readersOn !== undefined ? { readersOn: o.readersOn } : {}),
    ...(o.staggerMs !== undefined ? { staggerMs: o.staggerMs } : {}),
    ...(o.writeWithinMs !== undefined ? { writeWithinMs: o.writeWithinMs } : {}),
    tag: (v) => `r7v${v}`,
    done: () => (o.stopAfterStale !== undefined && out.staleEntries >= o.stopAfterStale) || o.done?.() === true,
    afterRound: async ({ round, version }) => {
      await sleep(30);
      const value = await o.redis.get(o.settingsKey);
      if (value !== null) {
        out.entriesSeen++;
        const stored = versionIn(value, 'r7v');
        if (stored >= 0 && stored < version) {
          // give a lease/TTL-based target time to correct itself before calling it left behind
          await sleep(300);
          const again = versionIn(await o.redis.get(o.settingsKey), 'r7v');
          if (again >= 0 && again < version) {
            out.staleEntries++;
            o.onStale?.();
            if (out.examples.length < 5)
              out.examples.push(
                `burst ${round}: entry holds v${again}, PTTL ${await o.redis.pttl(o.settingsKey)} ms, after v${version}`,
              );
          }
        }
      }
      for (const c of [o.w1, o.w2]) {
        const r = await c.get<{ settings?: { profile?: string } }>('/api/me/settings');
        if (versionIn(r.body?.settings?.profile, 'r7v') < version) out.staleServed++;
      }
    },
  });
  return out;
}

/** One lane of the race: a user of its own (its own settings entry), on both workers. */
export interface StaleEntryLane {
  settingsKey: string;
  w1: Client;
  w2: Client;
}

/**
 * The check in parallel lanes, `bursts` split between them: each lane races its own user's entry, so a lane's
 * 30 ms settling wait and round trips overlap the other lanes' bursts (the same bursts in a fraction of the time,
 * and the lanes' concurrent requests make each burst's race no less likely). `stopAfterStale` counts over all lanes.
 */
export async function checkStaleEntriesInLanes(
  lanes: StaleEntryLane[],
  o: Omit<StaleEntryOptions, 'settingsKey' | 'w1' | 'w2' | 'done'>,
): Promise<StaleEntryOutcome & { lanes: number }> {
  let stale = 0;
  const per = Math.ceil(o.bursts / lanes.length);
  const outs = await Promise.all(
    lanes.map((lane, i) =>
      checkStaleEntries({
        ...o,
        ...lane,
        bursts: Math.min(per, o.bursts - per * i),
        stopAfterStale: undefined,
        onStale: () => {
          stale++;
        },
        done: () => o.stopAfterStale !== undefined && stale >= o.stopAfterStale,
      }),
    ),
  );
  return {
    lanes: lanes.length,
    bursts: outs.reduce((n, x) => n + x.bursts, 0),
    staleEntries: stale,
    staleServed: outs.reduce((n, x) => n + x.staleServed, 0),
    entriesSeen: outs.reduce((n, x) => n + x.entriesSeen, 0),
    examples: outs.flatMap((x) => x.examples).slice(0, 5),
  };
}

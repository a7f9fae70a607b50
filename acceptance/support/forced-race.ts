/**
 * The stale-set race, provoked on purpose through the target's own HTTP routes: each round the harness deletes the
 * settings entry in Redis (so readers miss), starts a burst of reads on both workers — each loads the row from
 * PostgreSQL and stores it — and, while they are in flight, writes a new version on worker 1. A naive cache-aside
 * (GET → load → SET, DEL on write) stores a row read before the write after the write's DEL in a good share of rounds;
 * with no TTL on settings that old value then stays. The caller judges each round after all its requests answered.
 */

import type { Client } from './http.ts';
import type { RedisClient } from './redis.ts';
import { sleep } from './stats.ts';

export interface RaceRound {
  round: number;
  /** Version acknowledged by the write of this round. */
  version: number;
}

export interface ForcedRaceOptions {
  redis: RedisClient;
  settingsKey: string;
  /** Clients of one session on worker 1 and worker 2. */
  w1: Client;
  w2: Client;
  rounds: number;
  /** Reads per round (half on each worker). @default 12 */
  readers?: number;
  /**
   * Where the reads go: `both` workers (half each), or all to worker 2 (`w2`) while worker 1 serves only the write.
   * @default 'both'
   */
  readersOn?: 'both' | 'w2';
  /** The reads start at random over this many ms from the round's start. @default 4 */
  staggerMs?: number;
  /** The write starts at random over this many ms from the round's start. @default 2 */
  writeWithinMs?: number;
  /** The value written: the version inside a profile string, e.g. v => `r${v}`. */
  tag: (version: number) => string;
  /** Called after every request of the round has answered. */
  afterRound: (round: RaceRound) => Promise<void>;
  /** Checked after each round: true ends the race early (a control that has seen enough). */
  done?: () => boolean;
}

/** Runs the rounds; returns how many ran. */
export async function forcedRace(o: ForcedRaceOptions): Promise<number> {
  const readers = o.readers ?? 12;
  const stagger = o.staggerMs ?? 4;
  const writeWithin = o.writeWithinMs ?? 2;
  let i = 1;
  for (; i <= o.rounds; i++) {
    await o.redis.del(o.settingsKey);
    const reads = Array.from({ length: readers }, async (_, r) => {
      // stagger the loads over the write's window, a fraction of a millisecond to a few
      await sleep(Math.random() * stagger);
      await (r % 2 === 0 && o.readersOn !== 'w2' ? o.w1 : o.w2).get('/api/me/settings');
    });
    await sleep(Math.random() * writeWithin);
    const put = await o.w1.put('/api/me/settings', { profile: o.tag(i) });
    if (put.status !== 200) throw new Error(`round ${i}: settings write answered ${put.status}`);
    await Promise.all(reads);
    await o.afterRound({ round: i, version: i });
    if (o.done?.()) return i;
  }
  return o.rounds;
}

/** The version inside a value (an HTTP body's profile or the raw entry in Redis), -1 when none. */
export function versionIn(text: string | null | undefined, prefix: string): number {
  const m = (text ?? '').match(new RegExp(`${prefix}(\\d+)`));
  return m ? Number(m[1]) : -1;
}

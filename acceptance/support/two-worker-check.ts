/**
 * Criterion 8's check, used by the row and by its control: rounds of the provoked stale-set race (forced-race.ts),
 * each judged once every request answered. Three reads after the round — worker 2, worker 1, worker 2 — must serve
 * the acknowledged version; the first may refill the entry, and of the other two (one on each worker) at least one
 * must be served from the cache (cache-read-probe.ts: the entry existed in Redis and the app read it) — else the
 * round proves nothing about a cache: a service with its cache off never serves an old value. Required in at least
 * MIN_CACHED_ROUNDS of the rounds, not all: the reference's commit-log invalidator may delete the entry a moment after
 * the refill, and its fence bypasses the cache while the invalidator lags (measured on a host with load average 37
 * on 2 cores: 7 of 500 rounds, 983 of 1,000 reads hit; with the cache off: 0 rounds).
 */

import { type CacheReadProbe, NOT_FROM_CACHE } from './cache-read-probe.ts';
import { forcedRace, versionIn } from './forced-race.ts';
import type { Client } from './http.ts';
import type { RedisClient } from './redis.ts';

export interface TwoWorkerOptions {
  redis: RedisClient;
  probe: CacheReadProbe;
  /** The settings entry of the session's user, as the service under test names it. */
  settingsKey: string;
  w1: Client;
  w2: Client;
  rounds: number;
}

export interface TwoWorkerOutcome {
  rounds: number;
  stale: number;
  staleRounds: number;
  /** Reads after the refill (2 per round) and those served from the cache. */
  hitsRequired: number;
  hits: number;
  /** Rounds with at least one of those reads served from the cache (required: MIN_CACHED_ROUNDS of them). */
  roundsWithHit: number;
  /** X-Cache of those reads, where the target sends it (extra). */
  headerHits: number;
  headerSeen: number;
  /** Worker 2's read right after the round, ms. */
  lag: number[];
  examples: string[];
  /** Why the check fails; [] when it passes. */
  reasons: string[];
}

export { NOT_FROM_CACHE };
/** Share of rounds that must have been served from the cache. */
export const MIN_CACHED_ROUNDS = 0.95;

type SettingsBody = { settings?: { profile?: string } };

export async function checkTwoWorkers(o: TwoWorkerOptions): Promise<TwoWorkerOutcome> {
  const out: TwoWorkerOutcome = {
    rounds: o.rounds,
    stale: 0,
    staleRounds: 0,
    hitsRequired: 0,
    hits: 0,
    roundsWithHit: 0,
    headerHits: 0,
    headerSeen: 0,
    lag: [],
    examples: [],
    reasons: [],
  };
  const misses: string[] = [];
  await forcedRace({
    redis: o.redis,
    settingsKey: o.settingsKey,
    w1: o.w1,
    w2: o.w2,
    rounds: o.rounds,
    tag: (v) => `r8v${v}`,
    afterRound: async ({ round, version }) => {
      let roundStale = false;
      let roundHit = false;
      const reads: Array<[string, Client, boolean]> = [
        ['worker 2', o.w2, false],
        ['worker 1', o.w1, true],
        ['worker 2', o.w2, true],
      ];
      for (const [i, [name, c, mustHit]] of reads.entries()) {
        const probed = await o.probe.read([o.settingsKey], () => c.get<SettingsBody>('/api/me/settings'));
        const read = probed.value;
        if (i === 0) out.lag.push(read.ms);
        if (mustHit) {
          out.hitsRequired++;
          if (probed.hit) {
            out.hits++;
            roundHit = true;
          } else if (misses.length < 3)
            misses.push(
              `round ${round}: ${name} ${probed.entry ? 'did not read the entry' : 'found no entry in Redis'}`,
            );
          if (read.cache !== undefined) {
            out.headerSeen++;
            if (read.cache === 'hit') out.headerHits++;
          }
        }
        const got = versionIn(read.body?.settings?.profile, 'r8v');
        if (got !== version) {
          out.stale++;
          roundStale = true;
          if (out.examples.length < 5)
            out.examples.push(`round ${round}: ${name} served v${got} after v${version} was acknowledged`);
        }
      }
      if (roundStale) out.staleRounds++;
      if (roundHit) out.roundsWithHit++;
      else if (misses.length < 6) misses.push(`round ${round}: no read after the refill was served from the cache`);
    },
  });
  if (out.stale > 0) out.reasons.push(`${out.stale} stale reads after an acknowledged write`);
  if (out.roundsWithHit < MIN_CACHED_ROUNDS * out.rounds)
    out.reasons.push(
      `${NOT_FROM_CACHE}: ${out.rounds - out.roundsWithHit}/${out.rounds} rounds without a hit in Redis (${o.probe.channel}; ${out.hits}/${out.hitsRequired} reads hit); ${misses.join('; ')}`,
    );
  return out;
}

import { type MetricCounts, zeroCounts } from './metrics.ts';
import { addTally, emptyTally, type Tally } from './stats.ts';

/** Events counted only for the metrics (not in the Redis statistics). */
export type MetricEvent = Exclude<keyof MetricCounts, keyof Tally>;

/**
 * The exact counts of one cache: every operation is counted in memory, synchronously, on its own path (a hit
 * costs no round trip). `process` holds everything since start (read by prom-client at scrape time); the part
 * not yet added to the Redis hashes waits in `unflushed` (stats-flush.ts takes it, and gives it back on failure).
 */
export class CacheCounters {
  /** Process counters (the Tally fields) plus lease/loader events; monotonic. */
  readonly process: MetricCounts = zeroCounts();
  #unflushed = emptyTally();

  /** Counts a hit, miss, set, delete or error (process and Redis statistics). */
  count(field: keyof Tally, by = 1): void {
    this.process[field] += by;
    this.#unflushed[field] += by;
  }

  /** Counts a lease/loader event (metrics only). */
  event(name: MetricEvent): void {
    this.process[name] += 1;
  }

  /** Counts of this process not yet in Redis. */
  get unflushed(): Tally {
    return this.#unflushed;
  }

  /** Takes the unflushed counts for a flush (they are zero afterwards). */
  takeUnflushed(): Tally {
    const batch = this.#unflushed;
    this.#unflushed = emptyTally();
    return batch;
  }

  /** Gives back the counts of a failed flush (kept for the next one). */
  restore(batch: Tally): void {
    addTally(this.#unflushed, batch);
  }
}

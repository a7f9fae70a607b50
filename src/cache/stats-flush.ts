import type { BreakerGate } from './breaker-gate.ts';
import { type Connection, errorMessage } from './connection.ts';
import type { CacheCounters } from './counters.ts';
import type { KeySpace } from './key-space.ts';
import type { ResolvedCacheOptions } from './options.ts';
import { FLUSH_STATS } from './scripts.ts';
import { addTally, isEmptyTally, TALLY_FIELDS, tallyFromHash, toCounters } from './stats.ts';
import type { CacheStats, Counters } from './types.ts';

/** Worker statistics hashes expire after a week without a flush (dead workers age out). */
const WORKER_STATS_TTL_SECONDS = 7 * 24 * 3600;

/**
 * The statistics kept in Redis for every worker of the namespace: this process's unflushed counts are added to the
 * system and worker hashes in one script every `statsFlushIntervalMs` (and before `stats()` answers); a failed
 * flush keeps its counts for the next one. `read` assembles `stats()` from those hashes.
 */
export class StatsFlush {
  readonly #options: ResolvedCacheOptions;
  readonly #keys: KeySpace;
  readonly #gate: BreakerGate;
  readonly #connection: Connection;
  readonly #counters: CacheCounters;
  readonly #timer: NodeJS.Timeout;
  #flushing: Promise<void> | undefined;

  constructor(
    options: ResolvedCacheOptions,
    keys: KeySpace,
    gate: BreakerGate,
    connection: Connection,
    counters: CacheCounters,
  ) {
    this.#options = options;
    this.#keys = keys;
    this.#gate = gate;
    this.#connection = connection;
    this.#counters = counters;
    this.#timer = setInterval(() => void this.flush(), options.statsFlushIntervalMs);
    this.#timer.unref();
  }

  /** Adds the unflushed counts to Redis (one flush at a time; a second caller waits for the running one). */
  async flush(): Promise<void> {
    if (this.#flushing) return await this.#flushing;
    this.#flushing = this.#flushNow().finally(() => {
      this.#flushing = undefined;
    });
    return await this.#flushing;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #flushNow(): Promise<void> {
    if (isEmptyTally(this.#counters.unflushed) || !(await this.#gate.usable())) return;
    const batch = this.#counters.takeUnflushed();
    const args: (string | number)[] = [this.#options.workerId, WORKER_STATS_TTL_SECONDS];
    for (const field of TALLY_FIELDS) args.push(field, batch[field]);
    const keys = this.#keys;
    try {
      await this.#gate.run(FLUSH_STATS, [keys.statsSystem, keys.statsWorker, keys.statsWorkers], args);
    } catch (error) {
      this.#counters.restore(batch);
      this.#gate.failure();
      this.#options.logger.debug('statistics flush failed; kept for the next one', { error: errorMessage(error) });
    }
  }

  /** The system and per-worker counters from Redis, this process's unflushed counts added. Throws on failure. */
  async read(process: Counters): Promise<CacheStats> {
    const client = this.#connection.client;
    const gate = this.#gate;
    const self = this.#options.workerId;
    const [systemHash, members] = await Promise.all([
      gate.command(() => client.hgetall(this.#keys.statsSystem)),
      gate.command(() => client.smembers(this.#keys.statsWorkers)),
    ]);
    const pipeline = client.pipeline();
    for (const id of members) pipeline.hgetall(this.#keys.statsWorkerOf(id));
    const replies = members.length > 0 ? ((await gate.command(() => pipeline.exec())) ?? []) : [];
    gate.success();
    const unflushed = this.#counters.unflushed; // after the awaits: a flush meanwhile took the older counts
    const system = tallyFromHash(systemHash);
    addTally(system, unflushed);
    const workers: Record<string, Counters> = {};
    members.forEach((id, i) => {
      const [error, hash] = replies[i] ?? [null, null];
      if (error || !hash || Object.keys(hash as object).length === 0) return;
      const tally = tallyFromHash(hash as Record<string, string>);
      if (id === self) addTally(tally, unflushed);
      workers[id] = toCounters(tally);
    });
    if (!workers[self]) workers[self] = toCounters(unflushed);
    return { process, system: toCounters(system), workers, systemAvailable: true };
  }
}

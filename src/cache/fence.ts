import type { CacheLogger } from './options.ts';

/**
 * What one look at the consistency marker found: the last tick the invalidator issued, and the last one that came
 * back through the replication stream (every commit made before it was issued has been applied to this Redis).
 */
export interface MarkerReading {
  issued: number | undefined;
  caughtUp: number | undefined;
}

export interface FenceOptions {
  /** How often the marker is read (also the heartbeat that notices a stall of an idle process). */
  pollMs: number;
  /** A trusted Redis becomes untrusted when the invalidator made no progress for this long. */
  maxLagMs: number;
  /** Reads the marker; `waiting` = this process is fenced and wants the invalidator to tick soon. */
  read: (waiting: boolean) => Promise<MarkerReading>;
  logger: CacheLogger;
  namespace: string;
}

/**
 * The fence after an outage: whether this process may serve entries from Redis. A per-process flag — the hit path
 * reads a boolean, never an extra round trip. It drops at once when this process sees Redis fail (a command error,
 * a timeout, a closed connection: Redis restarted from a snapshot, paused, partitioned, flushed), and rises again
 * only when the invalidator has caught up past the moment this process looked again — i.e. every commit made before
 * then has been deleted from this Redis (replayed from the WAL position the Redis holds, if it came back older).
 * It also drops when the marker disappears (FLUSHALL, eviction) or the invalidator falls more than `maxLagMs` behind.
 */
export class Fence {
  #trusted = false;
  /** Incremented by every distrust: a reading that started before it must not lift the fence. */
  #epoch = 0;
  /** The tick issued at the first reading of this epoch: a later one must have come back. */
  #episodeStart: number | undefined;
  #epochOfStart = -1;
  #polling = false;
  #lastCaughtUp: number | undefined;
  /** performance.now() of the last reading that showed the invalidator progressing. */
  #progressAt = performance.now();
  readonly #timer: NodeJS.Timeout;
  readonly #o: FenceOptions;

  constructor(options: FenceOptions) {
    this.#o = options;
    this.#timer = setInterval(() => void this.poll(), options.pollMs);
    this.#timer.unref();
    void this.poll();
  }

  /** Whether entries in Redis may be served (read synchronously on every hit). */
  get trusted(): boolean {
    return this.#trusted;
  }

  /** Changes on every distrust: a load that began in an older epoch must not store (Redis may have changed under it). */
  get epoch(): number {
    return this.#epoch;
  }

  /** How long ago (ms) this process last saw the invalidator progress; undefined before it ever did. */
  get lagMs(): number | undefined {
    return this.#lastCaughtUp === undefined ? undefined : Math.round(performance.now() - this.#progressAt);
  }

  distrust(reason: string): void {
    this.#epoch += 1;
    this.#episodeStart = undefined;
    if (this.#trusted) {
      this.#trusted = false;
      this.#o.logger.warn('cache fenced: entries are not served from Redis until the invalidator caught up', {
        namespace: this.#o.namespace,
        reason,
      });
    }
  }

  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    const epoch = this.#epoch;
    try {
      const reading = await this.#o.read(!this.#trusted);
      if (epoch !== this.#epoch) return;
      const { issued, caughtUp } = reading;
      if (caughtUp !== undefined && caughtUp !== this.#lastCaughtUp) {
        this.#lastCaughtUp = caughtUp;
        this.#progressAt = performance.now();
      }
      if (this.#trusted) {
        if (caughtUp === undefined) this.distrust('consistency marker missing (flushed or evicted)');
        else if (performance.now() - this.#progressAt > this.#o.maxLagMs)
          this.distrust(`invalidator made no progress for ${this.#o.maxLagMs} ms`);
        return;
      }
      if (this.#episodeStart === undefined || this.#epochOfStart !== epoch) {
        this.#episodeStart = issued ?? 0;
        this.#epochOfStart = epoch;
        return;
      }
      if (caughtUp !== undefined && caughtUp > this.#episodeStart) {
        this.#trusted = true;
        this.#o.logger.warn('cache fence lifted: the invalidator caught up', { namespace: this.#o.namespace });
      }
    } catch {
      if (epoch === this.#epoch) this.distrust('consistency marker unreadable');
    } finally {
      this.#polling = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

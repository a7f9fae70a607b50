import type { CacheLogger } from './options.ts';

/** What one look at the consistency marker found: Redis time now, and up to when the invalidator caught up. */
export interface MarkerReading {
  nowMs: number;
  caughtUpMs: number | undefined;
}

export interface FenceOptions {
  /** How often the marker is read (also the heartbeat that notices a stall of an idle process). */
  pollMs: number;
  /** A trusted Redis becomes untrusted when the invalidator's last tick is older than this. */
  maxLagMs: number;
  read: () => Promise<MarkerReading>;
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
  /** Redis time of the first reading of this epoch: the invalidator must have caught up past it. */
  #episodeStart: number | undefined;
  #epochOfStart = -1;
  #polling = false;
  #lagMs: number | undefined;
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

  /** Age of the invalidator's last applied tick at the last reading (ms); undefined when unknown. */
  get lagMs(): number | undefined {
    return this.#lagMs;
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
      const reading = await this.#o.read();
      if (epoch !== this.#epoch) return;
      const { nowMs, caughtUpMs } = reading;
      this.#lagMs = caughtUpMs === undefined ? undefined : Math.max(0, nowMs - caughtUpMs);
      if (this.#trusted) {
        if (caughtUpMs === undefined) this.distrust('consistency marker missing (flushed or evicted)');
        else if (nowMs - caughtUpMs > this.#o.maxLagMs) this.distrust(`invalidator ${nowMs - caughtUpMs} ms behind`);
        return;
      }
      if (this.#episodeStart === undefined || this.#epochOfStart !== epoch) {
        this.#episodeStart = nowMs;
        this.#epochOfStart = epoch;
        return;
      }
      if (caughtUpMs !== undefined && caughtUpMs >= this.#episodeStart) {
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

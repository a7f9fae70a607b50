import type { BreakerGate } from './breaker-gate.ts';
import type { Connection } from './connection.ts';
import type { KeySpace } from './key-space.ts';
import type { CacheLogger } from './options.ts';

/** Failed invalidations remembered for replay; past this the oldest are forgotten (and logged). */
const MAX_PENDING_INVALIDATIONS = 10_000;
/** First retry of an unconfirmed invalidation (time for a reset connection to come back), then the interval. */
const REPLAY_FIRST_DELAY_MS = 50;
const REPLAY_RETRY_MS = 200;

/**
 * Invalidations Redis did not confirm (`invalidate` rejected, `delete` returned false), kept in this process's
 * memory and re-sent on their own timer: 50 ms after the failure, then every 200 ms while the breaker is closed;
 * once it is open, its probe replays them before the cache uses Redis again. Until a key's deletion is confirmed
 * this process does not read that key from Redis (`confirmed`).
 */
export class PendingInvalidations {
  readonly #keys = new Set<string>();
  readonly #space: KeySpace;
  readonly #gate: BreakerGate;
  readonly #connection: Connection;
  readonly #logger: CacheLogger;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(space: KeySpace, gate: BreakerGate, connection: Connection, logger: CacheLogger) {
    this.#space = space;
    this.#gate = gate;
    this.#connection = connection;
    this.#logger = logger;
  }

  get size(): number {
    return this.#keys.size;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Remembers keys whose deletion Redis did not confirm, and schedules their replay. */
  remember(keys: readonly string[]): void {
    for (const key of keys) {
      if (this.#keys.size >= MAX_PENDING_INVALIDATIONS) {
        const oldest = this.#keys.values().next().value;
        if (oldest !== undefined) this.#keys.delete(oldest);
        this.#logger.error('too many unconfirmed invalidations: the oldest is forgotten', { key: oldest });
      }
      this.#keys.add(key);
    }
    this.#schedule(REPLAY_FIRST_DELAY_MS);
  }

  /** The key's old value is gone from Redis (deleted or overwritten): nothing to replay for it. */
  forget(key: string): void {
    this.#keys.delete(key);
  }

  /**
   * True when `key` has no unconfirmed invalidation, or when re-sending the pending ones just succeeded. A key
   * whose invalidation Redis did not confirm must not be served from Redis (it may hold the old value, e.g.
   * restored from the RDB file after a restart) until the deletion is confirmed.
   */
  async confirmed(key: string): Promise<boolean> {
    if (!this.#keys.has(key)) return true;
    return await this.#replayCounted();
  }

  /** Re-sends the deletions Redis did not confirm earlier (throws on failure). True when nothing is pending. */
  async replay(): Promise<boolean> {
    if (this.#keys.size === 0) return true;
    const keys = [...this.#keys];
    await this.#gate.remove(this.#space.removeBatches(keys));
    for (const key of keys) this.#keys.delete(key);
    this.#logger.warn('replayed invalidations that Redis had not confirmed', { count: keys.length });
    return true;
  }

  /** Replays now if anything is pending and Redis may be used (before `stats()` answers, and on close). */
  async flush(): Promise<void> {
    if (this.#keys.size > 0 && (await this.#gate.usable())) await this.#replayCounted();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #replayCounted(): Promise<boolean> {
    try {
      await this.replay();
      this.#gate.success();
      return true;
    } catch (error) {
      this.#gate.failed('replay invalidations', error);
      return false;
    }
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#keys.size === 0 || this.#stopped || this.#gate.closed || !this.#gate.breakerClosed) return;
    if (this.#connection.ready && (await this.#replayCounted())) return;
    this.#schedule(REPLAY_RETRY_MS);
  }
}

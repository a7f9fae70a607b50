import type { CacheLogger } from './options.ts';

export interface WatchdogOptions {
  /** The bound on every command. */
  timeoutMs: number;
  /** False for a client the cache was given: its commands are bounded by its own commandTimeout. */
  enabled: boolean;
  /** Called when the oldest command in flight is `timeoutMs` old (the cache resets the connection). */
  onExpired: () => void;
  logger: CacheLogger;
}

/**
 * The command timeout: one timer for all commands in flight (instead of ioredis' timer per command), armed for
 * the oldest. When that command is `timeoutMs` old the connection is reset (`onExpired`): ioredis rejects every
 * command in flight at once and reconnects, and Redis discards whatever that connection still had queued
 * (CLIENT PAUSE, a slow server) — so a write that "failed" here never lands later (ioredis #2130).
 */
export class Watchdog {
  readonly #o: WatchdogOptions;
  /** Commands in flight: op id → start (performance.now()), oldest first. */
  readonly #inflight = new Map<number, number>();
  #nextOp = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Set while the watchdog waits one turn of the event loop before judging (see `#judgeAfterNextPoll`). */
  #judging = false;
  #stopped = false;

  constructor(options: WatchdogOptions) {
    this.#o = options;
  }

  /** Runs one command under the watchdog. */
  async command<T>(send: () => Promise<T>): Promise<T> {
    const id = this.#begin();
    try {
      return await send();
    } finally {
      this.#inflight.delete(id);
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Registers a command in flight (when enabled) and makes sure the timer runs; returns its id. */
  #begin(): number {
    const id = this.#nextOp++;
    if (this.#o.enabled) {
      this.#inflight.set(id, performance.now());
      if (this.#timer === undefined && !this.#judging) this.#watch();
    }
    return id;
  }

  #watch(): void {
    const oldest = this.#inflight.values().next();
    if (oldest.done || this.#stopped) return;
    const due = oldest.value + this.#o.timeoutMs - performance.now();
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(due)));
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#judgeAfterNextPoll();
  };

  /**
   * On a starved CPU timers fire late, and a reply that arrived meanwhile is read only in the next poll phase:
   * judge in the check phase that follows it (setImmediate), so a blocked event loop is not mistaken for a
   * slow Redis. A command may be expired only by a judgement queued after its deadline.
   */
  #judgeAfterNextPoll(): void {
    this.#judging = true;
    const queuedAt = performance.now();
    setImmediate(() => this.#judge(queuedAt));
  }

  #judge(queuedAt: number): void {
    this.#judging = false;
    if (this.#stopped) return;
    const oldest = this.#inflight.values().next();
    if (oldest.done) return;
    const deadline = oldest.value + this.#o.timeoutMs;
    if (deadline > queuedAt && deadline <= performance.now()) {
      // expired while the loop was busy, after this judgement was queued: its reply may still be unread
      this.#judgeAfterNextPoll();
      return;
    }
    if (deadline <= queuedAt) {
      const age = performance.now() - oldest.value;
      this.#o.logger.debug('redis command timed out: connection reset', { ageMs: Math.round(age) });
      this.#inflight.clear(); // they settle (rejected) as the connection closes
      this.#o.onExpired();
    }
    this.#watch();
  }
}

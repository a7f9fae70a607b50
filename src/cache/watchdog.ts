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
 * the earliest deadline. When a command is `timeoutMs` old the connection is reset (`onExpired`): ioredis rejects
 * every command in flight at once and reconnects, and Redis discards whatever that connection still had queued
 * (CLIENT PAUSE, a slow server) — so a write that "failed" here never lands later (ioredis #2130).
 *
 * A busy or starved event loop is not a slow Redis (issue 11, D4). Two rules keep the loop's overruns from being
 * charged to Redis:
 * - Judge after the next poll phase. A timer that fires late fires before the poll phase that reads the replies
 *   which arrived meanwhile, so the judgement waits for one turn (setImmediate: the check phase after that poll).
 *   A command may be expired only by a judgement queued after its deadline.
 * - A late look spares once. If the loop noticed a deadline more than `lateToleranceMs` late, it was blocked or
 *   starved of CPU — and Redis, on the same CPUs, probably too: the command gets a second deadline, that lateness
 *   (at most `timeoutMs`) from now, to be answered. A spared command is expired at its second deadline whatever
 *   the loop does. So a Redis that does not answer trips within `timeoutMs` of an idle loop, and within
 *   the loop's own overrun plus at most `2 × timeoutMs` of a starved one; no overrun of the loop alone is counted
 *   as a Redis failure, resets the connection or opens the breaker.
 */
export class Watchdog {
  readonly #o: WatchdogOptions;
  /** A deadline noticed later than this: the loop, not Redis, was slow (spare once). */
  readonly #lateToleranceMs: number;
  /** Commands in flight: op id → start (performance.now()), oldest first. */
  readonly #inflight = new Map<number, number>();
  /** Commands spared once for a late look: op id → their second deadline. */
  readonly #spared = new Map<number, number>();
  #nextOp = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Set while the watchdog waits one turn of the event loop before judging (see `#judgeAfterNextPoll`). */
  #judging = false;
  #stopped = false;

  constructor(options: WatchdogOptions) {
    this.#o = options;
    this.#lateToleranceMs = Math.max(10, options.timeoutMs / 5);
  }

  /** Runs one command under the watchdog. */
  async command<T>(send: () => Promise<T>): Promise<T> {
    const id = this.begin();
    try {
      return await send();
    } finally {
      this.end(id);
    }
  }

  /** Registers a command as it leaves (when enabled) and makes sure the timer runs; returns its id for `end`. */
  begin(): number {
    const id = this.#nextOp++;
    if (this.#o.enabled) {
      this.#inflight.set(id, performance.now());
      if (this.#timer === undefined && !this.#judging) this.#watch();
    }
    return id;
  }

  /** The command's reply (or error) arrived. */
  end(id: number): void {
    this.#inflight.delete(id);
    if (this.#spared.size > 0) this.#spared.delete(id);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #deadline(id: number, start: number): number {
    return this.#spared.size > 0 ? (this.#spared.get(id) ?? start + this.#o.timeoutMs) : start + this.#o.timeoutMs;
  }

  /** Arms the timer for the earliest deadline in flight (the oldest command's, unless some were spared). */
  #watch(): void {
    if (this.#stopped) return;
    const oldest = this.#inflight.values().next();
    if (oldest.done) return;
    let earliest = oldest.value + this.#o.timeoutMs;
    if (this.#spared.size > 0) {
      for (const [id, start] of this.#inflight) earliest = Math.min(earliest, this.#deadline(id, start));
    }
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.ceil(earliest - performance.now())));
    this.#timer.unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#judgeAfterNextPoll();
  };

  #judgeAfterNextPoll(): void {
    this.#judging = true;
    const queuedAt = performance.now();
    setImmediate(() => this.#judge(queuedAt));
  }

  #judge(queuedAt: number): void {
    this.#judging = false;
    if (this.#stopped) return;
    const now = performance.now();
    let rejudge = false;
    let expired: number | undefined;
    for (const [id, start] of this.#inflight) {
      const deadline = this.#deadline(id, start);
      if (deadline > queuedAt) {
        // expired while the loop was busy, after this judgement was queued: its reply may still be unread
        if (deadline <= now) rejudge = true;
        if (this.#spared.size === 0) break; // in start order: the later ones are not due either
        continue;
      }
      const late = queuedAt - deadline;
      if (late > this.#lateToleranceMs && !this.#spared.has(id)) {
        this.#spared.set(id, now + Math.min(late, this.#o.timeoutMs));
        continue;
      }
      expired = start;
      break;
    }
    if (expired !== undefined) {
      this.#o.logger.debug('redis command timed out: connection reset', { ageMs: Math.round(now - expired) });
      this.#inflight.clear(); // they settle (rejected) as the connection closes
      this.#spared.clear();
      this.#o.onExpired();
    } else if (rejudge) {
      this.#judgeAfterNextPoll();
      return;
    }
    this.#watch();
  }
}

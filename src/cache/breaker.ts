/** State of the circuit breaker in front of Redis. */
export type BreakerState = 'closed' | 'open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  threshold: number;
  /** Delay between probes while open. */
  probeIntervalMs: number;
  /** The probe (e.g. a PING); resolves true when Redis answers. Must not throw, but a throw counts as false. */
  probe: () => Promise<boolean>;
  /** Called on every transition. */
  onChange?: (state: BreakerState) => void;
}

/**
 * Circuit breaker: after `threshold` consecutive failures it opens and the cache stops touching Redis; a probe
 * runs every `probeIntervalMs` and the first successful probe closes it again. Timers are unref'd.
 */
export class CircuitBreaker {
  #failures = 0;
  #state: BreakerState = 'closed';
  #timer: NodeJS.Timeout | undefined;
  /** The probe running now (scheduled or asked for): concurrent askers share it. */
  #probing: Promise<void> | undefined;
  /** performance.now() when the last probe failed: an asked-for probe right after it would only repeat it. */
  #failedProbeAt = Number.NEGATIVE_INFINITY;
  #stopped = false;
  readonly #options: BreakerOptions;

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** True while Redis may be used. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Records a successful Redis call. */
  success(): void {
    this.#failures = 0;
  }

  /** Records a failed Redis call; opens the breaker at the threshold. */
  failure(): void {
    this.#failures += 1;
    if (this.#state === 'closed' && this.#failures >= this.#options.threshold) this.#open();
  }

  /**
   * While open, probes at once instead of at the next scheduled time, and resolves when that probe is done (the
   * breaker closed, or still open). A write about to leave its invalidation unconfirmed asks: Redis may be back
   * already, and another process that trusts it again could serve the entry the write left (issue 22's F2).
   * Concurrent calls share one probe; closed or stopped, or within half a probe interval of a failed probe (Redis
   * just said it is still down: a write's retry must not wait for a second probe), it resolves at once.
   */
  probeNow(): Promise<void> {
    if (this.#state === 'closed' || this.#stopped) return Promise.resolve();
    if (!this.#probing && performance.now() - this.#failedProbeAt < this.#options.probeIntervalMs / 2) {
      return Promise.resolve();
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#probe();
  }

  /** Stops probing (on close of the cache). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #open(): void {
    this.#state = 'open';
    this.#options.onChange?.('open');
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#probe();
    }, this.#options.probeIntervalMs);
    this.#timer.unref?.();
  }

  #probe(): Promise<void> {
    this.#probing ??= this.#runProbe().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  async #runProbe(): Promise<void> {
    let ok = false;
    try {
      ok = await this.#options.probe();
    } catch {
      ok = false;
    }
    if (this.#stopped) return;
    if (ok) {
      this.#failures = 0;
      this.#state = 'closed';
      this.#options.onChange?.('closed');
    } else {
      this.#failedProbeAt = performance.now();
      this.#schedule();
    }
  }
}

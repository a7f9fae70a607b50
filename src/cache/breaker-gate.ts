import { CircuitBreaker } from './breaker.ts';
import { type Connection, errorMessage } from './connection.ts';
import type { CacheCounters } from './counters.ts';
import type { ResolvedCacheOptions } from './options.ts';
import { type LuaScript, REMOVE, runScript } from './scripts.ts';
import type { Watchdog } from './watchdog.ts';

export interface BreakerGateOptions {
  options: ResolvedCacheOptions;
  connection: Connection;
  watchdog: Watchdog;
  counters: CacheCounters;
  /** Called on every failure: the fence after an outage stops trusting Redis (fence.ts). */
  distrust: (reason: string) => void;
  /** The breaker's probe while open (PING, then replay of unconfirmed invalidations). */
  probe: () => Promise<boolean>;
}

/**
 * Whether the cache may touch Redis now, and what a failure does: the cache is not closed, the circuit breaker
 * is closed, and the first connection was made (waited for at most commandTimeoutMs). A failure distrusts the
 * fence, counts an error and counts towards opening the breaker; a success resets the breaker's count.
 */
export class BreakerGate {
  readonly #o: BreakerGateOptions;
  readonly #breaker: CircuitBreaker;
  #closed = false;
  readonly #bound = <T>(send: () => Promise<T>): Promise<T> => this.#o.watchdog.command(send);

  constructor(o: BreakerGateOptions) {
    this.#o = o;
    const { options } = o;
    const ns = options.namespace;
    this.#breaker = new CircuitBreaker({
      threshold: options.breakerThreshold,
      probeIntervalMs: options.breakerProbeIntervalMs,
      probe: o.probe,
      onChange: (state) => {
        if (state === 'open') {
          options.logger.warn(
            `Redis failed ${options.breakerThreshold} times in a row: cache degraded (reads miss, loads go to the database) until a probe succeeds`,
            { namespace: ns, probeIntervalMs: options.breakerProbeIntervalMs },
          );
        } else {
          options.logger.warn('Redis answers again: cache back in use', { namespace: ns });
        }
      },
    });
  }

  /** True once the cache is closed (nothing touches Redis any more, nothing is counted). */
  get closed(): boolean {
    return this.#closed;
  }

  get breakerClosed(): boolean {
    return this.#breaker.closed;
  }

  get breakerState(): string {
    return this.#breaker.state;
  }

  /**
   * Whether Redis may be touched now: not closed, breaker closed. Before the very first connection it waits
   * for it at most commandTimeoutMs (a fresh cache must not miss because its socket is still connecting).
   * Synchronous (no promise) on the hot path.
   */
  usable(): boolean | Promise<boolean> {
    if (this.#closed || !this.#breaker.closed) return false;
    if (this.#o.connection.everReady) return true;
    return this.waitFirstReady();
  }

  /** While the breaker is open, probes Redis now (shared with concurrent callers); see CircuitBreaker.probeNow. */
  probeNow(): Promise<void> {
    return this.#closed ? Promise.resolve() : this.#breaker.probeNow();
  }

  /** Waits for the first connection; Redis down from the start counts like any failure (the breaker opens). */
  async waitFirstReady(): Promise<boolean> {
    if (await this.#o.connection.waitReady()) return true;
    this.#breaker.failure();
    return false;
  }

  /** Runs one command under the watchdog. */
  command<T>(send: () => Promise<T>): Promise<T> {
    return this.#o.watchdog.command(send);
  }

  /** Runs a Lua script, each round trip (EVALSHA, EVAL after NOSCRIPT) under the watchdog; a reply is a success. */
  async run(lua: LuaScript, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    const result = await runScript(this.#o.connection.client, lua, keys, args, this.#bound);
    this.#breaker.success();
    return result;
  }

  /** Runs REMOVE over each batch (KeySpace.removeBatches); returns how many values existed. */
  async remove(batches: readonly string[][]): Promise<number> {
    const counts = await Promise.all(batches.map((keys) => this.run(REMOVE, keys, [])));
    return counts.reduce<number>((sum, n) => sum + Number(n), 0);
  }

  success(): void {
    this.#breaker.success();
  }

  /** A failure that is not an operation's (a statistics flush): counts towards the breaker only. */
  failure(): void {
    this.#breaker.failure();
  }

  /** Counts a Redis failure of `operation`. */
  failed(operation: string, error: unknown): void {
    this.#o.distrust(`redis ${operation} failed`);
    this.#o.counters.count('errors');
    this.#breaker.failure();
    this.#o.options.logger.debug(`redis ${operation} failed`, { error: errorMessage(error) });
  }

  close(): void {
    this.#closed = true;
    this.#breaker.stop();
  }
}

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BreakerGate } from './breaker-gate.ts';
import { CachedEntry, CORRUPT, decode, decodeEntry, encodeEntry } from './codec.ts';
import type { CorruptEntries } from './corrupt-entries.ts';
import type { CacheCounters } from './counters.ts';
import type { Fence } from './fence.ts';
import type { KeySpace } from './key-space.ts';
import type { ResolvedCacheOptions } from './options.ts';
import { ACQUIRE, FILL, RELEASE } from './scripts.ts';

export interface LeaseDeps {
  options: ResolvedCacheOptions;
  keys: KeySpace;
  gate: BreakerGate;
  counters: CacheCounters;
  corrupt: CorruptEntries;
  fence: Fence | undefined;
}

/**
 * The miss path of getOrLoad (docs/cache.md, "Leases"): take the key's lease (ACQUIRE), load, and store only while
 * the lease still holds this caller's token (FILL) — an invalidation in between voids the lease, so a value loaded
 * before it is never stored. A caller that finds the lease held polls for the holder's value at most leaseWaitMs,
 * then loads without storing. A load that began before the fence dropped does not store either.
 */
export class Leases {
  readonly #d: LeaseDeps;

  constructor(deps: LeaseDeps) {
    this.#d = deps;
  }

  /** Calls the loader (counted). */
  async load<T>(loader: () => Promise<T>): Promise<T> {
    this.#d.counters.event('loads');
    return await loader();
  }

  /** Resolves to the value, or with `asEntry` to its CachedEntry (typed T by the caller). */
  async loadWithLease<T>(key: string, loader: () => Promise<T>, ttlMs: number, asEntry = false): Promise<T> {
    const { options, gate, fence, counters } = this.#d;
    const valueKey = this.#d.keys.value(key);
    const leaseKey = this.#d.keys.lease(key);
    const token = randomUUID();
    const epoch = fence?.epoch;
    const deadline = Date.now() + options.leaseWaitMs;
    let waited = false;
    for (;;) {
      let reply: unknown;
      try {
        reply = await gate.run(ACQUIRE, [valueKey, leaseKey], [token, options.leaseTtlMs]);
      } catch (error) {
        gate.failed('acquire lease', error);
        return await this.#loadBypass(loader, asEntry);
      }
      const [state, raw] = reply as [number, string | undefined];
      if (state === 1 && raw !== undefined) {
        if (fence !== undefined && (!fence.trusted || fence.epoch !== epoch)) {
          return await this.#loadBypass(loader, asEntry); // Redis failed since this read began: not to be trusted
        }
        const value = asEntry ? (decodeEntry(raw) as T | typeof CORRUPT) : decode<T>(raw);
        if (value !== CORRUPT) return value;
        await this.#d.corrupt.drop(key, raw);
        return await this.#loadBypass(loader, asEntry);
      }
      if (state === 2) return await this.#loadAndFill(key, valueKey, leaseKey, token, loader, ttlMs, epoch, asEntry);
      if (!waited) {
        waited = true;
        counters.event('leaseWaits');
      }
      if (Date.now() + options.leasePollMs > deadline || !(await gate.usable())) {
        counters.event('leaseWaitTimeouts');
        return await this.#loadBypass(loader, asEntry);
      }
      await sleep(options.leasePollMs);
    }
  }

  async #loadAndFill<T>(
    key: string,
    valueKey: string,
    leaseKey: string,
    token: string,
    loader: () => Promise<T>,
    ttlMs: number,
    epoch: number | undefined,
    asEntry: boolean,
  ): Promise<T> {
    const { gate, fence } = this.#d;
    const release = (): Promise<unknown> =>
      gate.run(RELEASE, [leaseKey], [token]).catch((e: unknown) => gate.failed('release lease', e));
    let value: T;
    try {
      value = await this.load(loader);
    } catch (error) {
      // Free the key for the next loader instead of making it wait for the lease TTL.
      await release();
      throw error;
    }
    const encoded = encodeEntry(value);
    const result = asEntry ? ((encoded?.entry ?? CachedEntry.of(value)) as T) : value;
    if (encoded === undefined) {
      await release();
      return result;
    }
    const payload = encoded.raw;
    if (!(await gate.usable())) return result;
    if (fence !== undefined && (!fence.trusted || fence.epoch !== epoch)) {
      // Redis failed (maybe restarted from a snapshot still holding this lease) since the lease was taken
      await release();
      return result;
    }
    try {
      const stored = await gate.run(FILL, [valueKey, leaseKey], [token, payload, ttlMs]);
      if (stored === 1) this.#d.counters.count('sets');
      else {
        this.#d.counters.event('staleSetsRefused');
        this.#d.options.logger.debug('loaded value not stored: its lease was voided by an invalidation or expired', {
          key,
        });
      }
    } catch (error) {
      gate.failed('fill', error);
    }
    return result;
  }

  async #loadBypass<T>(loader: () => Promise<T>, asEntry: boolean): Promise<T> {
    const value = await this.load(loader);
    return asEntry ? (CachedEntry.of(value) as T) : value;
  }
}

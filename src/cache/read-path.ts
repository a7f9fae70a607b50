import type { RedisClient } from '../redis/connect.ts';
import type { BreakerGate } from './breaker-gate.ts';
import { CachedEntry, CORRUPT, decode, decodeEntry } from './codec.ts';
import type { CorruptEntries } from './corrupt-entries.ts';
import type { CacheCounters } from './counters.ts';
import type { DecodedValues } from './decoded-values.ts';
import type { Fence } from './fence.ts';
import type { KeySpace } from './key-space.ts';
import type { Leases } from './leases.ts';
import type { PendingInvalidations } from './pending-invalidations.ts';
import { ReadBatcher } from './read-batcher.ts';
import type { Watchdog } from './watchdog.ts';

/**
 * What a read carries through the batch: nothing for `get` (a miss or failure resolves to undefined), or for
 * `getOrLoad` its loader and TTL — a miss then resolves to the lease protocol's load, a failure to a plain load.
 */
interface LoadTag {
  loader: () => Promise<unknown>;
  ttlMs: number;
  /** Resolve to the CachedEntry, not the value. */
  entry: boolean;
}
type ReadTag = LoadTag | undefined;

export interface ReadPathDeps {
  client: RedisClient;
  /** On a Cluster the keys of one MGET must share a slot: the batch's keys leave as one GET each, sent together. */
  cluster: boolean;
  keys: KeySpace;
  watchdog: Watchdog;
  gate: BreakerGate;
  counters: CacheCounters;
  corrupt: CorruptEntries;
  leases: Leases;
  pending: PendingInvalidations;
  fence: Fence | undefined;
  /** Decoded values by their text (undefined: every hit is decoded afresh). */
  decoded?: DecodedValues | undefined;
}

/**
 * The counted read of `get` and `getOrLoad`. On the hit path (valid key, Redis usable, fence up or off, no
 * unconfirmed invalidation of the key: checked synchronously) the read goes straight into the batch (read-batcher.ts:
 * the reads of one turn leave as one GET/MGET under the watchdog) and the batch's hooks decode and count the reply,
 * so a hit costs one promise and resolves to its value; a getOrLoad miss resolves to the lease protocol's load.
 * Off the hit path a bypass is a miss a load must not fill: undefined for get, a plain load for getOrLoad.
 */
export class ReadPath {
  readonly #d: ReadPathDeps;
  readonly #reads: ReadBatcher<unknown, ReadTag, Buffer | null>;

  constructor(deps: ReadPathDeps) {
    this.#d = deps;
    const { client, watchdog, gate, counters, cluster } = deps;
    const one = (value: Buffer | null): (Buffer | null)[] => [value];
    const prefixLength = deps.keys.prefix.length;
    const decoded = deps.decoded;
    const decodeValue = decoded === undefined ? decode : (text: string) => decoded.decode(text);
    // Replies are read as bytes: an entry read as an entry keeps them (a route sends them as they are, codec.ts v3);
    // a value is decoded from its text, as ioredis would have made it.
    this.#reads = new ReadBatcher<unknown, ReadTag, Buffer | null>(
      (keys) =>
        keys.length === 1
          ? client.getBuffer(keys[0] as string).then(one)
          : cluster
            ? Promise.all(keys.map((key) => client.getBuffer(key)))
            : client.mgetBuffer(keys),
      256,
      {
        leaving: () => watchdog.begin(),
        settled: (id) => watchdog.end(id),
        value: (raw, key, tag) => {
          gate.success();
          if (raw !== null) {
            const value = tag?.entry === true ? decodeEntry(raw) : decodeValue(raw.toString('utf8'));
            if (value !== CORRUPT) {
              counters.hit();
              return value;
            }
            const logical = key.slice(prefixLength);
            return deps.corrupt.drop(logical, raw).then(() => this.#missed(logical, tag));
          }
          return this.#missed(key.slice(prefixLength), tag);
        },
        failed: (error, _key, tag) => {
          gate.failed('get', error);
          counters.miss();
          return this.#bypass(tag);
        },
      },
    );
  }

  get<T>(key: string): Promise<T | undefined> {
    const read = this.#direct(key) ? this.#reads.get(this.#d.keys.prefix + key) : this.#read(key, undefined);
    return read as Promise<T | undefined>;
  }

  /** `key` must be valid and `ttlMs` a valid TTL (0: none). */
  getOrLoad<T>(key: string, loader: () => Promise<T>, ttlMs: number, entry = false): Promise<T> {
    const tag: LoadTag = { loader, ttlMs, entry };
    const read = this.#direct(key) ? this.#reads.get(this.#d.keys.prefix + key, tag) : this.#read(key, tag);
    return read as Promise<T>;
  }

  /** Whether a read of `key` may go straight to Redis (synchronous). */
  #direct(key: string): boolean {
    const { gate, fence, pending } = this.#d;
    return (
      this.#d.keys.valid(key) &&
      gate.usable() === true &&
      (fence === undefined || fence.trusted) &&
      (pending.size === 0 || !pending.has(key))
    );
  }

  /** A miss (absent or corrupt entry): counted; a load may fill it (the lease protocol). */
  #missed(key: string, tag: ReadTag): unknown {
    this.#d.counters.miss();
    return tag === undefined ? undefined : this.#d.leases.loadWithLease(key, tag.loader, tag.ttlMs, tag.entry);
  }

  #bypass(tag: ReadTag): unknown {
    if (tag === undefined) return undefined;
    return tag.entry
      ? this.#d.leases.load(tag.loader).then((value) => CachedEntry.of(value))
      : this.#d.leases.load(tag.loader);
  }

  /** Off the hit path: Redis unusable, the fence down, or the key's invalidation not yet confirmed (re-sent first). */
  async #read(key: string, tag: ReadTag): Promise<unknown> {
    const { gate, counters, fence, pending } = this.#d;
    const usable = gate.usable();
    if (!this.#d.keys.valid(key) || (usable !== true && !(await usable))) {
      if (!gate.closed) {
        counters.miss();
        counters.count('errors');
      }
      return this.#bypass(tag);
    }
    if (fence !== undefined && !fence.trusted) {
      counters.miss();
      return this.#bypass(tag);
    }
    if (pending.size > 0 && !(await pending.confirmed(key))) {
      counters.miss();
      return this.#bypass(tag);
    }
    return await this.#reads.get(this.#d.keys.prefix + key, tag);
  }
}

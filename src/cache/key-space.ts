import { INTERNAL_PREFIX } from './internal-keys.ts';

/**
 * The lease of the entry `<namespace>:<key>`: `<namespace>:__cache__:lease:{<namespace>:<key>}`. The braces are a
 * Redis Cluster hash tag holding the value key itself, so for every key without braces (every key the builders of
 * keys.ts make: they escape `{` and `}`) value and lease hash to the same slot and one Lua script may touch both.
 * The invalidator names leases the same way.
 */
export function leaseKeyOf(namespace: string, key: string): string {
  return `${namespace}:${INTERNAL_PREFIX}lease:{${namespace}:${key}}`;
}

/**
 * The statistics keys share the hash tag `{stats}` — one slot, so the flush script may update the system hash, the
 * worker's hash and the set of workers at once on a Cluster too, and the system-wide counters stay one hash.
 */
export const STATS_TAG = '{stats}';

/**
 * Where a logical key lives in Redis: values under `<namespace>:`, leases and statistics under
 * `<namespace>:__cache__:`. Logical keys starting with the internal prefix are refused by every method; on a
 * Cluster, so are keys with `{` or `}` (their value and lease would hash to different slots).
 */
export class KeySpace {
  /** `<namespace>:` — prefix of every value key (and of every pattern). */
  readonly prefix: string;
  /** `<namespace>:__cache__:` — leases, statistics and the consistency marker. */
  readonly internal: string;
  readonly leasePrefix: string;
  readonly statsSystem: string;
  readonly statsWorker: string;
  readonly statsWorkers: string;

  readonly #namespace: string;
  /** On a Cluster: keys with braces are refused (see `valid`). */
  readonly #cluster: boolean;

  constructor(namespace: string, workerId: string, cluster = false) {
    this.#namespace = namespace;
    this.#cluster = cluster;
    this.prefix = `${namespace}:`;
    this.internal = `${namespace}:${INTERNAL_PREFIX}`;
    this.leasePrefix = `${this.internal}lease:`;
    this.statsSystem = `${this.internal}${STATS_TAG}:system`;
    this.statsWorker = this.statsWorkerOf(workerId);
    this.statsWorkers = `${this.internal}${STATS_TAG}:workers`;
  }

  /** Whether `key` is a logical key the API accepts (non-empty string, not internal; no braces on a Cluster). */
  valid(key: unknown): key is string {
    return (
      typeof key === 'string' &&
      key.length > 0 &&
      !key.startsWith(INTERNAL_PREFIX) &&
      !(this.#cluster && /[{}]/.test(key))
    );
  }

  value(key: string): string {
    return this.prefix + key;
  }

  lease(key: string): string {
    return leaseKeyOf(this.#namespace, key);
  }

  /** The MATCH pattern of the leases of the entries `pattern` (logical, without namespace) matches. */
  leasePattern(pattern: string): string {
    return `${this.leasePrefix}{${this.prefix}${pattern}}`;
  }

  statsWorkerOf(workerId: string): string {
    return `${this.internal}${STATS_TAG}:worker:${workerId}`;
  }

  /**
   * The KEYS of the REMOVE scripts that delete `keys`: one script for all of them, or on a Cluster one per key
   * (its value and lease share a slot; different keys generally do not).
   */
  removeBatches(keys: readonly string[]): string[][] {
    return this.#cluster ? keys.map((key) => this.valueAndLease([key])) : [this.valueAndLease(keys)];
  }

  /** Value and lease key of each key: what an invalidation deletes (REMOVE). */
  valueAndLease(keys: readonly string[]): string[] {
    const list: string[] = [];
    for (const key of keys) list.push(this.value(key), this.lease(key));
    return list;
  }
}

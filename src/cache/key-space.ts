import { INTERNAL_PREFIX } from './internal-keys.ts';

/**
 * Where a logical key lives in Redis: values under `<namespace>:`, leases and statistics under
 * `<namespace>:__cache__:`. Logical keys starting with the internal prefix are refused by every method.
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

  constructor(namespace: string, workerId: string) {
    this.prefix = `${namespace}:`;
    this.internal = `${namespace}:${INTERNAL_PREFIX}`;
    this.leasePrefix = `${this.internal}lease:`;
    this.statsSystem = `${this.internal}stats:system`;
    this.statsWorker = this.statsWorkerOf(workerId);
    this.statsWorkers = `${this.internal}stats:workers`;
  }

  /** Whether `key` is a logical key the API accepts (non-empty string, not internal). */
  static valid(key: unknown): key is string {
    return typeof key === 'string' && key.length > 0 && !key.startsWith(INTERNAL_PREFIX);
  }

  value(key: string): string {
    return this.prefix + key;
  }

  lease(key: string): string {
    return this.leasePrefix + key;
  }

  statsWorkerOf(workerId: string): string {
    return `${this.internal}stats:worker:${workerId}`;
  }

  /** Value and lease key of each key: what an invalidation deletes (REMOVE). */
  valueAndLease(keys: readonly string[]): string[] {
    const list: string[] = [];
    for (const key of keys) list.push(this.value(key), this.lease(key));
    return list;
  }
}

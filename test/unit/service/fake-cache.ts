import type { Cache, GetOrLoadOptions } from '../../../src/cache/types.ts';
import { createCacheOff } from '../../../src/service/cache-off.ts';

/** An in-memory Cache that records which keys were read (with which TTL) and invalidated. */
export class FakeCache implements Cache {
  readonly store = new Map<string, unknown>();
  readonly reads: { key: string; ttlSeconds?: number }[] = [];
  readonly invalidated: string[][] = [];
  /** markInvalidated calls, in order: [xid, keys]. */
  readonly marked: [string, string[]][] = [];
  failInvalidate = false;
  private readonly off = createCacheOff();

  get = this.off.get;
  set = this.off.set;
  delete = this.off.delete;
  exists = this.off.exists;
  deletePattern = this.off.deletePattern;
  clearAll = this.off.clearAll;
  stats = this.off.stats;
  ping = async () => true;
  close = async () => {};

  async getOrLoad<T>(key: string, loader: () => Promise<T>, options?: GetOrLoadOptions): Promise<T> {
    this.reads.push({ key, ...(options?.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }) });
    if (this.store.has(key)) return this.store.get(key) as T;
    const value = await loader();
    this.store.set(key, value);
    return value;
  }

  async markInvalidated(xid: string, keys: readonly string[]): Promise<boolean> {
    this.marked.push([xid, [...keys]]);
    return true;
  }

  async invalidate(...keys: string[]): Promise<void> {
    this.invalidated.push(keys);
    if (this.failInvalidate) throw new Error('Redis did not confirm');
    for (const key of keys) this.store.delete(key);
  }
}

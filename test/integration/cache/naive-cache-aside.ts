import type { Redis } from 'ioredis';

/**
 * The cache-aside the Python FastNPC cache does (and most tutorials show): GET; on a miss call the loader and
 * SET its result; invalidate = DEL. Test fixture only — it exists to show that it fails the stale-set race.
 */
export class NaiveCacheAside {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  async getOrLoad<T>(key: string, loader: () => Promise<T>): Promise<T> {
    const raw = await this.redis.get(`${this.namespace}:${key}`);
    if (raw !== null) return JSON.parse(raw) as T;
    const value = await loader();
    await this.redis.set(`${this.namespace}:${key}`, JSON.stringify(value));
    return value;
  }

  async invalidate(...keys: string[]): Promise<void> {
    await this.redis.del(...keys.map((key) => `${this.namespace}:${key}`));
  }
}

/** A cache of the project's module on the target's Redis, for the module-level checks (the app's user where known). */
import { createCache } from '../../src/cache/index.ts';
import type { Cache } from '../../src/cache/types.ts';
import { target } from './target.ts';

export function moduleCache(extra: { workerId?: string; namespace?: string } = {}): Cache {
  const t = target();
  const url = new URL(t.redisUrl);
  const appPassword = t.serviceEnv?.REDIS_PASSWORD;
  const useApp = Boolean(t.appRedisUser && appPassword);
  const common = {
    namespace: extra.namespace ?? 'fastnpc',
    workerId: extra.workerId ?? `acceptance:${process.pid}`,
    registry: false as const,
  };
  if (t.redisTopology && t.redisTopology.kind !== 'single') {
    // Sentinel or Cluster: the same topology the service uses, as the app's user where known
    return createCache({
      redis: { ...t.redisTopology, ...(useApp ? { username: t.appRedisUser } : {}) },
      password: useApp ? appPassword : t.redisPassword,
      ...common,
    });
  }
  return createCache({
    redis: {
      host: url.hostname,
      port: Number(url.port || 6379),
      username: useApp ? t.appRedisUser : url.username || undefined,
      password: useApp ? appPassword : t.redisPassword,
      tls: url.protocol === 'rediss:' ? {} : undefined,
    },
    ...common,
  });
}

/** How long a module cache on a topology may take until every primary confirms a write. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * `moduleCache()`, returned once it writes through on every server: the cache waits for its first connection only
 * `commandTimeoutMs` (fail-fast), and a Cluster client opens its primaries' connections after its first `ready` —
 * on a busy host the first calls then degrade (a store refused, an invalidation unconfirmed), which is the cache
 * working as designed but not what the module rows measure. Invalidating 16 probe keys (spread over the slots, so
 * over every primary of a 3-primary Cluster with near certainty) must succeed first.
 */
export async function connectedModuleCache(extra: { workerId?: string; namespace?: string } = {}): Promise<Cache> {
  const cache = moduleCache(extra);
  const probes = Array.from({ length: 16 }, (_, i) => `acceptance:connect-probe:${process.pid}:${i}`);
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    try {
      await cache.invalidate(...probes);
      return cache;
    } catch (error) {
      if (Date.now() > deadline) {
        await cache.close();
        throw new Error(`the module cache did not write through within ${CONNECT_TIMEOUT_MS} ms`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

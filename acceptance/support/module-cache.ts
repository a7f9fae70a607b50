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

/**
 * A twin of the embedded target's service for the rows' controls: the same code, database, users and session secret,
 * started beside the target with one thing changed — the cache off, an emulated FastNPC defect, other TTLs — so a row
 * can show, in the same run, that its check fails where it must. Only an embedded target can start one (its
 * `serviceEnv` is known); on an external target `startTwin` returns undefined and the control says it did not run.
 *
 * A twin with the cache on uses its own key namespace (so it never shares an entry with the target) through the
 * target's admin connection to Redis (the app's ACL user may only touch `fastnpc:*`), and runs without the
 * commit-log invalidator (FASTNPC_INVALIDATOR=off: a second invalidator would need its own replication slot); the
 * worker still invalidates after each of its writes.
 */
import { INTERNAL_PREFIX } from '../../src/cache/index.ts';
import { STATS_TAG } from '../../src/cache/key-space.ts';
import { startService } from '../../src/service/cluster.ts';
import { target } from './target.ts';

export interface TwinOptions {
  cache: 'on' | 'off';
  /** Key namespace of a twin with the cache on. @default 'acc_twin' */
  namespace?: string;
  /** FASTNPC_EMULATE_DEFECTS of the twin. */
  defects?: string[];
  /** Extra environment (e.g. CACHE_TTL_PROFILE_SECONDS). */
  env?: Record<string, string>;
}

export interface Twin {
  baseUrl: string;
  workerUrls: [string, string];
  /** The twin's key for a key of the target's `reference` profile (`fastnpc:…` → `<namespace>:…`). */
  key(referenceKey: string): string;
  /** The twin's system counters in Redis (cache on). */
  statsHash: string;
  stop(): Promise<void>;
}

/** Starts a twin of the embedded target's service; undefined on a target whose service this process cannot start. */
export async function startTwin(options: TwinOptions): Promise<Twin | undefined> {
  const t = target();
  if (t.kind === 'external' || !t.databaseUrl || !t.serviceEnv) return undefined;
  const {
    REDIS_URL: _url,
    REDIS_PASSWORD: _pw,
    FASTNPC_EMULATE_DEFECTS: _defects,
    CACHE_NAMESPACE: _ns,
    REDIS_TOPOLOGY: _topology,
    REDIS_SENTINELS: _sentinels,
    REDIS_SENTINEL_NAME: _name,
    REDIS_SENTINEL_PASSWORD: _sentinelPassword,
    REDIS_CLUSTER_NODES: _nodes,
    REDIS_USERNAME: _user,
    ...base
  } = t.serviceEnv;
  const namespace = options.namespace ?? 'acc_twin';
  const env: Record<string, string> = { ...base, ...options.env };
  if (options.defects?.length) env.FASTNPC_EMULATE_DEFECTS = options.defects.join(',');
  if (options.cache === 'on') {
    env.CACHE_NAMESPACE = namespace;
    env.FASTNPC_INVALIDATOR = 'off';
    // the admin password reaches the twin through its environment only, never argv or a URL
    if (t.redisPassword) env.REDIS_PASSWORD = t.redisPassword;
  }
  const svc = await startService({
    port: 0,
    workers: 2,
    databaseUrl: t.databaseUrl,
    // the admin's way in: the URL, or the topology (Sentinel, Cluster) as the `default` user
    ...(options.cache === 'on'
      ? t.redisTopology && t.redisTopology.kind !== 'single'
        ? { redisTopology: t.redisTopology }
        : { redisUrl: t.redisUrl }
      : {}),
    cacheMode: options.cache,
    env,
    seed: false,
    // a shared, busy host may take a while to start two more workers
    startTimeoutMs: 180_000,
  });
  const [w1 = svc.baseUrl, w2 = w1] = svc.workerUrls;
  return {
    baseUrl: svc.baseUrl,
    workerUrls: [w1, w2],
    key: (referenceKey) => referenceKey.replace(/^fastnpc:/, `${namespace}:`),
    statsHash: `${namespace}:${INTERNAL_PREFIX}${STATS_TAG}:system`,
    stop: () => svc.stop(),
  };
}

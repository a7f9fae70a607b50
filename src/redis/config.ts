/**
 * Where Redis is and how to reach it: the variables the cache (`cacheOptionsFromEnv`), the service, the invalidator
 * and the gate read the same way. Declared here once; `topologyFromEnv` (topology.ts) and `cacheOptionsFromEnv`
 * (src/cache/options.ts) check the combinations and name the variable at fault.
 */
import { defineRegistry, variable } from '../config/registry.ts';

export const REDIS_VARIABLES = {
  REDIS_TOPOLOGY: variable.string('Where Redis is: one server (REDIS_URL), a Sentinel set or a Cluster', {
    default: 'single',
    type: 'single \\| sentinel \\| cluster',
  }),
  REDIS_URL: variable.string(
    'The Redis of `single` (`redis://` or `rediss://`); unset: the service starts a private one',
    {
      secret: true,
      type: 'URL',
    },
  ),
  REDIS_HOST: variable.string('Host of the cache module without REDIS_URL', { default: 'localhost' }),
  REDIS_PORT: variable.int('Port of the cache module without REDIS_URL', { default: 6379, max: 65_535 }),
  REDIS_DB: variable.int('Database number (without REDIS_URL, and of a Sentinel topology)', { default: 0 }),
  REDIS_PASSWORD: variable.string('Password of the data nodes (the `app` ACL user); never in a URL or a log', {
    secret: true,
  }),
  REDIS_USERNAME: variable.string("ACL user of the data nodes for Sentinel / Cluster (single: the URL's user)"),
  REDIS_SENTINELS: variable.string('`host:port,…` of the Sentinels (REDIS_TOPOLOGY=sentinel)', { type: 'list' }),
  REDIS_SENTINEL_NAME: variable.string('Name of the monitored primary (REDIS_TOPOLOGY=sentinel)', {
    default: 'fastnpc',
  }),
  REDIS_SENTINEL_PASSWORD: variable.string('Password of the Sentinels, when they require one', { secret: true }),
  REDIS_CLUSTER_NODES: variable.string('`host:port,…` of any Cluster nodes (REDIS_TOPOLOGY=cluster)', {
    type: 'list',
  }),
  CACHE_NAMESPACE: variable.string('Key prefix of the cache (the invalidator slot is `<namespace>_invalidator`)', {
    default: 'fastnpc',
  }),
  CACHE_COMMAND_TIMEOUT_MS: variable.int('Upper bound of each Redis command of the cache', {
    min: 1,
    defaultDoc: '100 (the cache module)',
  }),
  CACHE_FENCE: variable.onWhen('on', "`on`: the cache module's fence after an outage (`cacheOptionsFromEnv`)"),
};

/** The Redis connection, shared by every program that reaches the cache. */
export const redisRegistry = defineRegistry('redis', REDIS_VARIABLES);

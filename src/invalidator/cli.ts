import { parseArgs } from 'node:util';
import pg from 'pg';
import { UsageError } from '../cli/usage-error.ts';
import { ConfigError } from '../config/registry.ts';
import { describeTopology, type RedisTopology, RedisTopologyError, topologyFromEnv } from '../redis/topology.ts';
import { loadInvalidatorConfig } from './config.ts';
import { startInvalidator } from './invalidator.ts';
import { PROFILES } from './profiles.ts';
import { checkSlotWalLimit, SlotWalUnlimitedError } from './slot.ts';

const HELP = `npm run invalidator -- [--database-url URL] [--redis-url URL] [--profile plan|reference] [--namespace fastnpc] [--slot NAME]

Tails PostgreSQL's commit log (logical replication slot, pgoutput) and deletes the cache entries each committed
transaction affects, restore-aware (see docs/invalidation.md). PostgreSQL needs wal_level=logical.
Prefer the environment for credentials (argv is visible to every user of the host):
  DATABASE_URL, REDIS_URL, REDIS_PASSWORD (never logged), CACHE_NAMESPACE.
Beyond one Redis: REDIS_TOPOLOGY=sentinel with REDIS_SENTINELS=host:port,… REDIS_SENTINEL_NAME (fastnpc)
REDIS_SENTINEL_PASSWORD, or REDIS_TOPOLOGY=cluster with REDIS_CLUSTER_NODES=host:port,… (docs/topology.md).
Controls of the failover tests only (default on): FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS=off,
FASTNPC_INVALIDATOR_REPLAY=off (docs/topology.md).
It refuses to start (exit 2) when PostgreSQL's max_slot_wal_keep_size is unlimited (-1, the default): a stopped
invalidator's slot would keep WAL until the disk is full. Set a cap, or waive it saying why:
  FASTNPC_INVALIDATOR_WAL_WAIVER="<reason>" (logged at start).`;

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        'database-url': { type: 'string' },
        'redis-url': { type: 'string' },
        profile: { type: 'string', default: 'plan' },
        namespace: { type: 'string' },
        slot: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  let config: ReturnType<typeof loadInvalidatorConfig>;
  try {
    config = loadInvalidatorConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const databaseUrl = (values['database-url'] as string | undefined) ?? config.DATABASE_URL;
  const redisUrl = (values['redis-url'] as string | undefined) ?? config.redis.REDIS_URL;
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new UsageError('--database-url (or DATABASE_URL) must be a postgres:// URL');
  let topology: RedisTopology | undefined;
  try {
    topology = topologyFromEnv({ ...config.env, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) });
  } catch (error) {
    if (error instanceof RedisTopologyError) throw new UsageError(error.message);
    throw error;
  }
  if (!topology) throw new UsageError('--redis-url (or REDIS_URL) must be a redis:// or rediss:// URL');
  const profileName = String(values.profile);
  const profile = PROFILES[profileName];
  if (!profile)
    throw new UsageError(`--profile must be one of ${Object.keys(PROFILES).join(', ')}, got ${profileName}`);
  const namespace = (values.namespace as string | undefined) ?? config.redis.CACHE_NAMESPACE;
  if (!/^[A-Za-z0-9_.-]+$/.test(namespace)) throw new UsageError('--namespace: letters, digits, _ . - only');
  const slot = values.slot as string | undefined;
  if (slot !== undefined && !/^[a-z0-9_]{1,63}$/.test(slot)) throw new UsageError('--slot: a-z, 0-9, _ (≤ 63)');
  const switches = {
    waitForReplicas: config.FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS === 'on',
    replay: config.FASTNPC_INVALIDATOR_REPLAY === 'on',
  };
  const log = (level: string) => (msg: string, context?: Record<string, unknown>) =>
    console.error(JSON.stringify({ level, component: 'invalidator', msg, ...context }));
  const waiver = config.FASTNPC_INVALIDATOR_WAL_WAIVER;
  // PostgreSQL may still be starting: a few attempts before the check counts as failed
  for (let attempt = 1; ; attempt++) {
    const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      const limit = await checkSlotWalLimit(probe, waiver);
      if (limit.waived)
        log('warn')('max_slot_wal_keep_size is unlimited: started under a waiver', { setting: limit.setting, waiver });
      else log('info')('slot WAL capped', { max_slot_wal_keep_size: limit.setting });
      break;
    } catch (error) {
      if (error instanceof SlotWalUnlimitedError) throw new UsageError(error.message);
      if (attempt >= 30) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await probe.end().catch(() => {});
    }
  }
  // Every Redis or PostgreSQL error ends a session, never the process (issue 22). Should one still escape, it is
  // logged as one structured line (no raw stack) before the exit, and the supervisor restarts the process.
  const fatal = (kind: string) => (error: unknown) => {
    console.error(
      JSON.stringify({
        level: 'fatal',
        component: 'invalidator',
        msg: `${kind}: exiting`,
        err: error instanceof Error ? error.message : String(error),
      }),
    );
    process.exit(1);
  };
  // Node's own warnings (e.g. MaxListenersExceededWarning) as structured lines too, not raw text
  process.removeAllListeners('warning');
  process.on('warning', (warning) => log('warn')('node warning', { name: warning.name, warning: warning.message }));
  process.on('unhandledRejection', fatal('unhandled rejection'));
  process.on('uncaughtException', fatal('uncaught exception'));
  const invalidator = startInvalidator({
    databaseUrl,
    redis: topology,
    ...switches,
    ...(config.redis.REDIS_PASSWORD ? { redisPassword: config.redis.REDIS_PASSWORD } : {}),
    profile,
    namespace,
    ...(slot ? { slot } : {}),
    logger: { info: log('info'), warn: log('warn') },
  });
  console.error(
    JSON.stringify({
      level: 'info',
      component: 'invalidator',
      msg: 'started',
      profile: profileName,
      namespace,
      redis: describeTopology(topology),
    }),
  );
  const stop = async () => {
    await invalidator.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`fastnpc invalidator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});

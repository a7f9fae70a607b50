import { randomBytes } from 'node:crypto';
import {
  INVALIDATOR_SWITCHES,
  InvalidatorSwitchError,
  type InvalidatorSwitches,
  invalidatorSwitches,
} from '../invalidator/switches.ts';
import { type RedisTopology, RedisTopologyError, topologyFromEnv } from '../redis/topology.ts';

/** Models a user may pick as `default_model` (the list of the real app). */
export const ALLOWED_MODELS: readonly string[] = [
  'z-ai/glm-4-32b',
  'z-ai/glm-4.5-air:free',
  'deepseek/deepseek-chat-v3.1:free',
  'tencent/hunyuan-a13b-instruct:free',
];

/** Everything a worker reads from its environment, with the defaults in one place. */
export interface ServiceConfig {
  /** Shared port of all workers. @default 8000 */
  port: number;
  /** 1-based worker number; the worker also listens on `port + workerIndex` (0 = single process, no own port). */
  workerIndex: number;
  host: string;
  databaseUrl: string;
  /** '' when the cache is off or Redis is reached through Sentinel / Cluster. */
  redisUrl: string;
  /**
   * Where Redis is: REDIS_TOPOLOGY=single (REDIS_URL), sentinel (REDIS_SENTINELS, REDIS_SENTINEL_NAME,
   * REDIS_SENTINEL_PASSWORD) or cluster (REDIS_CLUSTER_NODES); see src/redis/topology.ts. undefined when the cache
   * is off.
   */
  redisTopology: RedisTopology | undefined;
  redisPassword: string | undefined;
  cacheMode: 'on' | 'off';
  /** Signs the session cookie; never logged. */
  secret: string;
  adminUser: string;
  ttlProfileSeconds: number;
  ttlListSeconds: number;
  llmLatencyMs: number;
  /** Session lifetime. @default 7 days */
  sessionMaxAgeSeconds: number;
  /** Largest accepted request body. @default 1 MiB */
  bodyLimitBytes: number;
  /** pg pool size per worker. @default 10 */
  poolMax: number;
  /** Upper bound of each Redis command of the cache. @default undefined = the cache module's default (100 ms) */
  cacheCommandTimeoutMs: number | undefined;
  production: boolean;
  /**
   * Test seam: write paths whose invalidation is skipped (comma list of WRITE_PATHS, or 'all'). Proves the
   * invalidation tests can fail. Refused in production.
   */
  skipInvalidation: ReadonlySet<string>;
  /**
   * FASTNPC_INVALIDATOR: `on` — the supervisor runs the commit-log invalidator and the workers fence the cache after
   * an outage; `external` — the invalidator runs elsewhere (fence on, none started here); `off` — neither (the
   * control of the fault suites: the design before it). @default 'on' ('off' with CACHE_MODE=off)
   */
  invalidator: InvalidatorMode;
  /** CACHE_NAMESPACE (the invalidator's slot is `<namespace>_invalidator`). @default 'fastnpc' */
  cacheNamespace: string;
  /**
   * FASTNPC_SERVER_TIMING=on: every answer carries `Server-Timing` (statements, transaction-id select, synchronous
   * delete, `syncinv` marker; npm run bench:write-path reads it). @default false
   */
  serverTiming: boolean;
}

export type InvalidatorMode = 'on' | 'external' | 'off';

/** FASTNPC_INVALIDATOR, checked (the supervisor and the workers read it the same way). */
export function invalidatorMode(env: NodeJS.ProcessEnv): InvalidatorMode {
  if ((env.CACHE_MODE ?? 'on').toLowerCase() === 'off') return 'off';
  const raw = (env.FASTNPC_INVALIDATOR ?? 'on').toLowerCase();
  if (raw !== 'on' && raw !== 'off' && raw !== 'external') {
    throw new ConfigError(`FASTNPC_INVALIDATOR must be on, external or off, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

export const DEFAULTS = {
  port: 8000,
  adminUser: 'admin',
  ttlProfileSeconds: 300,
  ttlListSeconds: 60,
  llmLatencyMs: 0,
  sessionMaxAgeSeconds: 7 * 24 * 3600,
  bodyLimitBytes: 1024 * 1024,
  poolMax: 10,
} as const;

/** The write paths that invalidate cache entries (names used in logs, metrics and the test seam). */
export const WRITE_PATHS = [
  'settings_update',
  'character_create',
  'character_rename',
  'character_copy',
  'character_delete',
  'structured_update',
  'memories_save',
  'account_delete',
] as const;
export type WritePath = (typeof WRITE_PATHS)[number];

export class ConfigError extends Error {
  readonly code = 'E_CONFIG';
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * The invalidator's control switches (src/invalidator/switches.ts), read by its process: checked here too so a
 * typo stops the service at start instead of the supervised invalidator exiting 2 again and again; `off` (a
 * failover test's control) is refused in production.
 */
function checkInvalidatorSwitches(env: NodeJS.ProcessEnv, production: boolean): void {
  let switches: InvalidatorSwitches;
  try {
    switches = invalidatorSwitches(env);
  } catch (error) {
    if (error instanceof InvalidatorSwitchError) throw new ConfigError(error.message);
    throw error;
  }
  if (!production) return;
  for (const [name, option] of Object.entries(INVALIDATOR_SWITCHES)) {
    if (!switches[option]) throw new ConfigError(`${name}=off is a test control; refused in production`);
  }
}

/** Reads the worker configuration; throws ConfigError naming the variable to fix. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const production = env.NODE_ENV === 'production';
  const secret = env.FASTNPC_SECRET ?? '';
  if (production && secret.length < 16) {
    throw new ConfigError('NODE_ENV=production requires FASTNPC_SECRET (at least 16 characters) to sign sessions');
  }
  const databaseUrl = env.DATABASE_URL ?? '';
  if (!databaseUrl) throw new ConfigError('DATABASE_URL is required');
  const cacheMode = (env.CACHE_MODE ?? 'on').toLowerCase();
  if (cacheMode !== 'on' && cacheMode !== 'off')
    throw new ConfigError(`CACHE_MODE must be on or off, got ${cacheMode}`);
  let redisTopology: RedisTopology | undefined;
  try {
    redisTopology = cacheMode === 'on' ? topologyFromEnv(env) : undefined;
  } catch (error) {
    if (error instanceof RedisTopologyError) throw new ConfigError(error.message);
    throw error;
  }
  if (cacheMode === 'on' && !redisTopology) {
    throw new ConfigError(
      'REDIS_URL is required when CACHE_MODE=on (or REDIS_TOPOLOGY=sentinel with REDIS_SENTINELS, or cluster with REDIS_CLUSTER_NODES)',
    );
  }
  const redisUrl = redisTopology?.kind === 'single' ? redisTopology.url : '';
  const skipRaw = (env.FASTNPC_TEST_SKIP_INVALIDATION ?? '').trim();
  if (skipRaw && production)
    throw new ConfigError('FASTNPC_TEST_SKIP_INVALIDATION is a test seam; refused in production');
  checkInvalidatorSwitches(env, production);
  const skip = new Set<string>();
  for (const name of skipRaw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (name === 'all') for (const p of WRITE_PATHS) skip.add(p);
    else if ((WRITE_PATHS as readonly string[]).includes(name)) skip.add(name);
    else
      throw new ConfigError(
        `FASTNPC_TEST_SKIP_INVALIDATION: unknown write path ${name} (one of ${WRITE_PATHS.join(', ')})`,
      );
  }
  return {
    port: int(env, 'PORT', DEFAULTS.port),
    workerIndex: int(env, 'WORKER_INDEX', 0),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl,
    redisUrl,
    redisTopology,
    redisPassword: env.REDIS_PASSWORD || undefined,
    cacheMode,
    // A single process without a secret gets a random one: sessions then end with the process.
    secret: secret || randomBytes(32).toString('hex'),
    adminUser: env.FASTNPC_ADMIN_USER || DEFAULTS.adminUser,
    ttlProfileSeconds: int(env, 'CACHE_TTL_PROFILE_SECONDS', DEFAULTS.ttlProfileSeconds, 1),
    ttlListSeconds: int(env, 'CACHE_TTL_LIST_SECONDS', DEFAULTS.ttlListSeconds, 1),
    llmLatencyMs: int(env, 'LLM_LATENCY_MS', DEFAULTS.llmLatencyMs),
    sessionMaxAgeSeconds: int(env, 'SESSION_MAX_AGE_SECONDS', DEFAULTS.sessionMaxAgeSeconds, 60),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', DEFAULTS.bodyLimitBytes, 1024),
    poolMax: int(env, 'PG_POOL_MAX', DEFAULTS.poolMax, 1),
    cacheCommandTimeoutMs: env.CACHE_COMMAND_TIMEOUT_MS ? int(env, 'CACHE_COMMAND_TIMEOUT_MS', 100, 1) : undefined,
    production,
    skipInvalidation: skip,
    invalidator: invalidatorMode(env),
    cacheNamespace: env.CACHE_NAMESPACE || 'fastnpc',
    serverTiming: (env.FASTNPC_SERVER_TIMING ?? 'off').toLowerCase() === 'on',
  };
}

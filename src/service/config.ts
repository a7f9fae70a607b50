import { randomBytes } from 'node:crypto';
import {
  ConfigError,
  defineRegistry,
  type Env,
  parseEnvAll,
  readVariable,
  variable,
  warnUnknown,
} from '../config/registry.ts';
import { testSwitchRegistry } from '../config/test-switches.ts';
import { invalidatorRegistry } from '../invalidator/config.ts';
import {
  INVALIDATOR_SWITCHES,
  InvalidatorSwitchError,
  type InvalidatorSwitches,
  invalidatorSwitches,
} from '../invalidator/switches.ts';
import { redisRegistry } from '../redis/config.ts';
import { type RedisTopology, RedisTopologyError, topologyFromEnv } from '../redis/topology.ts';
import { stackRegistry } from '../stack/config.ts';

export { ConfigError };
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
  /** LOG_LEVEL of the workers' Fastify logger. @default 'warn' */
  logLevel: string;
  /** FASTNPC_EMULATE_DEFECTS as given (parsed by defects.ts). */
  emulateDefects: string | undefined;
}

export type InvalidatorMode = 'on' | 'external' | 'off';

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

/** Every variable of the service (`npm run serve`, its workers, `npm run seed` / `warm`), declared once. */
export const SERVICE_VARIABLES = {
  NODE_ENV: variable.string('`production` refuses the test seams and controls and needs FASTNPC_SECRET'),
  DATABASE_URL: variable.string('PostgreSQL of the service; unset: `npm run serve` starts a private one and seeds it', {
    secret: true,
    type: 'URL',
  }),
  CACHE_MODE: variable.oneOf(['on', 'off'], '`off`: every read goes to PostgreSQL (no Redis needed)', {
    default: 'on',
  }),
  PORT: variable.int('Shared port of the workers (worker i also on PORT + i); `--port` wins', {
    default: DEFAULTS.port,
  }),
  WORKERS: variable.int('Workers of `npm run serve`; `--workers` wins', { default: 2, min: 1, max: 32 }),
  WORKER_INDEX: variable.int('Set by the primary for each worker (1-based; 0 = a single process, no own port)', {
    default: 0,
  }),
  HOST: variable.string('Address the workers listen on', { default: '127.0.0.1' }),
  FASTNPC_SECRET: variable.string('Signs the session cookie (16+ characters in production); unset: random per start', {
    secret: true,
  }),
  FASTNPC_ADMIN_USER: variable.string('User allowed on /admin/*; also the admin the seed creates', {
    default: DEFAULTS.adminUser,
  }),
  FASTNPC_ADMIN_PASSWORD: variable.string("The seeded admin's password", {
    secret: true,
    keepEmpty: true,
    defaultDoc: 'SEED_PASSWORD',
  }),
  SEED_PASSWORD: variable.string('Password of every seeded user (`npm run seed`, serve with a private database)', {
    secret: true,
    keepEmpty: true,
    default: 'seed-password',
  }),
  CACHE_TTL_PROFILE_SECONDS: variable.int('TTL of a cached profile', { default: DEFAULTS.ttlProfileSeconds, min: 1 }),
  CACHE_TTL_LIST_SECONDS: variable.int('TTL of a cached character list', { default: DEFAULTS.ttlListSeconds, min: 1 }),
  LLM_LATENCY_MS: variable.int('Emulated latency of the LLM call of a chat', { default: DEFAULTS.llmLatencyMs }),
  SESSION_MAX_AGE_SECONDS: variable.int('Session lifetime', { default: DEFAULTS.sessionMaxAgeSeconds, min: 60 }),
  BODY_LIMIT_BYTES: variable.int('Largest accepted request body', { default: DEFAULTS.bodyLimitBytes, min: 1024 }),
  PG_POOL_MAX: variable.int('PostgreSQL pool size per worker', { default: DEFAULTS.poolMax, min: 1 }),
  LOG_LEVEL: variable.oneOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    "The workers' log level (Fastify / pino)",
    { default: 'warn' },
  ),
  FASTNPC_INVALIDATOR: variable.oneOf(
    ['on', 'external', 'off'],
    '`on`: the primary runs the commit-log invalidator and the workers fence; `external`: it runs elsewhere; `off`: neither (a control)',
    { default: 'on', defaultDoc: "on ('off' with CACHE_MODE=off)" },
  ),
  FASTNPC_SERVER_TIMING: variable.onWhen('on', '`on`: every answer carries `Server-Timing` (npm run bench:write-path)'),
  FASTNPC_WARM_UP_DAYS: variable.int(
    'Preload the settings of users active in the last N days at start; `--warm-up-days` wins',
    {
      default: 0,
      max: 3_650,
    },
  ),
  FASTNPC_TEST_SKIP_INVALIDATION: variable.string(
    'Test seam: write paths whose invalidation is skipped (comma list of WRITE_PATHS, or all); refused in production',
    { type: 'list' },
  ),
  FASTNPC_EMULATE_DEFECTS: variable.string(
    'Test seam: the FastNPC defects to emulate (src/service/defects.ts; docs/defect-matrix.md); refused in production',
    { type: 'list' },
  ),
  FASTNPC_SERVICE_LOG: variable.present(
    "Test switch: `startService` (tests, acceptance, gate) copies the service's output to stderr",
  ),
};

/** The service's registry: it hands its environment to the invalidator it supervises and to the local stack. */
export const serviceRegistry = defineRegistry('service', SERVICE_VARIABLES, {
  prefixes: ['FASTNPC_'],
  knows: [redisRegistry, invalidatorRegistry, stackRegistry, testSwitchRegistry],
});

export type ServiceEnv = ReturnType<typeof parseServiceEnv>;

/** The service's variables and the Redis connection's, parsed (all problems in one ConfigError). */
export function parseServiceEnv(env: Env) {
  return parseEnvAll(serviceRegistry, redisRegistry, invalidatorRegistry, env);
}

/**
 * The service's settings from the process environment, checked once at start (a CLI's main): warns once about
 * unknown FASTNPC_* names.
 */
export function serviceEnvAtStart(env: Env = process.env): ServiceEnv {
  warnUnknown(serviceRegistry, env);
  return parseServiceEnv(env);
}

/**
 * A command of the service starts (serve, seed, warm): its settings from this process's environment, checked once
 * (unknown FASTNPC_* names warned about), and a copy of that environment for what it starts.
 */
export function serviceStart(env: Env = process.env): { values: ServiceEnv; env: NodeJS.ProcessEnv } {
  return { values: serviceEnvAtStart(env), env: { ...env } };
}

/** FASTNPC_SERVICE_LOG of the process that starts a service (a test, the gate): copy its output to stderr. */
export function serviceLogWanted(env: Env = process.env): boolean {
  return readVariable(serviceRegistry, 'FASTNPC_SERVICE_LOG', env);
}

/** FASTNPC_INVALIDATOR, checked (the supervisor and the workers read it the same way). */
export function invalidatorMode(env: Env): InvalidatorMode {
  const parsed = parseServiceEnv(env);
  if (parsed.CACHE_MODE === 'off') return 'off';
  return parsed.FASTNPC_INVALIDATOR;
}

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

/**
 * The invalidator's control switches (src/invalidator/switches.ts), read by its process: checked here too so a
 * typo stops the service at start instead of the supervised invalidator exiting 2 again and again; `off` (a
 * failover test's control) is refused in production.
 */
function checkInvalidatorSwitches(env: Env, production: boolean): void {
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

/** Reads the worker configuration; throws ConfigError naming each variable to fix. */
export function loadConfig(env: Env = process.env): ServiceConfig {
  const v = parseServiceEnv(env);
  const production = v.NODE_ENV === 'production';
  const secret = v.FASTNPC_SECRET ?? '';
  if (production && secret.length < 16) {
    throw new ConfigError('NODE_ENV=production requires FASTNPC_SECRET (at least 16 characters) to sign sessions');
  }
  const databaseUrl = v.DATABASE_URL ?? '';
  if (!databaseUrl) throw new ConfigError('DATABASE_URL is required');
  const cacheMode = v.CACHE_MODE;
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
  const skipRaw = (v.FASTNPC_TEST_SKIP_INVALIDATION ?? '').trim();
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
    port: v.PORT,
    workerIndex: v.WORKER_INDEX,
    host: v.HOST,
    databaseUrl,
    redisUrl,
    redisTopology,
    redisPassword: v.REDIS_PASSWORD,
    cacheMode,
    // A single process without a secret gets a random one: sessions then end with the process.
    secret: secret || randomBytes(32).toString('hex'),
    adminUser: v.FASTNPC_ADMIN_USER,
    ttlProfileSeconds: v.CACHE_TTL_PROFILE_SECONDS,
    ttlListSeconds: v.CACHE_TTL_LIST_SECONDS,
    llmLatencyMs: v.LLM_LATENCY_MS,
    sessionMaxAgeSeconds: v.SESSION_MAX_AGE_SECONDS,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    poolMax: v.PG_POOL_MAX,
    cacheCommandTimeoutMs: v.CACHE_COMMAND_TIMEOUT_MS,
    production,
    skipInvalidation: skip,
    invalidator: cacheMode === 'off' ? 'off' : v.FASTNPC_INVALIDATOR,
    cacheNamespace: v.CACHE_NAMESPACE,
    serverTiming: v.FASTNPC_SERVER_TIMING,
    logLevel: v.LOG_LEVEL,
    emulateDefects: v.FASTNPC_EMULATE_DEFECTS,
  };
}

import { stackEnv } from './config.ts';
import { type PostgresServerOptions, type StartedPostgres, startPostgres } from './postgres-server.ts';
import { type RedisServerOptions, type StartedRedisServer, startRedisServer } from './redis-server.ts';

export interface LocalStackOptions {
  /** Use this Redis instead of starting one. @default REDIS_URL (src/stack/config.ts) */
  redisUrl?: string;
  /** Use this PostgreSQL instead of starting one. @default DATABASE_URL (src/stack/config.ts) */
  databaseUrl?: string;
  /** Start (or take) Redis at all. @default true */
  redis?: boolean;
  /** Start (or take) PostgreSQL at all. @default true */
  postgres?: boolean;
  /** Options for a private redis-server (`password` gives it a requirepass from the start; the URL carries it). */
  redisServer?: RedisServerOptions;
  /** Options for a private PostgreSQL. */
  postgresServer?: PostgresServerOptions;
}

/** The stack the tests, the service and the load scripts run on. */
export interface StartedLocalStack {
  /** redis:// URL ('' when Redis was not asked for). */
  readonly redisUrl: string;
  /** postgres:// URL ('' when PostgreSQL was not asked for). */
  readonly databaseUrl: string;
  /** The private redis-server, when this stack started one (not when REDIS_URL was given). */
  readonly redis?: StartedRedisServer;
  /** The private PostgreSQL, when this stack started one (not when DATABASE_URL was given). */
  readonly postgres?: StartedPostgres;
  /** Stops and removes everything this stack started (never what it was given). */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a private redis-server (the repository's redis.conf) and a private PostgreSQL on free ports, or takes
 * REDIS_URL / DATABASE_URL when given. Both start in parallel; if one fails the other is stopped again.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<StartedLocalStack> {
  const wantRedis = options.redis ?? true;
  const wantPostgres = options.postgres ?? true;
  const env = stackEnv();
  const givenRedis = options.redisUrl ?? env.REDIS_URL;
  const givenDatabase = options.databaseUrl ?? env.DATABASE_URL;

  const [redisResult, postgresResult] = await Promise.allSettled([
    wantRedis && !givenRedis ? startRedisServer(options.redisServer) : Promise.resolve(undefined),
    wantPostgres && !givenDatabase ? startPostgres(options.postgresServer) : Promise.resolve(undefined),
  ]);
  if (redisResult.status === 'rejected' || postgresResult.status === 'rejected') {
    if (redisResult.status === 'fulfilled') await redisResult.value?.stop();
    if (postgresResult.status === 'fulfilled') await postgresResult.value?.stop();
    throw redisResult.status === 'rejected' ? redisResult.reason : (postgresResult as PromiseRejectedResult).reason;
  }
  const redis = redisResult.value;
  const postgres = postgresResult.value;

  const stack: StartedLocalStack = {
    redisUrl: wantRedis ? (redis?.url ?? givenRedis ?? '') : '',
    databaseUrl: wantPostgres ? (postgres?.url ?? givenDatabase ?? '') : '',
    redis,
    postgres,
    stop: async () => {
      await Promise.allSettled([redis?.stop(), postgres?.stop()]);
    },
    [Symbol.asyncDispose]: () => stack.stop(),
  };
  return stack;
}

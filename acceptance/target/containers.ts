/**
 * The containers target's infrastructure: testcontainers' Redis (our redis.conf mounted, bind/protected mode opened
 * inside the container network) and PostgreSQL with pg_stat_statements, when a container runtime answers.
 */
import pg from 'pg';
import { REPOSITORY_REDIS_CONF } from '../../src/stack/index.ts';

/** Asks testcontainers once whether a container runtime answers. */
export async function probeContainerRuntime(): Promise<{ ok: boolean; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    return { ok: true, reason: `${client.info.containerRuntime.host}` };
  } catch (error) {
    return { ok: false, reason: (error as Error).message.split('\n')[0] ?? 'unknown' };
  }
}

export async function ensureStatStatements(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT count(*) FROM pg_stat_statements');
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

export async function startContainers(): Promise<{
  redisUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const redis = await new RedisContainer('redis:7.0')
    .withCopyFilesToContainer([{ source: REPOSITORY_REDIS_CONF, target: '/usr/local/etc/redis/redis.conf' }])
    // The container's network is not loopback: bind all inside it, keep everything else from our file.
    .withCommand([
      'redis-server',
      '/usr/local/etc/redis/redis.conf',
      '--bind',
      '0.0.0.0',
      '--protected-mode',
      'no',
      '--dir',
      '/data',
    ])
    .start();
  const postgres = await new PostgreSqlContainer('postgres:16')
    .withCommand([
      'postgres',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'pg_stat_statements.track=all',
    ])
    .start();
  return {
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    databaseUrl: postgres.getConnectionUri(),
    stop: async () => {
      await Promise.allSettled([redis.stop(), postgres.stop()]);
    },
  };
}

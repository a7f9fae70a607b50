import { Redis } from 'ioredis';

/**
 * Runs `use` on a one-shot connection to the loopback Redis on `port` (no retries: a probe that fails, fails) and
 * closes it. The topologies' readiness and role checks use it (`password`: of a node whose auth was applied).
 */
export async function withRedis<T>(
  port: number,
  use: (client: Redis) => Promise<T>,
  password: string | undefined = undefined,
): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    ...(password === undefined ? {} : { password }),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

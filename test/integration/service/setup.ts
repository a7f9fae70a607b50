import { type StartedService, type StartServiceOptions, startService } from '../../../src/service/cluster.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';

export interface ServiceFixture {
  stack: StartedLocalStack;
  service: StartedService;
  /** Worker 1 and worker 2 (their own ports). */
  w1: string;
  w2: string;
  stop(): Promise<void>;
}

/** A private PostgreSQL + redis-server and a real two-worker cluster on them. */
export async function startFixture(options: Partial<StartServiceOptions> = {}): Promise<ServiceFixture> {
  const stack = await startLocalStack();
  try {
    const service = await startService({
      databaseUrl: stack.databaseUrl,
      redisUrl: stack.redisUrl,
      seed: { users: 3, characters: 4, memories: 3 },
      ...options,
      // CACHE_COMMAND_TIMEOUT_MS: the 100 ms production default is exceeded when a 2-core CI machine runs several
      // clusters at once; an invalidation Redis cannot confirm in time is (by design) counted, not retried forever,
      // and would show up here as a stale read that says nothing about the service's logic.
      env: { FASTNPC_ADMIN_USER: 'admin', LOG_LEVEL: 'error', CACHE_COMMAND_TIMEOUT_MS: '1000', ...options.env },
    });
    return {
      stack,
      service,
      w1: service.workerUrls[0]!,
      w2: service.workerUrls[1]!,
      stop: async () => {
        await service.stop();
        await stack.stop();
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

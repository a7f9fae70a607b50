/**
 * The local target's fault environment: a private stack (redis-server on the repository's redis.conf, PostgreSQL
 * with wal_level=logical) and the two-worker service with the invalidator and fence on ('guarded') or off
 * ('control'); the fault acts on those processes directly. F6 instead puts Redis in its own network namespace
 * and runs worker 1 and worker 2 as two one-worker services, worker 1 on the link the partition cuts.
 */
import { randomBytes } from 'node:crypto';
import { type StartedService, startService } from '../../../src/service/cluster.ts';
import { privateRedisPassword, type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';
import { setting } from '../../config.ts';
import type { FaultControl } from './fault-control.ts';
import type { FaultDefinition, FaultEnvironment, FaultMode } from './fault-run.ts';
import { type PartitionedRedis, startPartitionedRedis } from './netns-partition.ts';

/** A 2-core machine shared with other suites can take over a minute to start the service. */
const START_TIMEOUT_MS = 150_000;

/** The pid a worker reports on /health. */
export async function workerPid(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).json()) as {
    pid: number;
  };
  return health.pid;
}

/** The environment both workers run with in `mode`. */
function serviceEnv(fault: FaultDefinition, mode: FaultMode): NodeJS.ProcessEnv {
  return {
    LOG_LEVEL: 'fatal',
    FASTNPC_INVALIDATOR: mode === 'guarded' ? 'on' : 'off',
    // a 2-core machine shared with other suites: the production 100 ms would open breakers without a fault
    CACHE_COMMAND_TIMEOUT_MS: '250',
    ...(mode === 'control' ? fault.controlEnv : {}),
    ...(setting('FAULT_SERVICE_LOG') ? { LOG_LEVEL: 'warn' } : {}),
  };
}

/**
 * F6's two one-worker services: worker 1 over the link that is cut (fence on, invalidator elsewhere, when
 * guarded), worker 2 and the invalidator over the other one. Seen from the workload: two workers, as usual.
 */
async function startSplitService(
  fault: FaultDefinition,
  mode: FaultMode,
  databaseUrl: string,
  redis: PartitionedRedis,
): Promise<StartedService> {
  const env = { ...serviceEnv(fault, mode), FASTNPC_SECRET: randomBytes(32).toString('hex') };
  const reader = await startService({
    databaseUrl,
    redisUrl: redis.readerUrl,
    workers: 1,
    seed: { users: 1, characters: 1, memories: 2 },
    env,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  let writer: StartedService;
  try {
    writer = await startService({
      databaseUrl,
      redisUrl: redis.writerUrl,
      workers: 1,
      seed: false,
      startTimeoutMs: START_TIMEOUT_MS,
      env: { ...env, FASTNPC_INVALIDATOR: mode === 'guarded' ? 'external' : 'off' },
    });
  } catch (error) {
    await reader.stop();
    throw error;
  }
  return {
    baseUrl: reader.baseUrl,
    workerUrls: [writer.workerUrls[0]!, reader.workerUrls[0]!],
    pid: reader.pid,
    stop: async () => {
      await Promise.all([writer.stop(), reader.stop()]);
    },
  };
}

function localControl(
  stack: StartedLocalStack,
  worker1Url: string,
  partition: PartitionedRedis | undefined,
): FaultControl {
  let redisPid: number | undefined;
  let stoppedWorker: number | undefined;
  const redis = () => {
    if (!stack.redis) throw new Error('this fault row runs Redis in a network namespace: no process to signal');
    return stack.redis;
  };
  const cut = () => {
    if (!partition) throw new Error('only F6 runs Redis behind a link that can be cut');
    return partition;
  };
  return {
    redisStop: async () => {
      redisPid = redis().pid();
      if (redisPid === undefined) throw new Error('redis-server is not running');
      process.kill(redisPid, 'SIGSTOP');
    },
    redisCont: async () => {
      if (redisPid !== undefined) process.kill(redisPid, 'SIGCONT');
    },
    redisKill: () => redis().kill(),
    redisStart: () => redis().restart(),
    postgresRestart: async () => {
      await stack.postgres!.restart(1_500);
    },
    worker1Stop: async () => {
      stoppedWorker = await workerPid(worker1Url);
      process.kill(stoppedWorker, 'SIGSTOP');
    },
    worker1Cont: async () => {
      if (stoppedWorker !== undefined) process.kill(stoppedWorker, 'SIGCONT');
    },
    worker1Kill: async () => {
      process.kill(await workerPid(worker1Url), 'SIGKILL');
    },
    partition: async () => cut().partition(),
    heal: async () => cut().heal(),
  };
}

export async function startLocalFaultEnvironment(fault: FaultDefinition, mode: FaultMode): Promise<FaultEnvironment> {
  const split = fault.partitionedRedis === true;
  // the private redis-server has a password from its start (never an open Redis); its URL carries it
  const stack = await startLocalStack({
    redis: !split,
    postgres: true,
    redisUrl: '',
    databaseUrl: '',
    redisServer: { password: privateRedisPassword() },
  });
  let partition: PartitionedRedis | undefined;
  try {
    if (split) partition = await startPartitionedRedis();
    const service = partition
      ? await startSplitService(fault, mode, stack.databaseUrl, partition)
      : await startService({
          databaseUrl: stack.databaseUrl,
          redisUrl: stack.redisUrl,
          seed: { users: 1, characters: 1, memories: 2 },
          env: serviceEnv(fault, mode),
          startTimeoutMs: START_TIMEOUT_MS,
        });
    const workerUrls = service.workerUrls as [string, string];
    return {
      workerUrls,
      redisUrl: partition?.readerUrl ?? stack.redisUrl,
      databaseUrl: stack.databaseUrl,
      control: localControl(stack, workerUrls[0], partition),
      stop: async () => {
        await service.stop().catch(() => {});
        await partition?.stop().catch(() => {});
        await stack.stop();
      },
    };
  } catch (error) {
    await partition?.stop().catch(() => {});
    await stack.stop();
    throw error;
  }
}

/**
 * Where a topology row runs: a private Sentinel topology (down-after 1 s) or Cluster with the local target's auth
 * (admin password, the app's ACL user on every node), a private PostgreSQL and the two-worker service on it — the
 * invalidator and fence on ('guarded') or off ('control'). It can pause the replicas' application of the
 * replication stream and kill the primary that owns most of the workload's settings entries.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisClient } from '../../../src/redis/connect.ts';
import { type StartedService, startService } from '../../../src/service/cluster.ts';
import { type StartedLocalStack, type StartedRedisServer, startLocalStack } from '../../../src/stack/index.ts';
import { setting } from '../../config.ts';
import { adminRedisOf } from '../../support/redis.ts';
import { type LocalRedis, startLocalRedis } from '../../target/local-redis.ts';

/**
 * guarded: invalidator + fence on; control: both off; replay-off: invalidator + fence on, but a new session skips
 * the commits past the slot position instead of replaying them (FASTNPC_INVALIDATOR_REPLAY=off) — the second
 * control; replica-wait-off: invalidator + fence on but the invalidator acknowledges WAL without waiting for the
 * replicas (FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS=off) — a measurement.
 */
export type FailoverMode = 'guarded' | 'control' | 'replay-off' | 'replica-wait-off';

/** A 2-core machine shared with other suites can take over a minute to start the service. */
const START_TIMEOUT_MS = 150_000;

/** How long the replicas stop applying the stream (the kill comes well within it). */
export const REPLICA_PAUSE_MS = 3_000;

export interface FailoverEnvironment {
  kind: 'sentinel' | 'cluster';
  workerUrls: [string, string];
  databaseUrl: string;
  /** An admin client of the topology (the `default` user): Sentinel's current primary, or a Cluster client. */
  admin(): RedisClient;
  /** Stops the replicas applying what their primary sends (CLIENT PAUSE WRITE on each replica). */
  pauseReplicas(): Promise<void>;
  /** The primary holding most keys matching `glob` (Sentinel: the primary). */
  primaryFor(glob: string): Promise<StartedRedisServer>;
  /** Kills `primary` (SIGKILL) and resolves once another node serves as primary in its place. */
  killAndWaitForFailover(primary: StartedRedisServer): Promise<{ failoverMs: number }>;
  stop(): Promise<void>;
}

function serviceEnv(mode: FailoverMode): NodeJS.ProcessEnv {
  return {
    LOG_LEVEL: setting('FAULT_SERVICE_LOG') ? 'warn' : 'fatal',
    FASTNPC_INVALIDATOR: mode === 'control' ? 'off' : 'on',
    ...(mode === 'replica-wait-off' ? { FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS: 'off' } : {}),
    ...(mode === 'replay-off' ? { FASTNPC_INVALIDATOR_REPLAY: 'off' } : {}),
    // a 2-core machine shared with other suites: the production 100 ms would open breakers without a fault
    CACHE_COMMAND_TIMEOUT_MS: '250',
    FASTNPC_SECRET: randomBytes(32).toString('hex'),
  };
}

async function onNode<T>(node: StartedRedisServer, password: string, use: (c: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: node.host, port: node.port, password, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

export async function startFailoverEnvironment(
  kind: 'sentinel' | 'cluster',
  mode: FailoverMode,
): Promise<FailoverEnvironment> {
  const adminPassword = randomBytes(18).toString('base64url');
  const appPassword = randomBytes(18).toString('base64url');
  let redis: LocalRedis | undefined;
  let stack: StartedLocalStack | undefined;
  let service: StartedService | undefined;
  const stop = async (): Promise<void> => {
    await service?.stop().catch(() => {});
    await Promise.all([redis?.stop().catch(() => {}), stack?.stop().catch(() => {})]);
  };
  try {
    [redis, stack] = await Promise.all([
      startLocalRedis(kind, adminPassword, appPassword, { sentinelDownAfterMs: 1_000 }),
      startLocalStack({ redis: false, postgres: true, redisUrl: '', databaseUrl: '' }),
    ]);
    const app = redis.app;
    if (!('topology' in app)) throw new Error(`${kind}: the local Redis has no topology`);
    service = await startService({
      databaseUrl: stack.databaseUrl,
      redisTopology: app.topology,
      seed: { users: 1, characters: 1, memories: 2 },
      env: { ...serviceEnv(mode), REDIS_PASSWORD: appPassword },
      startTimeoutMs: START_TIMEOUT_MS,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const r = redis;
  const nodes = r.sentinel?.nodes ?? r.cluster?.nodes ?? [];
  const live = () => nodes.filter((n) => n.pid() !== undefined);
  const role = (node: StartedRedisServer) =>
    onNode(node, adminPassword, async (c) => /role:(\w+)/.exec(await c.info('replication'))?.[1] ?? '');
  const admin = (): RedisClient => {
    if (!r.adminTopology) throw new Error('no topology');
    return adminRedisOf({ redisUrl: r.adminUrl, redisPassword: adminPassword, redisTopology: r.adminTopology });
  };
  let slot = 0;
  return {
    kind,
    workerUrls: service.workerUrls as [string, string],
    databaseUrl: stack.databaseUrl,
    admin,
    pauseReplicas: async () => {
      for (const node of live()) {
        if ((await role(node)) === 'slave') {
          await onNode(node, adminPassword, (c) => c.call('CLIENT', 'PAUSE', String(REPLICA_PAUSE_MS), 'WRITE'));
        }
      }
    },
    primaryFor: async (glob) => {
      if (r.sentinel) return r.sentinel.currentPrimary();
      let best: { node: StartedRedisServer; keys: string[] } | undefined;
      for (const node of live()) {
        if ((await role(node)) !== 'master') continue;
        const keys: string[] = [];
        await onNode(node, adminPassword, async (c) => {
          let cursor = '0';
          do {
            const [next, found] = await c.scan(cursor, 'MATCH', glob, 'COUNT', 1_000);
            cursor = next;
            keys.push(...found);
          } while (cursor !== '0');
        });
        if (!best || keys.length > best.keys.length) best = { node, keys };
      }
      if (!best || best.keys.length === 0) throw new Error(`no primary holds a key matching ${glob}`);
      slot = Number(await onNode(best.node, adminPassword, (c) => c.call('CLUSTER', 'KEYSLOT', best.keys[0]!)));
      return best.node;
    },
    killAndWaitForFailover: async (primary) => {
      const killedAt = Date.now();
      await primary.kill();
      if (r.sentinel) await r.sentinel.waitForFailover(primary, 60_000);
      else await r.cluster?.waitForFailover(slot, primary, 60_000);
      return { failoverMs: Date.now() - killedAt };
    },
    stop,
  };
}

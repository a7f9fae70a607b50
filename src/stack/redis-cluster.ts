import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findBinary } from './binaries.ts';
import { StackError } from './errors.ts';
import { freePortWith } from './free-port.ts';
import { applyNodeAuth, type NodeAuth } from './redis-auth.ts';
import { withRedis } from './redis-probe.ts';
import { type StartedRedisServer, startRedisServer } from './redis-server.ts';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Primaries (the 16384 slots are split between them). @default 3 */
  primaries?: number;
  /** Replicas per primary. @default 1 */
  replicasPerPrimary?: number;
  /** cluster-node-timeout: how long a silent primary takes to be failed over. @default 2_000 */
  nodeTimeoutMs?: number;
  /** How long to wait for cluster_state:ok on every node. @default 30_000 */
  readyTimeoutMs?: number;
  /** Passwords and ACL users of every node, applied over a connection once the cluster is up. @default none */
  auth?: NodeAuth;
}

/** A Redis Cluster on loopback: private redis-servers on the repo's redis.conf with cluster mode on. */
export interface StartedRedisCluster {
  readonly nodes: readonly StartedRedisServer[];
  /** `[{ host, port }]` of every node, as `new Redis.Cluster(...)` takes them. */
  readonly startupNodes: ReadonlyArray<{ host: string; port: number }>;
  /** The node serving `slot` as primary now. */
  primaryOf(slot: number): Promise<StartedRedisServer>;
  /** Waits until every live node reports cluster_state:ok. */
  waitForOk(timeoutMs?: number): Promise<void>;
  /** Waits until a node other than `previous` serves `slot` as primary and the cluster is ok again. */
  waitForFailover(slot: number, previous: StartedRedisServer, timeoutMs?: number): Promise<StartedRedisServer>;
  stop(): Promise<void>;
}

const nodeInfo = (port: number, section: string, password?: string): Promise<string> =>
  withRedis(port, (c) => c.info(section), password);
const clusterInfo = (port: number, password?: string): Promise<string> =>
  withRedis(port, async (c) => (await c.call('CLUSTER', 'INFO')) as string, password);

/**
 * Starts `primaries × (1 + replicasPerPrimary)` nodes, joins them with `redis-cli --cluster create` and waits
 * until every node reports cluster_state:ok.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<StartedRedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const nodes: StartedRedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
  };
  // the nodes' password once options.auth is applied (the probes then authenticate)
  let password: string | undefined;
  const waitForOk = async (timeoutMs = options.readyTimeoutMs ?? 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = nodes.filter((n) => n.pid() !== undefined);
      const states = await Promise.all(live.map((n) => clusterInfo(n.port, password).catch(() => '')));
      if (states.every((s) => s.includes('cluster_state:ok'))) return;
      if (Date.now() > deadline) throw new StackError('E_START_TIMEOUT', `cluster not ok within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    for (let i = 0; i < primaries * (1 + replicas); i += 1) {
      const port = await freePortWith([0, 10_000]); // its cluster bus port is port + 10000
      nodes.push(
        await startRedisServer({
          port,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(nodeTimeoutMs),
            // A replica may be promoted however long it was cut off from its primary (tests kill primaries).
            '--cluster-replica-validity-factor',
            '0',
          ],
        }),
      );
    }
    const cli = findBinary('redis-cli', 'redis-tools');
    await run(cli, [
      '--cluster',
      'create',
      ...nodes.map((n) => `${n.host}:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]).catch((error: { stderr?: string; stdout?: string }) => {
      throw new StackError(
        'E_START_FAILED',
        `redis-cli --cluster create failed: ${(error.stderr || error.stdout || '').trim()}`,
      );
    });
    await waitForOk();
    // Every replica synced with its primary: a failover right after start-up must find one to promote.
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (const node of nodes) {
      for (;;) {
        const info = await nodeInfo(node.port, 'replication', password).catch(() => '');
        if (info.includes('role:master') || info.includes('master_link_status:up')) break;
        if (Date.now() > deadline) throw new StackError('E_START_TIMEOUT', `replica ${node.port} never synced`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (options.auth) {
      await applyNodeAuth(
        nodes.map((n) => n.port),
        options.auth,
      );
      password = options.auth.password;
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const primaryOf = async (slot: number): Promise<StartedRedisServer> => {
    for (const node of nodes.filter((n) => n.pid() !== undefined)) {
      try {
        const slots = await withRedis(
          node.port,
          async (c) => (await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][],
          password,
        );
        const port = slots.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
        const owner = nodes.find((n) => n.port === port);
        if (owner) return owner;
      } catch {
        // ask the next node
      }
    }
    throw new StackError('E_START_FAILED', `no node serves slot ${slot}`);
  };
  return {
    nodes,
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    primaryOf,
    waitForFailover: async (slot, previous, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const owner = await primaryOf(slot).catch(() => previous);
        if (owner !== previous) {
          await waitForOk(Math.max(1_000, deadline - Date.now()));
          return owner;
        }
        if (Date.now() > deadline) {
          throw new StackError('E_START_TIMEOUT', `slot ${slot} not failed over within ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    waitForOk,
    stop,
  };
}

/**
 * The local target's Redis on the requested topology, with the same auth everywhere: an admin password (the
 * `default` user's `requirepass`, also `masterauth` for replication) and the app's ACL user limited to its
 * namespace, applied over a connection — never argv. `single`: one redis-server on the repository's redis.conf;
 * `sentinel`: a primary, one replica and three Sentinels with a password of their own (as provisioning sets them up);
 * `cluster`: 3 primaries × 1 replica. On a topology the ACL user exists on every node, replicas included, so it
 * survives a promotion.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { appAclRules } from '../../provisioning/lib/acl.ts';
import type { RedisTopology, TopologyKind } from '../../src/redis/topology.ts';
import {
  type StartedRedisCluster,
  type StartedRedisServer,
  type StartedSentinelTopology,
  startRedisCluster,
  startRedisServer,
  startSentinelTopology,
} from '../../src/stack/index.ts';

/** The app's ACL user name on every target the harness starts. */
export const APP_REDIS_USER = 'app';

/**
 * The app user's rules on a topology: provisioning's, plus `CLUSTER SLOTS` and `CLUSTER INFO` on a Cluster (ioredis
 * learns the slot map with the first and runs its ready check with the second; both reveal node addresses and
 * state only — without them the client never becomes ready).
 */
export function appRulesFor(kind: TopologyKind): string[] {
  return kind === 'cluster' ? [...appAclRules(), '+cluster|slots', '+cluster|info'] : appAclRules();
}

export interface LocalRedis {
  kind: TopologyKind;
  /** A data node for the admin (single: the server; sentinel: the primary at start; cluster: the first node). */
  adminUrl: string;
  /** How the suites reach the topology as admin (`default` user + the admin password); undefined on single. */
  adminTopology?: RedisTopology;
  /** How the service reaches it as the app user (single: the URL carries user and password). */
  app: { url: string } | { topology: RedisTopology };
  /** The one server of `single` (the stack control kills and restarts it). */
  server?: StartedRedisServer;
  /** The Sentinel topology (`sentinel`): nodes, Sentinels, who is primary, waiting for a failover. */
  sentinel?: StartedSentinelTopology;
  /** The Cluster (`cluster`): nodes, the primary of a slot, waiting for a failover. */
  cluster?: StartedRedisCluster;
  /** Puts the auth back after `server` was restarted (single). */
  reapplyAuth(): Promise<void>;
  /** One line for notes: where the nodes are, never a password. */
  description: string;
  stop(): Promise<void>;
}

/** Gives a private Redis an admin password and the app's ACL user over a connection (never through argv). */
async function applySingleAuth(url: string, adminPassword: string, appPassword: string): Promise<void> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', APP_REDIS_USER, 'reset', 'on', `>${appPassword}`, ...appAclRules());
    await admin.config('SET', 'requirepass', adminPassword);
  } finally {
    admin.disconnect();
  }
}

/** Starts the local target's Redis on `kind` with the admin password and the app user applied. */
export async function startLocalRedis(
  kind: TopologyKind,
  adminPassword: string,
  appPassword: string,
  options: { sentinelDownAfterMs?: number } = {},
): Promise<LocalRedis> {
  const auth = {
    password: adminPassword,
    users: [{ name: APP_REDIS_USER, password: appPassword, rules: appRulesFor(kind) }],
  };
  if (kind === 'sentinel') {
    // down-after 5 s: R6 pauses the primary for 2.5 s on purpose (CLIENT PAUSE ALL holds the Sentinels' PINGs too),
    // which must not turn into a failover in the middle of the gate; H1 fails over on a topology of its own
    const sentinelPassword = randomBytes(18).toString('base64url');
    const topology = await startSentinelTopology({
      auth,
      sentinelPassword,
      downAfterMs: options.sentinelDownAfterMs ?? 5_000,
    });
    try {
      const primary = await topology.currentPrimary();
      const base: RedisTopology = {
        kind: 'sentinel',
        sentinels: [...topology.sentinelAddresses],
        name: topology.masterName,
        sentinelPassword,
      };
      return {
        kind,
        adminUrl: primary.url,
        adminTopology: base,
        app: { topology: { ...base, username: APP_REDIS_USER } },
        sentinel: topology,
        reapplyAuth: async () => {},
        description: `Sentinel: primary + ${topology.nodes.length - 1} replica, ${topology.sentinels.length} Sentinels (${topology.sentinelAddresses.map((s) => s.port).join(', ')})`,
        stop: () => topology.stop(),
      };
    } catch (error) {
      await topology.stop();
      throw error;
    }
  }
  if (kind === 'cluster') {
    const cluster = await startRedisCluster({ auth });
    const nodes = [...cluster.startupNodes];
    return {
      kind,
      adminUrl: cluster.nodes[0]!.url,
      adminTopology: { kind, nodes },
      app: { topology: { kind, nodes, username: APP_REDIS_USER } },
      cluster,
      reapplyAuth: async () => {},
      description: `Cluster: ${cluster.nodes.length} nodes, 3 primaries × 1 replica (${nodes.map((n) => n.port).join(', ')})`,
      stop: () => cluster.stop(),
    };
  }
  // requirepass from its start (a 0600 file, never argv): the server never answers without a password
  const server = await startRedisServer({ password: adminPassword });
  try {
    await applySingleAuth(server.url, adminPassword, appPassword);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const host = new URL(server.url).host;
  return {
    kind,
    // without credentials: the admin password travels beside it (server.url carries it: never hand that out)
    adminUrl: `redis://${host}`,
    // ioredis lets an empty URL password ("redis://app@…") win over the `password` option, so the app's URL
    // carries its password (in memory and in the service's environment only)
    app: { url: `redis://${APP_REDIS_USER}:${encodeURIComponent(appPassword)}@${host}` },
    server,
    reapplyAuth: () => applySingleAuth(server.url, adminPassword, appPassword),
    description: `single ${host}`,
    stop: () => server.stop(),
  };
}

/** The containers target's Redis (already started) gets the same auth as the local single one. */
export const applyContainerAuth = applySingleAuth;

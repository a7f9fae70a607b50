import { ProvisionError } from '../command/errors.ts';
import { supportsChannels } from '../config/acl.ts';
import type { Target } from '../host/target.ts';
import { type Inventory, primaryOf, type TopologyHost } from './inventory.ts';

/** The secrets of a topology beyond the data nodes' requirepass (all from files or the environment, never argv). */
export interface TopologySecrets {
  /** The replication user's password (masteruser/masterauth on every data node). */
  replication: string;
  /** Sentinel's own requirepass and sentinel-pass, and the password of the Sentinel user on the data nodes. */
  sentinel: string;
}

/** The ACL user replicas authenticate as (masteruser): replication commands only. */
export const REPLICATION_USER = 'replicator';
/** The ACL user Sentinels authenticate as on the data nodes (sentinel auth-user). */
export const SENTINEL_USER = 'sentinel-monitor';

export interface ReplicationSettings {
  /**
   * `min-replicas-to-write`: 0 by default — with one replica, 1 would make the promoted replica refuse every write
   * (invalidations included) until the failed host is back, and an isolated primary keep serving reads while refusing
   * the DELs that would correct them (docs/operations.md "Provisioning Sentinel").
   */
  minReplicasToWrite: number;
  /** `min-replicas-max-lag` seconds (used when minReplicasToWrite > 0). @default 10 */
  minReplicasMaxLag: number;
}

export const REPLICATION_DEFAULTS: ReplicationSettings = { minReplicasToWrite: 0, minReplicasMaxLag: 10 };

/** Redis's documented minimum rights of a Sentinel user (redis.io, "Sentinel: ACL"). */
export function sentinelUserRule(password: string, redisVersion: string): string {
  const channels = supportsChannels(redisVersion) ? ['allchannels'] : [];
  return [
    'on',
    `>${password}`,
    ...channels,
    '+multi',
    '+slaveof',
    '+ping',
    '+exec',
    '+subscribe',
    '+config|rewrite',
    '+role',
    '+publish',
    '+info',
    '+client|setname',
    '+client|kill',
    '+script|kill',
  ].join(' ');
}

/**
 * The replication block of a data node's redis.conf: both ACL users, masteruser/masterauth (on the primary too, so it
 * can replicate after Sentinel demotes it), min-replicas-*, and on a replica `replicaof` the inventory's primary.
 */
export function replicationLines(
  inventory: Inventory,
  host: TopologyHost,
  secrets: TopologySecrets,
  redisVersion: string,
  port: number,
  settings: ReplicationSettings = REPLICATION_DEFAULTS,
): string[] {
  const lines = [
    `user ${REPLICATION_USER} on >${secrets.replication} +psync +replconf +ping`,
    `user ${SENTINEL_USER} ${sentinelUserRule(secrets.sentinel, redisVersion)}`,
    `masteruser ${REPLICATION_USER}`,
    `masterauth ${secrets.replication}`,
    `min-replicas-to-write ${settings.minReplicasToWrite}`,
    `min-replicas-max-lag ${settings.minReplicasMaxLag}`,
  ];
  if (host.roles.includes('replica')) lines.push(`replicaof ${primaryOf(inventory).address} ${port}`);
  return lines;
}

/** Redis and Sentinel bind loopback plus the host's own address, nothing else. */
export function bindFor(host: TopologyHost): string[] {
  return ['127.0.0.1', '-::1', host.address];
}

/** Refuses an inventory address that is not one of the host's own (binding it would fail, or be another host's). */
export async function ensureOwnAddress(target: Target, host: TopologyHost): Promise<void> {
  const result = await target.exec(['ip', '-o', 'addr', 'show']);
  const own = [...result.stdout.matchAll(/\binet6?\s+([0-9a-fA-F:.]+)\//g)].map((m) => m[1]);
  if (!own.includes(host.address)) {
    throw new ProvisionError(
      'E_STEP_FAILED',
      `${host.address} is not an address of ${host.ssh} (it has ${own.join(', ') || 'none'}): fix the inventory`,
    );
  }
}

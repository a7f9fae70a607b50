import { ProvisionError } from '../command/errors.ts';
import type { Target } from '../host/target.ts';
import { dataNodesOf, type Inventory, primaryOf, type TopologyHost } from './inventory.ts';
import { SENTINEL_PORT } from './sentinel.ts';
import { cliRaw } from './topology-audit.ts';

/**
 * The data node the Sentinels name as primary now, asked of every Sentinel host's own Sentinel (AUTH on stdin).
 * After a failover that is not the inventory's primary — and rendering for the inventory would write `replicaof
 * <old primary>` into the promoted node's redis.conf, demoting it (and pointing the two data nodes at each other)
 * at the restart that installs the file. Undefined when no Sentinel answers (a fresh topology). Sentinels that
 * name different primaries (a failover in progress) stop the run: nothing is rendered for a topology in motion.
 */
export async function sentinelsPrimary(
  inventory: Inventory,
  targetOf: (host: TopologyHost) => Target,
  sentinelPassword: string,
): Promise<TopologyHost | undefined> {
  const named = new Map<string, string[]>();
  for (const host of inventory.hosts.filter((h) => h.roles.includes('sentinel'))) {
    let reply = '';
    try {
      reply = await cliRaw(
        targetOf(host),
        SENTINEL_PORT,
        sentinelPassword,
        `SENTINEL GET-MASTER-ADDR-BY-NAME ${inventory.master}`,
      );
    } catch {
      continue; // not reachable or not provisioned yet: the other Sentinels decide
    }
    const [address] = reply.trim().split('\n');
    if (!address || /ERR|NOAUTH|WRONGPASS|Could not connect|nil/i.test(reply)) continue;
    named.set(address, [...(named.get(address) ?? []), host.ssh]);
  }
  if (named.size === 0) return undefined;
  if (named.size > 1) {
    const views = [...named].map(([address, by]) => `${by.join(', ')}: ${address}`).join('; ');
    throw new ProvisionError(
      'E_STEP_FAILED',
      `the Sentinels name different primaries (${views}): a failover is in progress; run again when they agree`,
    );
  }
  const [address] = [...named.keys()];
  const node = dataNodesOf(inventory).find((h) => h.address === address);
  if (!node) {
    throw new ProvisionError(
      'E_STEP_FAILED',
      `the Sentinels name ${address} as primary, which is no data node of the inventory: fix the inventory first`,
    );
  }
  return node;
}

/** The inventory as it runs: `primary` in the primary's role, the inventory's primary a replica. */
export function withPrimary(inventory: Inventory, primary: TopologyHost): Inventory {
  const old = primaryOf(inventory);
  if (old === primary) return inventory;
  const swap = (h: TopologyHost): TopologyHost => {
    if (h === primary) return { ...h, roles: h.roles.map((r) => (r === 'replica' ? 'primary' : r)) };
    if (h === old) return { ...h, roles: h.roles.map((r) => (r === 'primary' ? 'replica' : r)) };
    return h;
  };
  return { ...inventory, hosts: inventory.hosts.map(swap) };
}

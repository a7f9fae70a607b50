import { describe, expect, it } from 'vitest';
import type { ExecOptions, Target } from '../../../provisioning/lib/host/target.ts';
import { sentinelsPrimary, withPrimary } from '../../../provisioning/lib/topology/current-primary.ts';
import { loadInventory, primaryOf } from '../../../provisioning/lib/topology/inventory.ts';
import { replicationLines } from '../../../provisioning/lib/topology/replication.ts';

const SPECS = ['primary+sentinel@ops@10.0.0.2', 'replica+sentinel@ops@10.0.0.3', 'sentinel@ops@10.0.0.4'];
const SECRETS = { replication: 'Repl-secret-123', sentinel: 'Sent-secret-456' };
const inventory = loadInventory(undefined, SPECS);
const [A, B] = inventory.hosts as [(typeof inventory.hosts)[0], (typeof inventory.hosts)[0]];

/** Sentinel hosts whose redis-cli answers GET-MASTER-ADDR-BY-NAME with `replies[ssh]` (absent: not reachable). */
function sentinels(replies: Record<string, string>, inputs: string[] = []): (h: { ssh: string }) => Target {
  return (h) => ({
    name: h.ssh,
    remote: true,
    exec: async (_argv: readonly string[], options?: ExecOptions) => {
      inputs.push(options?.input ?? '');
      const reply = replies[h.ssh];
      if (reply === undefined) throw new Error('ssh: connect to host: Connection refused');
      return { stdout: `OK\n${reply}`, stderr: '', exitCode: 0 };
    },
  });
}

describe('the primary the Sentinels name (provision-topology after a failover)', () => {
  it('is the promoted replica when every Sentinel says so; the password goes on stdin', async () => {
    const inputs: string[] = [];
    const all = Object.fromEntries(inventory.hosts.map((h) => [h.ssh, '10.0.0.3\n6379\n']));
    expect(await sentinelsPrimary(inventory, sentinels(all, inputs), SECRETS.sentinel)).toBe(B);
    expect(inputs.every((i) => i.startsWith(`AUTH ${SECRETS.sentinel}\n`))).toBe(true);
  });

  it('is undefined when no Sentinel answers (a fresh topology), and skips one that cannot be reached', async () => {
    expect(await sentinelsPrimary(inventory, sentinels({}), SECRETS.sentinel)).toBeUndefined();
    expect(await sentinelsPrimary(inventory, sentinels({ 'ops@10.0.0.4': '10.0.0.2\n6379\n' }), 'x')).toBe(A);
  });

  it('stops the run while the Sentinels disagree, or name a host outside the inventory', async () => {
    const split = { 'ops@10.0.0.2': '10.0.0.2\n6379\n', 'ops@10.0.0.3': '10.0.0.3\n6379\n' };
    await expect(sentinelsPrimary(inventory, sentinels(split), 'x')).rejects.toThrow(/failover is in progress/);
    await expect(sentinelsPrimary(inventory, sentinels({ 'ops@10.0.0.2': '10.9.9.9\n6379\n' }), 'x')).rejects.toThrow(
      /no data node of the inventory/,
    );
  });

  it('renders the promoted node without replicaof and the old primary as its replica', () => {
    const running = withPrimary(inventory, B);
    expect(primaryOf(running).ssh).toBe(B.ssh);
    const lines = (ssh: string, inv = running) =>
      replicationLines(inv, inv.hosts.find((h) => h.ssh === ssh)!, SECRETS, '7.0.15', 6379);
    expect(lines(B.ssh).some((l) => l.startsWith('replicaof'))).toBe(false);
    expect(lines(A.ssh)).toContain('replicaof 10.0.0.3 6379');
    // control: rendered from the inventory, the promoted node would be pointed back at the old primary
    expect(lines(B.ssh, inventory)).toContain('replicaof 10.0.0.2 6379');
    expect(withPrimary(inventory, A)).toBe(inventory);
  });
});

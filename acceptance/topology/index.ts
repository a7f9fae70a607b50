/**
 * The topology rows of the gate (issue 14): a failover under load on the topology the local target runs
 * (`npm start -- --topology sentinel|cluster`). Each row runs on a private topology of its own (so the failover
 * never disturbs the other rows), once guarded (invalidator + fence on) and once as its control (off, must show
 * stale reads). On another topology, or another target, the row reads SKIP "not applicable". ids match the files
 * acceptance/topology/hN-….test.ts.
 */
import type { TopologyKind } from '../../src/redis/topology.ts';

export const TOPOLOGY_ROWS: ReadonlyArray<{ id: string; title: string; topology: TopologyKind }> = [
  { id: 'H1', title: 'Sentinel failover under load: primary killed, 0 stale reads', topology: 'sentinel' },
  { id: 'H2', title: "Cluster: a shard's primary killed under load, 0 stale reads", topology: 'cluster' },
];

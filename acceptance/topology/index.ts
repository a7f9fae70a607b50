/**
 * The topology rows of the gate (issue 14): a failover under load on the topology the local target runs
 * (`npm start -- --topology sentinel|cluster`). Each row runs on a private topology of its own (so the failover
 * never disturbs the other rows), once guarded (invalidator + fence on) and once as its control (off, must show
 * stale reads). On another topology, or another target, the row reads SKIP "not applicable". The rows are declared
 * in acceptance/rows.ts.
 */
export { TOPOLOGY_ROWS } from '../rows.ts';

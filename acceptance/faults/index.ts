/**
 * The fault rows of the gate (issue #11). Each row runs the write → cross-worker-read workload through one fault on
 * a private local stack with the invalidator and fence on, and again with them off (the control, which must
 * fail). An external target runs the guarded test only, and only when the operator grants fault control
 * (--allow-faults, support/fault-control.ts). ids match the files acceptance/faults/fN-….test.ts.
 */
export const FAULTS: ReadonlyArray<{ id: string; title: string }> = [
  { id: 'F1', title: 'Redis SIGKILL + restart from an older snapshot' },
  { id: 'F2', title: 'Redis stopped (SIGSTOP) 10 s' },
  { id: 'F3', title: 'FLUSHALL' },
  { id: 'F4', title: 'maxmemory pressure with evictions' },
  { id: 'F5', title: 'PostgreSQL restart' },
  { id: 'F6', title: 'Network partition service ↔ Redis' },
  { id: 'F7', title: 'A worker killed during a Redis outage' },
];

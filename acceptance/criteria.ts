/**
 * The rows the gate judges: the plan's nine criteria (acceptance/NN-…), one regression per FastNPC defect
 * (acceptance/regressions/rN-…) and, on the embedded targets only, the reference-module rows (acceptance/module/mN-…)
 * that test this project's own cache module rather than the target. Ids match the file names.
 */
import { FAULTS } from './faults/index.ts';
import { TOPOLOGY_ROWS as TOPOLOGIES } from './topology/index.ts';

export interface RowDef {
  id: string;
  title: string;
}

/** The plan's nine criteria, in order; ids match the file names acceptance/01-… to 09-…. */
export const CRITERIA: ReadonlyArray<RowDef> = [
  { id: '01', title: 'Redis runs (PING, version, uptime, config audit)' },
  { id: '02', title: 'The app connects to Redis (/admin/cache/test, CLIENT LIST)' },
  { id: '03', title: 'User-settings cache: second read < 5 ms' },
  { id: '04', title: 'Character-profile cache: chat fills char_profile, the next chat reads it' },
  { id: '05', title: 'Character-list cache: hit, and the TTL expires' },
  { id: '06', title: 'Hit rate > 90 % under the chat workload' },
  { id: '07', title: 'An update invalidates immediately (every write path, both workers)' },
  { id: '08', title: 'Two workers consistent (>= 500 rounds, stale-set race)' },
  { id: '09', title: 'DB statements down >= 80 %' },
];

/** FastNPC's defects (shared/reference/fastnpc.md), one regression test each; ids match acceptance/regressions/rN-…. */
export const REGRESSIONS: ReadonlyArray<RowDef> = [
  { id: 'R1', title: 'Stats are system-wide, not per worker' },
  { id: 'R2', title: 'Pattern delete uses SCAN + UNLINK, never KEYS' },
  { id: 'R3', title: 'Structured update invalidates the profile' },
  { id: 'R4', title: 'Admin guard lets the admin in (403 only for others)' },
  { id: 'R5', title: 'Hostile names (":", "*") never collide or widen a delete' },
  { id: 'R6', title: 'Redis unresponsive: requests degrade fast, not after seconds' },
  { id: 'R7', title: 'Stale-set race closed (no old value after an update)' },
  { id: 'R8', title: 'No stale entry after a Redis restart (failed invalidation)' },
  { id: 'R9', title: 'List misses leak no connection (>= 200 misses on one worker)' },
  { id: 'R10', title: 'Task status visible from every worker' },
];

/** Tests of this project's cache module (not of the target): run on the embedded targets only. */
export const MODULE_ROWS: ReadonlyArray<RowDef> = [
  { id: 'M3', title: 'Reference module: getOrLoad hit p95 < 5 ms' },
  { id: 'M8', title: 'Reference module: leases close the stale-set race (naive control must fail)' },
];

/**
 * Faults under a write → cross-worker-read workload (acceptance/faults/fN-…): on the local target, or on an external
 * one whose operator granted fault control (--allow-faults).
 */
export const FAULT_ROWS: ReadonlyArray<RowDef> = FAULTS;

/**
 * A failover on the topology the local target runs (acceptance/topology/hN-…): H1 on `--topology sentinel`, H2 on
 * `--topology cluster`; elsewhere SKIP "not applicable" (never a PASS).
 */
export const TOPOLOGY_ROWS: ReadonlyArray<RowDef & { topology: string }> = TOPOLOGIES;

/** The definition of a row by id (throws for an unknown id: a suite must be listed here). */
export function rowDef(id: string): RowDef {
  const def = [...CRITERIA, ...REGRESSIONS, ...MODULE_ROWS, ...FAULT_ROWS, ...TOPOLOGY_ROWS].find((d) => d.id === id);
  if (!def) throw new Error(`row ${id} is not listed in acceptance/criteria.ts`);
  return def;
}

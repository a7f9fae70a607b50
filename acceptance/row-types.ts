/**
 * What a gate row is: its kind, scope, gating, what it needs from an external target. The rows themselves are declared
 * in row-list.ts; rows.ts is the registry the gate and the suites import (lookups, scope, derived views).
 */
import type { TopologyKind } from '../src/redis/topology.ts';
import type { Defect } from '../src/service/defects.ts';

export type RowKind = 'audit' | 'run' | 'criterion' | 'regression' | 'module' | 'fault' | 'topology' | 'load';

/**
 * `deploy`: the rows a deploy gate runs (the default of `npm start` / `npm run gate`); `full` adds the fault and
 * topology rows, the long workloads and the repeats. A row of scope `deploy` runs in both scopes (with the shorter
 * workload `deployWorkload` describes in the deploy scope, where it has one).
 */
export const SCOPES = ['deploy', 'full'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * When a SKIP or NOT MEASURABLE of the row fails the gate (a FAIL always does):
 * - `required`: always (the audit, the run, the criteria, the module rows);
 * - `optional`: never, unless GATE_REQUIRE / --require-load names it (regressions, load);
 * - `required-local`: on the local target; elsewhere only when required (fault rows: an external target runs them
 *   only when granted --allow-faults);
 * - `required-on-topology`: on the local target running the row's topology; elsewhere it reads SKIP "not applicable".
 */
export type Gating = 'required' | 'optional' | 'required-local' | 'required-on-topology';

/** Settings an external target may have to provide (environment variables; flags where the gate has one). */
export type ExternalSetting =
  | 'ACCEPTANCE_USERS_FILE'
  | 'FASTNPC_ADMIN_USER'
  | 'DATABASE_URL'
  | 'WORKER1_URL'
  | 'WORKER2_URL'
  | 'ACCEPTANCE_ALLOW_CREATE'
  | 'ACCEPTANCE_ALLOW_FAULTS'
  | 'CACHE_OFF_BASE_URL';

/** What a row needs from an external target, beyond BASE_URL and REDIS_URL (+ REDIS_PASSWORD), which every run needs. */
export interface ExternalNeed {
  setting: ExternalSetting;
  /**
   * `required`: without it the row cannot give a verdict that counts (a required row would fail, so the gate should
   * refuse up front, exit 2 naming it); `optional`: without it the row uses a weaker channel or reads NOT MEASURABLE /
   * SKIP (with the reason).
   */
  level: 'required' | 'optional';
  /** What the row uses it for. */
  why: string;
}

/** Where a row can run: `any` target, or the `embedded` ones only (local / containers: it tests this project). */
export type RowTargets = 'any' | 'embedded';

export interface RowDef {
  id: string;
  title: string;
  kind: RowKind;
  scope: Scope;
  gating: Gating;
  /** Its suite, relative to the repository root; undefined for the steps (audit, run, load). */
  file?: string;
  /** Emulated defects (FASTNPC_EMULATE_DEFECTS) under which this row must FAIL (`npm run gate:matrix`). */
  catches: readonly Defect[];
  /** Defects under which this row may fail too (a side effect the matrix tolerates, with the reason in `why`). */
  mayFailWith?: readonly Defect[];
  /** External target: what it must provide for this row. */
  needs: readonly ExternalNeed[];
  targets: RowTargets;
  /** Topology rows: the topology they belong to. */
  topology?: TopologyKind;
  /** A latency bound judged against a calibration probe timed in the same window (NOT MEASURABLE when too slow). */
  timing?: boolean;
  /** The deploy scope's shorter workload, where the row has one (the full scope runs the long one). */
  deployWorkload?: string;
}

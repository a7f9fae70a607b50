/**
 * The row registry: every row the gate can show, declared once (row-list.ts) — its id, title, kind, scope, gating, the
 * emulated FastNPC defects (FASTNPC_EMULATE_DEFECTS) it must catch, and what it needs from an external target
 * (row-types.ts). The gate's row list, `--only` / `GATE_REQUIRE`, `--scope`, the defect matrix
 * (docs/defect-matrix.md) and the row table of docs/acceptance.md (checked by test/unit/acceptance/rows.test.ts) all
 * read this list through this module.
 */
import type { TopologyKind } from '../src/redis/topology.ts';
import type { Defect } from '../src/service/defects.ts';
import { acceptanceEnv } from './environment.ts';
import { ROWS } from './row-list.ts';
import type { RowDef, RowKind, Scope } from './row-types.ts';

export { ROWS } from './row-list.ts';
export {
  type ExternalNeed,
  type ExternalSetting,
  type Gating,
  type RowDef,
  type RowKind,
  type RowTargets,
  SCOPES,
  type Scope,
} from './row-types.ts';

/** The definition of a row by id (throws for an unknown id: every row is declared here). */
export function rowDef(id: string): RowDef {
  const def = ROWS.find((d) => d.id === id);
  if (!def) throw new Error(`row ${id} is not declared in acceptance/row-list.ts`);
  return def;
}

export function rowsOfKind(kind: RowKind): RowDef[] {
  return ROWS.filter((r) => r.kind === kind);
}

/** Whether a row runs in a scope: `full` runs every row, `deploy` the rows declared `deploy`. */
export function inScope(row: RowDef, scope: Scope): boolean {
  return scope === 'full' || row.scope === 'deploy';
}

/** The id of the row whose suite is `file` (a path relative to the repository root, or absolute), or undefined. */
export function rowIdOfFile(file: string): string | undefined {
  const normalised = file.replaceAll('\\', '/');
  return ROWS.find((r) => r.file && (normalised === r.file || normalised.endsWith(`/${r.file}`)))?.id;
}

/** The rows that must FAIL under an emulated defect, and those that may fail beside them. */
export function expectedUnder(defect: Defect): { fails: string[]; mayFail: string[] } {
  return {
    fails: ROWS.filter((r) => r.catches.includes(defect)).map((r) => r.id),
    mayFail: ROWS.filter((r) => r.mayFailWith?.includes(defect)).map((r) => r.id),
  };
}

/**
 * The scope the suites run in: ACCEPTANCE_SCOPE (the gate sets it from --scope). A suite run directly with vitest
 * runs the full workloads.
 */
export function currentScope(env: NodeJS.ProcessEnv = acceptanceEnv()): Scope {
  const raw = env.ACCEPTANCE_SCOPE;
  return raw === 'deploy' ? 'deploy' : 'full';
}

/** The views the suites and the verdict use (derived, never declared twice). */
export const CRITERIA: ReadonlyArray<RowDef> = rowsOfKind('criterion');
export const REGRESSIONS: ReadonlyArray<RowDef> = rowsOfKind('regression');
export const MODULE_ROWS: ReadonlyArray<RowDef> = rowsOfKind('module');
export const FAULT_ROWS: ReadonlyArray<RowDef> = rowsOfKind('fault');
export const TOPOLOGY_ROWS: ReadonlyArray<RowDef & { topology: TopologyKind }> = rowsOfKind('topology') as Array<
  RowDef & { topology: TopologyKind }
>;

/**
 * Comparison with the previous complete run of the same target, topology and scope, as Lighthouse CI shows it: per row, the headline figure now,
 * the same figure in the previous run and the change, plus a status change (e.g. PASS → FAIL).
 */
import type { Figure } from './figures.ts';
import type { RowStatus, VerdictRow } from './verdict.ts';
import { STATUS_TEXT } from './verdict-table.ts';

export interface Comparison {
  /** The previous run's directory name, e.g. 2026-12-01T15-40-12-345Z. */
  previousRun: string;
  previousCommit: string;
  rows: ComparedRow[];
}

export interface ComparedRow {
  id: string;
  figure: string;
  unit: string;
  current: number | string | null;
  previous: number | string | null;
  /** current − previous for numbers (null otherwise). */
  change: number | null;
  /** Relative change in % of the previous value (null when not a number or the previous value is 0). */
  changePercent: number | null;
  status: RowStatus;
  previousStatus: RowStatus | null;
}

function gatingFigure(row: Pick<VerdictRow, 'figures'>): Figure | undefined {
  return row.figures.find((f) => f.pass !== null) ?? row.figures[0];
}

export function compareRuns(
  current: VerdictRow[],
  previous: { name: string; commit: string; rows: VerdictRow[] },
): Comparison {
  const before = new Map(previous.rows.map((r) => [r.id, r]));
  const rows: ComparedRow[] = [];
  for (const row of current) {
    const old = before.get(row.id);
    const head = gatingFigure(row);
    const oldFigure = old ? (old.figures.find((f) => f.name === head?.name) ?? undefined) : undefined;
    const cur = head?.value ?? (row.figure === '—' ? null : row.figure);
    const prev = oldFigure?.value ?? (old && !head ? old.figure : null);
    const numeric = typeof cur === 'number' && typeof prev === 'number';
    const change = numeric ? Math.round((cur - prev) * 1000) / 1000 : null;
    rows.push({
      id: row.id,
      figure: head?.name ?? row.title,
      unit: head?.unit ?? '',
      current: cur ?? null,
      previous: prev ?? null,
      change,
      changePercent: numeric && prev !== 0 ? Math.round(((cur - prev) / Math.abs(prev)) * 1000) / 10 : null,
      status: row.status,
      previousStatus: old?.status ?? null,
    });
  }
  return { previousRun: previous.name, previousCommit: previous.commit, rows };
}

/** 130.896 → 130.9: four significant digits are enough for a one-line comparison. */
const short = (v: number): number => Number(v.toPrecision(4));

/** The largest relative changes first; only numeric figures that moved by at least this much are named. */
const NOTABLE_CHANGE_PERCENT = 20;

/**
 * The terminal's closing line: which previous run, the rows whose result changed, and the figures that moved most.
 * `vs previous deploy run 2026-12-01T10-00-00-000Z (abc123): 1 row changed: 03 PASS → FAIL; moved most: 03 p95
 * 1.2 → 6.1 ms (+408 %)`.
 */
export function comparisonLine(comparison: Comparison | undefined, what: string): string {
  if (!comparison) return `no earlier complete ${what} run to compare with (reports/runs/)`;
  const changed = comparison.rows.filter((r) => r.previousStatus !== null && r.previousStatus !== r.status);
  const added = comparison.rows.filter((r) => r.previousStatus === null);
  const moved = comparison.rows
    .filter((r) => r.changePercent !== null && Math.abs(r.changePercent) >= NOTABLE_CHANGE_PERCENT)
    .sort((a, b) => Math.abs(b.changePercent as number) - Math.abs(a.changePercent as number))
    .slice(0, 3);
  const parts = [
    changed.length
      ? `${changed.length} row(s) changed: ${changed.map((r) => `${r.id} ${STATUS_TEXT[r.previousStatus as RowStatus]} → ${STATUS_TEXT[r.status]}`).join(', ')}`
      : 'no row changed its result',
    added.length ? `new: ${added.map((r) => r.id).join(', ')}` : '',
    moved.length
      ? `moved most: ${moved
          .map(
            (r) =>
              `${r.id} ${short(r.previous as number)}→${short(r.current as number)}${r.unit ? ` ${r.unit}` : ''} (${(r.changePercent as number) > 0 ? '+' : ''}${r.changePercent} %)`,
          )
          .join(', ')}`
      : `no figure moved by ${NOTABLE_CHANGE_PERCENT} % or more`,
  ].filter(Boolean);
  return `vs previous ${what} run ${comparison.previousRun} (${comparison.previousCommit}): ${parts.join('; ')}`;
}

/**
 * Comparison with the previous run on the same target, as Lighthouse CI shows it: per row, the headline figure now,
 * the same figure in the previous run and the change, plus a status change (e.g. PASS → FAIL).
 */
import type { Figure } from './figures.ts';
import type { RowStatus, VerdictRow } from './verdict.ts';

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

/**
 * Each figure over the last runs of the same target, topology and scope: the values of every gating figure (and the
 * headline figure of each row) in the earlier complete runs, oldest first, with this run last — drawn in gate.html as
 * a small line beside the figure, its values in the tooltip.
 */
import type { VerdictRow } from '../verdict.ts';
import { escapeHtml } from './charts.ts';

export interface Trend {
  /** Run names, oldest first; the last one is this run. */
  runs: string[];
  /** `<row id> <figure name>` → one value per run (null where the run had no such number). */
  figures: Record<string, Array<number | null>>;
}

export const trendKey = (rowId: string, figureName: string): string => `${rowId} ${figureName}`;

/** Builds the trend from earlier runs (newest first, as pastRuns returns them) and this run's rows. */
export function buildTrend(
  past: Array<{ name: string; rows: VerdictRow[] }>,
  current: { name: string; rows: VerdictRow[] },
): Trend {
  const runs = [...past].reverse().concat(current);
  const figures: Record<string, Array<number | null>> = {};
  for (const row of current.rows) {
    for (const figure of row.figures) {
      if (typeof figure.value !== 'number') continue;
      figures[trendKey(row.id, figure.name)] = runs.map((run) => {
        const value = run.rows.find((r) => r.id === row.id)?.figures.find((f) => f.name === figure.name)?.value;
        return typeof value === 'number' ? value : null;
      });
    }
  }
  return { runs: runs.map((r) => r.name), figures };
}

const SPARK_W = 90;
const SPARK_H = 20;

/**
 * A sparkline: one point per run, this run's point filled; a dash when fewer than two runs have a value. The
 * tooltip lists every value so the line is never the only way to read it.
 */
export function sparklineSvg(values: Array<number | null>, unit: string, runs: string[]): string {
  const known = values.map((v, i) => [i, v] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  if (known.length < 2) return '<span class="trend-none" title="no earlier run with this figure">—</span>';
  const min = Math.min(...known.map(([, v]) => v));
  const max = Math.max(...known.map(([, v]) => v));
  const span = max - min || 1;
  const x = (i: number): number => 3 + (i / Math.max(1, values.length - 1)) * (SPARK_W - 6);
  const y = (v: number): number => SPARK_H - 3 - ((v - min) / span) * (SPARK_H - 6);
  const path = known.map(([i, v], k) => `${k === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const [lastI, lastV] = known[known.length - 1] as readonly [number, number];
  const title = values
    .map((v, i) => `${runs[i] ?? ''}: ${v === null ? '—' : `${v}${unit ? ` ${unit}` : ''}`}`)
    .join('\n');
  return `<svg class="trend" xmlns="http://www.w3.org/2000/svg" width="${SPARK_W}" height="${SPARK_H}" viewBox="0 0 ${SPARK_W} ${SPARK_H}" role="img" aria-label="trend over ${values.length} runs"><title>${escapeHtml(title)}</title><path d="${path}" fill="none" stroke="#0e7490" stroke-width="1.5"/><circle cx="${x(lastI).toFixed(1)}" cy="${y(lastV).toFixed(1)}" r="2.5" fill="#0e7490"/></svg>`;
}

/**
 * `npm run gate:matrix -- --repeat N`: the detection figures of the matrix — how often a defect's rows fail over N
 * gate runs (detection rate) and how often a row fails with no defect (false-positive rate), each with the per-run
 * figures and a one-sided 95 % lower bound (Clopper–Pearson), so "caught in 20 of 20 runs" is read for what it
 * proves (≥ 86 %), not more.
 */
import type { RowStatus } from './verdict.ts';

/** One gate run as the detection table needs it (a subset of MatrixRun). */
export interface DetectionRun {
  column: string;
  statuses: Record<string, RowStatus>;
  /** Headline figure per row as the verdict table shows it, e.g. "17 stale reads". */
  figures: Record<string, string>;
  seconds: number;
  /** 1-minute load average at the start and at the end of the run. */
  load?: { start: number; end: number };
  error?: string;
}

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialTailAtLeast(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  let sum = 0;
  let logC = 0; // log C(n, i), built up from i = 0
  for (let i = 1; i <= n; i++) {
    logC += Math.log(n - i + 1) - Math.log(i);
    if (i >= k) sum += Math.exp(logC + i * Math.log(p) + (n - i) * Math.log(1 - p));
  }
  return Math.min(1, sum);
}

/**
 * One-sided lower confidence bound of a rate seen k times in n (Clopper–Pearson): the smallest p under which seeing
 * k or more has probability `alpha`. 0 when k = 0; alpha^(1/n) when k = n.
 */
export function lowerBound(k: number, n: number, alpha = 0.05): number {
  if (n <= 0 || k <= 0) return 0;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binomialTailAtLeast(k, n, mid) < alpha) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** One-sided upper confidence bound of a rate seen k times in n: 1 − alpha^(1/n) when k = 0. */
export function upperBound(k: number, n: number, alpha = 0.05): number {
  if (n <= 0) return 1;
  return 1 - lowerBound(n - k, n, alpha);
}

export interface RateLine {
  column: string;
  row: string;
  /** 'detection' where the column must fail the row, 'false positive' where it must pass. */
  kind: 'detection' | 'false positive';
  failed: number;
  runs: number;
  /** Runs without a verdict for this row (not counted in `runs`). */
  missing: number;
  rate: number;
  /** 95 % one-sided bound: lower for detection, upper for false positives. */
  bound: number;
}

/** Rates per column and row: a row that must fail counts its FAILs as detections, any other row as false positives. */
export function rates(runs: DetectionRun[], rows: string[], mustFail: (column: string, row: string) => boolean) {
  const columns = [...new Set(runs.map((r) => r.column))];
  const out: RateLine[] = [];
  for (const column of columns) {
    const mine = runs.filter((r) => r.column === column);
    for (const row of rows) {
      const judged = mine.filter((r) => r.statuses[row] !== undefined);
      if (judged.length === 0) continue;
      const failed = judged.filter((r) => r.statuses[row] === 'fail').length;
      const detection = mustFail(column, row);
      out.push({
        column,
        row,
        kind: detection ? 'detection' : 'false positive',
        failed,
        runs: judged.length,
        missing: mine.length - judged.length,
        rate: failed / judged.length,
        bound: detection ? lowerBound(failed, judged.length) : upperBound(failed, judged.length),
      });
    }
  }
  return out;
}

const percent = (x: number): string => `${(Math.round(x * 1000) / 10).toFixed(1)} %`;

/** The per-run table (one line per run: each row's status and headline figure, load, time) and the rates. */
export function formatDetection(
  runs: DetectionRun[],
  rows: string[],
  mustFail: (column: string, row: string) => boolean,
): string {
  const lines = [`| column | run | ${rows.map((r) => `${r}`).join(' | ')} | load 1 min start→end | time |`];
  lines.push(`|---|---|${rows.map(() => '---').join('|')}|---|---|`);
  const counter = new Map<string, number>();
  for (const run of runs) {
    const n = (counter.get(run.column) ?? 0) + 1;
    counter.set(run.column, n);
    const cells = rows.map((row) => {
      const status = run.statuses[row];
      if (status === undefined) return run.error ? `— (${run.error.slice(0, 60)})` : '—';
      const figure = run.figures[row] ? ` (${run.figures[row]})` : '';
      return `${status === 'fail' ? 'FAIL' : status}${figure}`;
    });
    const load = run.load ? `${run.load.start} → ${run.load.end}` : '—';
    lines.push(`| ${run.column} | ${n} | ${cells.join(' | ')} | ${load} | ${run.seconds} s |`);
  }
  lines.push('');
  for (const r of rates(runs, rows, mustFail)) {
    const bound = r.kind === 'detection' ? `≥ ${percent(r.bound)}` : `≤ ${percent(r.bound)}`;
    const missing = r.missing ? `, ${r.missing} run(s) without a verdict` : '';
    lines.push(
      `${r.column} ${r.row}: ${r.kind} ${r.failed}/${r.runs} = ${percent(r.rate)} (95 % one-sided: ${bound}${missing})`,
    );
  }
  const loads = runs.flatMap((r) => (r.load ? [r.load.start, r.load.end] : []));
  if (loads.length > 0) {
    lines.push(`load average (1 min) over the runs: ${Math.min(...loads)}–${Math.max(...loads)}`);
  }
  return lines.join('\n');
}

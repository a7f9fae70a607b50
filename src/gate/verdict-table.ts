/** The verdict for a terminal: one line per row, the reasons of every non-PASS row, and the final line CI reads. */
import { type RowStatus, rowCounts, type Verdict, type VerdictRow } from './verdict.ts';

export const STATUS_TEXT: Record<RowStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  skip: 'SKIP',
  'not-measurable': 'NOT MEASURABLE',
};

function reasonOf(row: VerdictRow): string {
  return row.detail ? `${row.id} (${row.detail})` : row.id;
}

/**
 * The final line: names every row that is not a PASS. `GATE PASSED with 1 skipped: load (k6 not installed)`;
 * `GATE FAILED: 03, run; 1 skipped: load (…)`.
 */
export function finalLine(verdict: Verdict): string {
  const failing = verdict.rows.filter((r) => !rowCounts(r));
  const skipped = verdict.rows.filter((r) => rowCounts(r) && r.status === 'skip');
  const unmeasured = verdict.rows.filter((r) => rowCounts(r) && r.status === 'not-measurable');
  const tolerated = [
    skipped.length ? `${skipped.length} skipped: ${skipped.map(reasonOf).join(', ')}` : '',
    unmeasured.length ? `${unmeasured.length} not measurable: ${unmeasured.map(reasonOf).join(', ')}` : '',
  ].filter(Boolean);
  const scope = verdict.only.length ? ` (--only ${verdict.only.join(' ')})` : '';
  const where = `on target ${verdict.target}`;
  if (verdict.hostBusy) {
    const busy = failing.map((r) => `${r.id} (${r.detail.split(' — ')[0]})`).join(', ');
    return `GATE NOT MEASURABLE: the host was too busy to judge ${busy} — run it again on a quieter host (exit 75); nothing failed ${where}${scope}`;
  }
  if (!verdict.pass) {
    const names = failing.map((r) => (r.status === 'fail' ? r.id : `${r.id} ${STATUS_TEXT[r.status]} (required)`));
    return `GATE FAILED: ${names.join(', ') || 'nothing was judged'}${tolerated.length ? `; ${tolerated.join('; ')}` : ''} ${where}${scope}`;
  }
  const criteria = verdict.rows.filter((r) => r.kind === 'criterion').length;
  const what = scope ? `${verdict.rows.length} selected row(s) judged` : `all ${criteria} criteria pass`;
  const seconds = Math.round(verdict.durationMs / 1000);
  return tolerated.length
    ? `GATE PASSED with ${tolerated.join('; ')} — ${what} ${where}${scope} (${seconds} s)`
    : `GATE PASSED: ${what} ${where}${scope} (${seconds} s)`;
}

/** The verdict table for a terminal: fixed columns, one line per row, the reasons, the overall verdict last. */
export function formatTable(verdict: Verdict): string {
  const header = ['#', 'criterion', 'figure', 'bound', 'result'];
  const body = verdict.rows.map((r) => [r.id, r.title, r.figure, r.bound, STATUS_TEXT[r.status]]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  widths[1] = Math.min(widths[1] as number, 70);
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => {
        const w = widths[i] as number;
        const text = c.length > w ? `${c.slice(0, w - 1)}…` : c;
        return text.padEnd(w);
      })
      .join(' | ')
      .trimEnd();
  const lines = [fmt(header), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const row of body) lines.push(fmt(row));
  const notes = verdict.rows.filter((r) => r.detail && r.status !== 'pass').map((r) => `  ${r.id}: ${r.detail}`);
  if (notes.length) lines.push('', ...notes);
  lines.push('', finalLine(verdict));
  return lines.join('\n');
}

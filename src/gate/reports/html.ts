/**
 * gate.html: a self-contained page (no scripts, no external files): the verdict with its final line — each row with
 * its duration, the trend of its headline figure over the last runs and a link to its details, where the command
 * that reruns it alone is shown; a SKIP or NOT MEASURABLE that fails the gate is coloured like a FAIL — the run's
 * metadata, the comparison with the previous complete run of the same target, topology and scope, the config audit's
 * checks, charts drawn from the measured data, every figure with its trend, and a link to every raw file of the run.
 */
import { type CriterionRecord, formatValue } from '../figures.ts';
import { rerunCommand } from '../rerun.ts';
import { rowCounts, type VerdictRow } from '../verdict.ts';
import { finalLine, STATUS_TEXT } from '../verdict-table.ts';
import { barsSvg, boundNumber, escapeHtml, histogramSvg, seriesSvg } from './charts.ts';
import type { GateReport } from './gate-report.ts';
import { sparklineSvg, trendKey } from './trend.ts';

export { escapeHtml };

/** Sample sets smaller than this are listed, not drawn. */
const MIN_HISTOGRAM_SAMPLES = 10;

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,"Noto Sans CJK SC","Noto Sans SC","WenQuanYi Zen Hei","Microsoft YaHei",sans-serif;margin:24px auto;max-width:1100px;color:#111;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#555}.banner{padding:10px 14px;border-radius:6px;font-weight:600;margin:14px 0}
.ok{background:#dcfce7;color:#14532d}.bad{background:#fee2e2;color:#7f1d1d}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}.st{font-weight:700;text-align:center;white-space:nowrap}
.st.pass{color:#15803d}.st.fail{color:#b91c1c}.st.skip,.st.not-measurable,.st.info{color:#6b7280}
.st.blocking,.st.skip.blocking,.st.not-measurable.blocking{color:#b91c1c;background:#fee2e2}tr.blocking td:first-child{border-left:4px solid #b91c1c}
#verdict td:nth-child(3){white-space:normal}#verdict td:last-child{min-width:94px;white-space:nowrap}
code.rerun{font-size:12px;background:#f3f4f6;padding:1px 5px;border-radius:4px}svg.trend{vertical-align:middle}.trend-none{color:#9ca3af}.detail{color:#555;font-size:12px}
figure{margin:10px 0 18px}figcaption{font-size:13px;color:#333;margin-bottom:4px}ul.notes{font-size:12px;color:#444}
ul.files{columns:3;font-size:13px}dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}dt{color:#555}dd{margin:0}`;

function commonWords(a: string, b: string): number {
  const wa = a.toLowerCase().split(/[^a-z0-9]+/);
  const wb = new Set(b.toLowerCase().split(/[^a-z0-9]+/));
  return wa.filter((w) => w && wb.has(w)).length;
}

function chartsOf(rec: CriterionRecord): string[] {
  const out: string[] = [];
  const bounded = rec.figures.filter((f) => f.pass !== null && boundNumber(f.bound) !== undefined);
  for (const set of rec.samples) {
    if (set.values.length < MIN_HISTOGRAM_SAMPLES) {
      out.push(
        `<figure><figcaption><b>${escapeHtml(rec.id)}</b> ${escapeHtml(set.name)}: ${set.values.join(', ')} ${escapeHtml(set.unit)}</figcaption></figure>`,
      );
      continue;
    }
    // the bound of the figure about this sample set: same unit, most words in common with the set's name
    const fig = bounded
      .filter((f) => f.unit === set.unit)
      .sort((a, b) => commonWords(b.name, set.name) - commonWords(a.name, set.name))[0];
    const bound = fig ? { value: boundNumber(fig.bound) as number, figureName: fig.name, text: fig.bound } : undefined;
    out.push(
      `<figure><figcaption><b>${escapeHtml(rec.id)}</b> ${escapeHtml(set.name)} — histogram of ${set.values.length} measured values${fig ? `; the bound ${escapeHtml(fig.bound)} is on “${escapeHtml(fig.name)}”` : ''}</figcaption>${histogramSvg(set, { bound })}</figure>`,
    );
  }
  for (const s of rec.series) {
    const fig = bounded.find((f) => f.unit === s.unit);
    const bound = fig ? { value: boundNumber(fig.bound) as number, text: fig.bound, on: fig.name } : undefined;
    const applies = fig
      ? `; the bound ${escapeHtml(fig.bound)} is on “${escapeHtml(fig.name)}” (${escapeHtml(formatValue(fig))}), not on each point`
      : '';
    out.push(
      `<figure><figcaption><b>${escapeHtml(rec.id)}</b> ${escapeHtml(s.name)} — ${s.points.length} points${applies}</figcaption>${seriesSvg(s, { bound, yMax: s.unit === '%' ? 100 : undefined })}</figure>`,
    );
  }
  // statements per message with the cache off and on (criterion 9): bars, and the most the bound allows
  const perMessage = rec.figures.filter((f) => /statements per message/i.test(f.name) && typeof f.value === 'number');
  if (perMessage.length >= 2) {
    const bars = perMessage.map((f) => ({
      label: f.name.split(',').slice(1).join(',').trim() || f.name,
      value: f.value as number,
    }));
    const off = perMessage.find((f) => /cache off/i.test(f.name));
    const down = rec.figures.find((f) => f.pass !== null && f.unit === '%' && boundNumber(f.bound) !== undefined);
    const pct = down ? boundNumber(down.bound) : undefined;
    const limit =
      off && pct !== undefined
        ? {
            value: Math.round((off.value as number) * (1 - pct / 100) * 100) / 100,
            text: `bound: warm cache-on ≤ ${100 - pct} % of cache off`,
          }
        : undefined;
    out.push(
      `<figure><figcaption><b>${escapeHtml(rec.id)}</b> PostgreSQL statements per message${down ? ` — bound ${escapeHtml(down.bound)} down applies to the warm run` : ''}</figcaption>${barsSvg('statements per message', bars, 'statements / message', limit)}</figure>`,
    );
  }
  return out;
}

function metadataHtml(r: GateReport): string {
  const m = r.metadata;
  const rows: Array<[string, string]> = [
    ['commit', `${m.commit}${m.dirty ? ' (uncommitted changes)' : ''}`],
    ['target', m.target],
    [
      'scope',
      `${m.scope}${m.complete ? '' : ' — partial run (--only): kept in its own folder, reports/latest and the top-level files unchanged'}`,
    ],
    ['topology', m.topology],
    ['Node.js', m.node],
    ['Redis', m.redis],
    ['PostgreSQL', m.postgres],
    ['host', `${m.host}: ${m.cpus} CPUs, ${m.memoryGb} GB`],
    ['load average (1/5/15 min)', `start ${m.loadStart.join(' / ')}, end ${m.loadEnd.join(' / ')}`],
    ['run', `reports/runs/${r.runName}${m.complete ? '' : '-partial'}/`],
  ];
  return `<dl class="meta">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function comparisonHtml(r: GateReport): string {
  const c = r.comparison;
  if (!c) return '<p>No earlier complete run of this target, topology and scope in reports/runs/.</p>';
  const cell = (v: number | string | null, unit: string): string =>
    v === null ? '—' : escapeHtml(formatValue({ value: v, unit }));
  const rows = c.rows
    .map((row) => {
      const change =
        row.change === null
          ? '—'
          : `${row.change > 0 ? '+' : ''}${row.change}${row.unit ? ` ${row.unit}` : ''}${row.changePercent === null ? '' : ` (${row.changePercent > 0 ? '+' : ''}${row.changePercent} %)`}`;
      const status =
        row.previousStatus && row.previousStatus !== row.status
          ? `${STATUS_TEXT[row.previousStatus]} → ${STATUS_TEXT[row.status]}`
          : STATUS_TEXT[row.status];
      return `<tr><td>${escapeHtml(row.id)}</td><td>${escapeHtml(row.figure)}</td><td class="num">${cell(row.current, row.unit)}</td><td class="num">${cell(row.previous, row.unit)}</td><td class="num">${escapeHtml(change)}</td><td>${escapeHtml(status)}</td></tr>`;
    })
    .join('\n');
  return `<p>Previous complete run of this target, topology and scope: <a href="../${escapeHtml(c.previousRun)}/gate.html">${escapeHtml(c.previousRun)}</a> (commit ${escapeHtml(c.previousCommit)}).</p>
<table><tr><th>#</th><th>figure</th><th>this run</th><th>previous</th><th>change</th><th>result</th></tr>
${rows}
</table>`;
}

function auditHtml(r: GateReport): string {
  if (r.auditChecks.length === 0) return '<p>The config audit did not run (or reported no checks).</p>';
  const rows = r.auditChecks
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.setting)}</td><td class="num">${escapeHtml(JSON.stringify(c.expected))}</td><td class="num">${escapeHtml(JSON.stringify(c.actual))}</td><td class="st ${c.ok ? 'pass' : 'fail'}">${c.ok ? 'PASS' : 'DRIFT'}</td></tr>`,
    )
    .join('\n');
  return `<table><tr><th>setting</th><th>expected</th><th>live</th><th></th></tr>\n${rows}\n</table>`;
}

/** The id used for a row's anchor (#row-03). */
export const rowAnchor = (id: string): string => `row-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function trendOf(report: GateReport, rowId: string, figureName: string | undefined, unit: string): string {
  const t = report.trend;
  const values = figureName && t ? t.figures[trendKey(rowId, figureName)] : undefined;
  return values && t ? sparklineSvg(values, unit, t.runs) : '<span class="trend-none">—</span>';
}

function verdictRowHtml(report: GateReport, r: VerdictRow): string {
  // a SKIP / NOT MEASURABLE that fails the gate (a required row) is shown like a failure
  const blocking = r.status !== 'pass' && r.status !== 'fail' && !rowCounts(r);
  const status = `${STATUS_TEXT[r.status]}${blocking ? ' (fails the gate)' : ''}`;
  // the figure the row shows (a NOT MEASURABLE row shows the one it could not judge), else its first gating one
  const head =
    r.figures.find((f) => formatValue(f) === r.figure) ?? r.figures.find((f) => f.pass !== null) ?? r.figures[0];
  const seconds = r.durationMs ? (r.durationMs / 1000).toFixed(1) : '—';
  return `<tr id="${rowAnchor(r.id)}"${blocking ? ' class="blocking"' : ''}><td><a href="#details-${rowAnchor(r.id)}">${escapeHtml(r.id)}</a></td><td>${escapeHtml(r.title)}${r.detail ? `<div class="detail">${escapeHtml(r.detail)}</div>` : ''}</td><td class="num">${escapeHtml(r.figure)}</td><td class="num">${escapeHtml(r.bound)}</td><td class="st ${r.status}${blocking ? ' blocking' : ''}">${escapeHtml(status)}</td><td class="num">${seconds}</td><td>${trendOf(report, r.id, head?.name, head?.unit ?? '')}</td></tr>`;
}

/** Each row's details: its figures with their trend, notes, raw record and the command that reruns it alone. */
function rowDetailsHtml(report: GateReport, r: VerdictRow, rec: CriterionRecord | undefined): string {
  const command = rerunCommand(r.id);
  const rerun = command
    ? `<p>Rerun this row alone: <code class="rerun">${escapeHtml(command)}</code>${report.metadata.targetKey.startsWith('local') ? '' : " (with this run's target options)"}</p>`
    : '';
  const figures = (rec?.figures ?? r.figures)
    .map(
      (f) =>
        `<tr><td>${escapeHtml(f.name)}</td><td class="num">${escapeHtml(formatValue(f))}</td><td class="num">${escapeHtml(f.bound)}</td><td class="st ${f.pass === null ? 'info' : f.pass ? 'pass' : 'fail'}">${f.pass === null ? 'info' : f.pass ? 'PASS' : 'FAIL'}</td><td>${typeof f.value === 'number' ? trendOf(report, r.id, f.name, f.unit) : ''}</td></tr>`,
    )
    .join('');
  const notes = rec ? [...(rec.notMeasurable ? [`not measurable: ${rec.notMeasurable}`] : []), ...rec.notes] : [];
  if (r.detail && r.status !== 'pass') notes.unshift(r.detail);
  const list = notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  const raw = rec ? ` <a href="acceptance/${escapeHtml(rec.id)}.json">(raw)</a>` : '';
  const table = figures
    ? `<table><tr><th>figure</th><th>value</th><th>bound</th><th></th><th>trend</th></tr>${figures}</table>`
    : '';
  return `<h3 id="details-${rowAnchor(r.id)}">${escapeHtml(r.id)} — ${escapeHtml(r.title)} <span class="st ${r.status}">${STATUS_TEXT[r.status]}</span>${raw} <a href="#${rowAnchor(r.id)}">↑</a></h3>${rerun}${table}${list}`;
}

export function gateHtml(report: GateReport): string {
  const { verdict, records } = report;
  const rows = verdict.rows.map((r) => verdictRowHtml(report, r)).join('\n');
  const charts = records.flatMap(chartsOf);
  const byId = new Map(records.map((rec) => [rec.id, rec]));
  const details = verdict.rows.map((r) => rowDetailsHtml(report, r, byId.get(r.id)));
  const files = (report.files ?? []).map((f) => `<li><a href="${escapeHtml(f)}">${escapeHtml(f)}</a></li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>FastNPC Redis cache — gate report</title><style>${CSS}</style></head>
<body>
<h1>FastNPC Redis cache — deploy gate</h1>
<div class="meta">target <b>${escapeHtml(verdict.target)}</b> · started ${escapeHtml(verdict.startedAt)} · ${Math.round(verdict.durationMs / 1000)} s</div>
<div class="banner ${verdict.pass ? 'ok' : 'bad'}" id="final-line">${escapeHtml(finalLine(verdict))}</div>
<h2>Verdict</h2>
<table id="verdict"><tr><th>#</th><th>criterion</th><th>figure</th><th>bound</th><th>result</th><th>s</th><th>trend</th></tr>
${rows}
</table>
<h2>Run</h2>
${metadataHtml(report)}
<h2>Compared with the previous run</h2>
${comparisonHtml(report)}
<h2>Config audit: every check</h2>
${auditHtml(report)}
<h2>Measured data</h2>
${charts.join('\n') || '<p>(no samples were recorded)</p>'}
<h2>Every row: figures, trend, how to rerun it</h2>
${details.join('\n')}
<h2>Raw files of this run</h2>
<ul class="files" id="files">${files}</ul>
</body></html>
`;
}

/**
 * reports/gate.html: a self-contained page (no scripts, no external files) with the verdict table, every figure,
 * and charts drawn as inline SVG from the measured data: a histogram per sample set (e.g. the settings read
 * latencies of criterion 3) and a line per time series (e.g. the hit rate per second of criterion 6).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CriterionRecord, formatValue, type SampleSet, type Series } from '../figures.ts';
import { rowCounts, type Verdict } from '../verdict.ts';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const W = 640;
const H = 240;
const PAD = { left: 52, right: 16, top: 16, bottom: 40 };

function niceNumber(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Histogram of a sample set; values above the 99.5th percentile are counted in the last bin. */
export function histogramSvg(set: SampleSet, opts: { bins?: number; boundValue?: number } = {}): string {
  const values = set.values.filter((v) => Number.isFinite(v));
  if (values.length === 0) return '<p>(no samples)</p>';
  const sorted = [...values].sort((a, b) => a - b);
  const min = Math.min(0, sorted[0] as number);
  let max = Math.max(quantile(sorted, 0.995), (sorted[0] as number) + 1e-9);
  if (opts.boundValue !== undefined && opts.boundValue > max && opts.boundValue < max * 3) max = opts.boundValue * 1.05;
  const binsN = opts.bins ?? 40;
  const width = (max - min) / binsN;
  const bins = new Array<number>(binsN).fill(0);
  for (const v of values) {
    const i = Math.min(binsN - 1, Math.max(0, Math.floor((v - min) / width)));
    bins[i] = (bins[i] as number) + 1;
  }
  const top = Math.max(...bins);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (v: number): number => PAD.left + ((v - min) / (max - min)) * plotW;
  const y = (c: number): number => PAD.top + plotH - (c / top) * plotH;
  const bars = bins
    .map((c, i) => {
      const x0 = x(min + i * width);
      const bw = Math.max(1, plotW / binsN - 1);
      return `<rect x="${x0.toFixed(1)}" y="${y(c).toFixed(1)}" width="${bw.toFixed(1)}" height="${(PAD.top + plotH - y(c)).toFixed(1)}" fill="#3b82f6"><title>${niceNumber(min + i * width)}–${niceNumber(min + (i + 1) * width)} ${escapeHtml(set.unit)}: ${c}</title></rect>`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => {
      const v = min + t * (max - min);
      return `<line x1="${x(v)}" x2="${x(v)}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH + 4}" stroke="#333"/><text x="${x(v)}" y="${PAD.top + plotH + 16}" font-size="11" text-anchor="middle">${niceNumber(v)}</text>`;
    })
    .join('');
  const yTicks = [0, 0.5, 1]
    .map(
      (t) =>
        `<text x="${PAD.left - 6}" y="${y(t * top) + 4}" font-size="11" text-anchor="end">${Math.round(t * top)}</text>`,
    )
    .join('');
  const bound =
    opts.boundValue !== undefined && opts.boundValue <= max
      ? `<line x1="${x(opts.boundValue)}" x2="${x(opts.boundValue)}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#dc2626" stroke-dasharray="4 3"/><text x="${x(opts.boundValue) - 4}" y="${PAD.top + 12}" font-size="11" fill="#dc2626" text-anchor="end">bound ${niceNumber(opts.boundValue)} ${escapeHtml(set.unit)}</text>`
      : '';
  const p50 = quantile(sorted, 0.5);
  const p95 = quantile(sorted, 0.95);
  const p99 = quantile(sorted, 0.99);
  const marks = [
    ['p50', p50],
    ['p95', p95],
    ['p99', p99],
  ]
    .filter(([, v]) => (v as number) <= max)
    .map(([label, v]) => {
      const at = x(v as number);
      const nearRight = at > W - PAD.right - 40;
      const y0 = PAD.top + 24 + (label === 'p95' ? 12 : label === 'p99' ? 24 : 0);
      return `<line x1="${at}" x2="${at}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#111" stroke-opacity="0.35"/><text x="${nearRight ? at - 3 : at + 3}" y="${y0}" font-size="10" text-anchor="${nearRight ? 'end' : 'start'}">${label}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(set.name)} histogram">
<rect width="${W}" height="${H}" fill="#fff"/>
${bars}${marks}${bound}
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>
<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>
${ticks}${yTicks}
<text x="${PAD.left + plotW / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${escapeHtml(set.unit)} (n = ${values.length}; p50 ${niceNumber(p50)}, p95 ${niceNumber(p95)}, p99 ${niceNumber(p99)})</text>
<text x="14" y="${PAD.top + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + plotH / 2})">count</text>
</svg>`;
}

/** A line chart of a time series; `boundValue` draws the bound as a dashed line. */
export function seriesSvg(series: Series, opts: { boundValue?: number; yMax?: number } = {}): string {
  const points = series.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
  if (points.length === 0) return '<p>(no data points)</p>';
  const tMax = Math.max(...points.map(([t]) => t), 1e-9);
  const vMaxData = Math.max(...points.map(([, v]) => v));
  const yMax = opts.yMax ?? Math.max(vMaxData, opts.boundValue ?? 0) * 1.1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (t: number): number => PAD.left + (t / tMax) * plotW;
  const y = (v: number): number => PAD.top + plotH - (v / (yMax || 1)) * plotH;
  const path = points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const dots = points
    .map(
      ([t, v]) =>
        `<circle cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="#059669"><title>${niceNumber(t)} s: ${niceNumber(v)} ${escapeHtml(series.unit)}</title></circle>`,
    )
    .join('');
  const xTicks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${x(f * tMax)}" y="${PAD.top + plotH + 16}" font-size="11" text-anchor="middle">${niceNumber(f * tMax)}</text>`,
    )
    .join('');
  const yTicks = [0, 0.5, 1]
    .map(
      (f) =>
        `<text x="${PAD.left - 6}" y="${y(f * yMax) + 4}" font-size="11" text-anchor="end">${niceNumber(f * yMax)}</text>`,
    )
    .join('');
  const bound =
    opts.boundValue !== undefined
      ? `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(opts.boundValue)}" y2="${y(opts.boundValue)}" stroke="#dc2626" stroke-dasharray="4 3"/><text x="${W - PAD.right}" y="${y(opts.boundValue) + 14}" font-size="11" fill="#dc2626" text-anchor="end">bound ${niceNumber(opts.boundValue)} ${escapeHtml(series.unit)}</text>`
      : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(series.name)}">
<rect width="${W}" height="${H}" fill="#fff"/>
${bound}<path d="${path}" fill="none" stroke="#059669" stroke-width="2"/>${dots}
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>
<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>
${xTicks}${yTicks}
<text x="${PAD.left + plotW / 2}" y="${H - 6}" font-size="12" text-anchor="middle">seconds since the workload started</text>
<text x="14" y="${PAD.top + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + plotH / 2})">${escapeHtml(series.unit)}</text>
</svg>`;
}

/** Reads a numeric bound such as "< 5 ms" or "> 90 %" for drawing. */
export function boundNumber(bound: string): number | undefined {
  const m = bound.trim().match(/^[<>]=?\s*(-?\d+(\.\d+)?)/);
  return m ? Number(m[1]) : undefined;
}

/** Sample sets smaller than this are listed, not drawn. */
const MIN_HISTOGRAM_SAMPLES = 10;

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#111;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.meta{color:#555}.banner{padding:10px 14px;border-radius:6px;font-weight:600;margin:14px 0}
.ok{background:#dcfce7;color:#14532d}.bad{background:#fee2e2;color:#7f1d1d}.skip{background:#f3f4f6;color:#374151}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}.st{font-weight:700;text-align:center}
.st.pass{color:#15803d}.st.fail{color:#b91c1c}.st.skip{color:#6b7280}.detail{color:#555;font-size:12px}
figure{margin:10px 0 18px}figcaption{font-size:13px;color:#333;margin-bottom:4px}ul.notes{font-size:12px;color:#444}`;

export function gateHtml(verdict: Verdict, records: CriterionRecord[]): string {
  const rows = verdict.rows
    .map((r) => {
      const cls = r.status;
      return `<tr><td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.title)}${r.detail ? `<div class="detail">${escapeHtml(r.detail)}</div>` : ''}</td><td class="num">${escapeHtml(r.figure)}</td><td class="num">${escapeHtml(r.bound)}</td><td class="st ${cls}">${r.status.toUpperCase()}</td></tr>`;
    })
    .join('\n');
  const charts: string[] = [];
  const details: string[] = [];
  for (const rec of records) {
    const figs = rec.figures
      .map(
        (f) =>
          `<tr><td>${escapeHtml(f.name)}</td><td class="num">${escapeHtml(formatValue(f))}</td><td class="num">${escapeHtml(f.bound)}</td><td class="st ${f.pass === null ? 'skip' : f.pass ? 'pass' : 'fail'}">${f.pass === null ? 'info' : f.pass ? 'PASS' : 'FAIL'}</td></tr>`,
      )
      .join('');
    const notes = rec.notes.length
      ? `<ul class="notes">${rec.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
      : '';
    details.push(
      `<h3>${escapeHtml(rec.id)} — ${escapeHtml(rec.title)}</h3><table><tr><th>figure</th><th>value</th><th>bound</th><th></th></tr>${figs}</table>${notes}`,
    );
    for (const set of rec.samples) {
      if (set.values.length < MIN_HISTOGRAM_SAMPLES) {
        charts.push(
          `<figure><figcaption><b>${escapeHtml(rec.id)}</b> ${escapeHtml(set.name)}: ${set.values.map((v) => niceNumber(v)).join(', ')} ${escapeHtml(set.unit)}</figcaption></figure>`,
        );
        continue;
      }
      const boundFig = rec.figures.find((f) => f.bound && f.unit === set.unit && f.pass !== null);
      charts.push(
        `<figure><figcaption><b>${escapeHtml(rec.id)}</b> ${escapeHtml(set.name)} — histogram of ${set.values.length} measured values</figcaption>${histogramSvg(set, { boundValue: boundFig ? boundNumber(boundFig.bound) : undefined })}</figure>`,
      );
    }
    for (const s of rec.series) {
      const percent = s.unit === '%';
      const boundFig = rec.figures.find((f) => f.bound && f.unit === s.unit && f.pass !== null);
      charts.push(
        `<figure><figcaption><b>${escapeHtml(rec.id)}</b> ${escapeHtml(s.name)} — ${s.points.length} points</figcaption>${seriesSvg(s, { boundValue: boundFig ? boundNumber(boundFig.bound) : undefined, yMax: percent ? 100 : undefined })}</figure>`,
      );
    }
  }
  const failing = verdict.rows.filter((r) => !rowCounts(r)).map((r) => r.id);
  const banner = verdict.pass
    ? `<div class="banner ok">GATE PASSED — every criterion within its bound</div>`
    : `<div class="banner bad">GATE FAILED — ${escapeHtml(failing.join(', '))}</div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>FastNPC Redis cache — gate report</title><style>${CSS}</style></head>
<body>
<h1>FastNPC Redis cache — deploy gate</h1>
<div class="meta">target <b>${escapeHtml(verdict.target)}</b> · started ${escapeHtml(verdict.startedAt)} · ${Math.round(verdict.durationMs / 1000)} s</div>
${banner}
<h2>Verdict</h2>
<table><tr><th>#</th><th>criterion</th><th>figure</th><th>bound</th><th>result</th></tr>
${rows}
</table>
<h2>Measured data</h2>
${charts.join('\n') || '<p>(no samples were recorded)</p>'}
<h2>Every figure</h2>
${details.join('\n')}
</body></html>
`;
}

export function writeGateHtml(dir: string, verdict: Verdict, records: CriterionRecord[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'gate.html');
  writeFileSync(path, gateHtml(verdict, records));
  return path;
}

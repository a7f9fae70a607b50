/**
 * The report's charts as inline SVG: histograms of sample sets, lines of time series and bars of related figures.
 * Axes use round ticks (1, 2 or 5 × 10^n) with labels that state the tick exactly, histogram bins end on ticks,
 * and a bound is drawn with the statistic it applies to ("bound < 5 ms on p95").
 */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const W = 640;
const H = 240;
const PAD = { left: 56, right: 16, top: 22, bottom: 40 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** A round step (1, 2 or 5 × 10^n) that cuts `range` into about `count` parts. */
export function niceStep(range: number, count = 5): number {
  if (!(range > 0)) return 1;
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

/** Decimals needed to print multiples of `step` exactly. */
export function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** Ticks from 0 (or below) to at least `max`, every `step`. */
export function ticks(min: number, max: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.floor(min / step + 1e-9) * step;
  for (let v = first; v <= max + step * 1e-6; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function tickLabel(v: number, step: number): string {
  return v.toFixed(decimalsFor(step));
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Which statistic a bound figure is about, from its name ("… p95" → p95); undefined when it is about every value. */
export function statisticOf(name: string): { label: string; q: number } | undefined {
  const p = name.match(/\bp(\d{2}(?:\.\d+)?)\b/i);
  if (p) return { label: `p${p[1]}`, q: Number(p[1]) / 100 };
  if (/\bmedian\b|\bp50\b/i.test(name)) return { label: 'p50', q: 0.5 };
  if (/\bmax\b/i.test(name)) return { label: 'max', q: 1 };
  return undefined;
}

function frame(label: string, inner: string, xTitle: string, yTitle: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(label)}">
<rect width="${W}" height="${H}" fill="#fff"/>
${inner}
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + PLOT_H}" y2="${PAD.top + PLOT_H}" stroke="#333"/>
<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + PLOT_H}" stroke="#333"/>
<text x="${PAD.left + PLOT_W / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${escapeHtml(xTitle)}</text>
<text x="14" y="${PAD.top + PLOT_H / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + PLOT_H / 2})">${escapeHtml(yTitle)}</text>
</svg>`;
}

function yAxis(yMax: number, step: number, y: (v: number) => number): string {
  return ticks(0, yMax, step)
    .map(
      (v) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/><text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end">${tickLabel(v, step)}</text>`,
    )
    .join('');
}

function xAxis(xMax: number, step: number, x: (v: number) => number): string {
  return ticks(0, xMax, step)
    .map(
      (v) =>
        `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${PAD.top + PLOT_H}" y2="${PAD.top + PLOT_H + 4}" stroke="#333"/><text x="${x(v).toFixed(1)}" y="${PAD.top + PLOT_H + 16}" font-size="11" text-anchor="middle">${tickLabel(v, step)}</text>`,
    )
    .join('');
}

export interface HistogramOptions {
  /** The bound's value and the figure it is on (e.g. "HTTP second read p95"). */
  bound?: { value: number; figureName: string; text: string };
}

/**
 * Histogram of a sample set. Bins are a fifth (or quarter) of the tick step, so every tick is a bin edge; values
 * above the axis (beyond the 99.5th percentile, unless a bound is drawn there) are counted in a marked last bar.
 */
export function histogramSvg(
  set: { name: string; unit: string; values: number[] },
  opts: HistogramOptions = {},
): string {
  const values = set.values.filter((v) => Number.isFinite(v) && v >= 0);
  if (values.length === 0) return '<p>(no samples)</p>';
  const sorted = [...values].sort((a, b) => a - b);
  let top = Math.max(quantile(sorted, 0.995), 1e-6);
  if (opts.bound && opts.bound.value > top && opts.bound.value < top * 4) top = opts.bound.value;
  const step = niceStep(top, 5);
  const norm = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  const binWidth = step / (Math.round(norm) === 2 ? 4 : 5);
  const xMax = Math.ceil(top / step - 1e-9) * step;
  const binsN = Math.max(1, Math.round(xMax / binWidth));
  const bins = new Array<number>(binsN).fill(0);
  let overflow = 0;
  for (const v of values) {
    if (v > xMax) overflow += 1;
    const i = Math.min(binsN - 1, Math.floor(v / binWidth));
    bins[i] = (bins[i] as number) + 1;
  }
  const most = Math.max(...bins);
  const yStep = Math.max(1, niceStep(most, 4));
  const yMax = Math.ceil(most / yStep) * yStep;
  const x = (v: number): number => PAD.left + (v / xMax) * PLOT_W;
  const y = (c: number): number => PAD.top + PLOT_H - (c / yMax) * PLOT_H;
  const d = decimalsFor(binWidth);
  const bars = bins
    .map((c, i) => {
      const last = i === binsN - 1 && overflow > 0;
      const range = last
        ? `≥ ${(i * binWidth).toFixed(d)} (${overflow} above ${xMax.toFixed(d)})`
        : `${(i * binWidth).toFixed(d)}–${((i + 1) * binWidth).toFixed(d)}`;
      return `<rect x="${(x(i * binWidth) + 0.5).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(1, PLOT_W / binsN - 1).toFixed(1)}" height="${(PAD.top + PLOT_H - y(c)).toFixed(1)}" fill="${last ? '#f59e0b' : '#3b82f6'}"><title>${range} ${escapeHtml(set.unit)}: ${c}</title></rect>`;
    })
    .join('');
  const stats: Array<[string, number]> = [
    ['p50', quantile(sorted, 0.5)],
    ['p95', quantile(sorted, 0.95)],
    ['p99', quantile(sorted, 0.99)],
  ];
  const onBound = opts.bound ? statisticOf(opts.bound.figureName) : undefined;
  const marks = stats
    .filter(([, v]) => v <= xMax)
    .map(([label, v], k) => {
      const at = x(v);
      const strong = onBound?.label === label;
      const nearRight = at > W - PAD.right - 60;
      return `<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + PLOT_H}" stroke="#111" stroke-opacity="${strong ? 0.9 : 0.35}"${strong ? ' stroke-width="2"' : ''}/><text x="${(nearRight ? at - 3 : at + 3).toFixed(1)}" y="${PAD.top + 30 + k * 12}" font-size="10" font-weight="${strong ? 700 : 400}" text-anchor="${nearRight ? 'end' : 'start'}">${label} ${v.toFixed(decimalsFor(binWidth) + 1)}</text>`;
    })
    .join('');
  let bound = '';
  if (opts.bound && opts.bound.value <= xMax) {
    const at = x(opts.bound.value);
    const on = onBound ? ` on ${onBound.label}` : '';
    // the label goes on the side of the line with room for it
    const left = at - PAD.left > 160;
    bound = `<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${PAD.top - 8}" y2="${PAD.top + PLOT_H}" stroke="#dc2626" stroke-width="2" stroke-dasharray="5 3"/><text x="${(left ? at - 4 : at + 4).toFixed(1)}" y="${PAD.top - 10}" font-size="11" fill="#dc2626" text-anchor="${left ? 'end' : 'start'}">bound ${escapeHtml(opts.bound.text)}${on}</text>`;
  }
  const caption = `${set.unit} (n = ${values.length}; bins of ${binWidth.toFixed(d)} ${set.unit})`;
  return frame(
    `${set.name} histogram`,
    `${yAxis(yMax, yStep, y)}${bars}${marks}${bound}${xAxis(xMax, step, x)}`,
    caption,
    'count',
  );
}

/**
 * A line chart of a time series; `bound` draws the bound as a dashed line for reference — it applies to the figure
 * named in `bound.on` (e.g. the hit rate over the whole window), not to every point, and the label says so.
 */
export function seriesSvg(
  series: { name: string; unit: string; points: Array<[number, number]> },
  opts: { bound?: { value: number; text: string; on?: string }; yMax?: number } = {},
): string {
  const points = series.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
  if (points.length === 0) return '<p>(no data points)</p>';
  const tTop = Math.max(...points.map(([t]) => t), 1e-6);
  const xStep = niceStep(tTop, 6);
  const xMax = Math.ceil(tTop / xStep - 1e-9) * xStep;
  const vTop = opts.yMax ?? Math.max(...points.map(([, v]) => v), opts.bound?.value ?? 0, 1e-6);
  const yStep = niceStep(vTop, 5);
  const yMax = Math.ceil(vTop / yStep - 1e-9) * yStep;
  const x = (t: number): number => PAD.left + (t / xMax) * PLOT_W;
  const y = (v: number): number => PAD.top + PLOT_H - (v / yMax) * PLOT_H;
  const path = points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const dots = points
    .map(
      ([t, v]) =>
        `<circle cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="#059669"><title>${t} s: ${v} ${escapeHtml(series.unit)}</title></circle>`,
    )
    .join('');
  const bound = opts.bound
    ? `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(opts.bound.value).toFixed(1)}" y2="${y(opts.bound.value).toFixed(1)}" stroke="#dc2626" stroke-width="2" stroke-dasharray="5 3"/><text x="${W - PAD.right}" y="${(y(opts.bound.value) + 14).toFixed(1)}" font-size="11" fill="#dc2626" text-anchor="end">bound ${escapeHtml(opts.bound.text)}</text><title>${escapeHtml(opts.bound.on ? `the bound is on ${opts.bound.on}` : 'bound')}</title>`
    : '';
  return frame(
    series.name,
    `${yAxis(yMax, yStep, y)}${bound}<path d="${path}" fill="none" stroke="#059669" stroke-width="2"/>${dots}${xAxis(xMax, xStep, x)}`,
    'seconds since the workload started',
    series.unit,
  );
}

/** Bars of related figures (e.g. statements per message with the cache off and on); `limit` draws a line. */
export function barsSvg(
  label: string,
  bars: Array<{ label: string; value: number }>,
  unit: string,
  limit?: { value: number; text: string },
): string {
  if (bars.length === 0) return '<p>(no data)</p>';
  const top = Math.max(...bars.map((b) => b.value), limit?.value ?? 0, 1e-6);
  const yStep = niceStep(top, 5);
  const yMax = Math.ceil(top / yStep - 1e-9) * yStep;
  const y = (v: number): number => PAD.top + PLOT_H - (v / yMax) * PLOT_H;
  const slot = PLOT_W / bars.length;
  const rects = bars
    .map((b, i) => {
      const x0 = PAD.left + i * slot + slot * 0.2;
      return `<rect x="${x0.toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${(PAD.top + PLOT_H - y(b.value)).toFixed(1)}" fill="#6366f1"><title>${escapeHtml(b.label)}: ${b.value} ${escapeHtml(unit)}</title></rect><text x="${(x0 + slot * 0.3).toFixed(1)}" y="${(y(b.value) - 4).toFixed(1)}" font-size="11" text-anchor="middle">${b.value}</text><text x="${(x0 + slot * 0.3).toFixed(1)}" y="${PAD.top + PLOT_H + 16}" font-size="11" text-anchor="middle">${escapeHtml(b.label)}</text>`;
    })
    .join('');
  const line = limit
    ? `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(limit.value).toFixed(1)}" y2="${y(limit.value).toFixed(1)}" stroke="#dc2626" stroke-width="2" stroke-dasharray="5 3"/><text x="${W - PAD.right}" y="${PAD.top - 8}" font-size="11" fill="#dc2626" text-anchor="end">- - - ${escapeHtml(limit.text)} (${limit.value})</text>`
    : '';
  return frame(label, `${yAxis(yMax, yStep, y)}${rects}${line}`, '', unit);
}

/** Reads a numeric bound such as "< 5 ms" or ">= 80 %" for drawing. */
export function boundNumber(bound: string): number | undefined {
  const m = bound.trim().match(/^(?:[<>]=?|=)\s*(-?\d+(\.\d+)?)/);
  return m ? Number(m[1]) : undefined;
}

// handleSummary for every scenario, vendored (no remote jslib imports can be reached here): writes
//   reports/load-<scenario>.json       the fastnpc figures the issue asks for + k6's own summary data
//   reports/load-<scenario>.junit.xml  one testcase per threshold, a <failure> for each one that failed
// and a short text summary on stdout. k6's web-dashboard HTML (reports/load-<scenario>.html) is written by k6 itself
// when the runner sets K6_WEB_DASHBOARD=true and K6_WEB_DASHBOARD_EXPORT.
import { durationByType, type RequestType } from './metrics.ts';
import { BASE_URL, REPORT_DIR } from './target.ts';

/** One metric of k6's summary data (the shape handleSummary receives; @types/k6 does not declare it). */
export interface SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains: 'default' | 'time' | 'data';
  values: { [stat: string]: number };
  thresholds?: { [expression: string]: { ok: boolean } };
}

/** The object k6 passes to handleSummary (fields used here). */
export interface SummaryData {
  metrics: { [name: string]: SummaryMetric };
  state: { testRunDurationMs: number };
  [key: string]: unknown;
}

/** A threshold with this expression only makes k6 keep a sub-metric in the summary; it is not a pass/fail rule. */
export const OBSERVE_ONLY = ['max>=0', 'count>=0', 'rate>=0'];

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

/** Every real threshold of the run (observe-only ones left out). */
export function thresholdResults(data: SummaryData): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const metric of Object.keys(data.metrics).sort()) {
    const thresholds = data.metrics[metric]?.thresholds ?? {};
    for (const expression of Object.keys(thresholds)) {
      if (OBSERVE_ONLY.indexOf(expression.replace(/\s+/g, '')) !== -1) continue;
      results.push({ metric, expression, ok: thresholds[expression]?.ok === true });
    }
  }
  return results;
}

function value(data: SummaryData, metric: string, stat: string): number | null {
  const v = data.metrics[metric]?.values[stat];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** p50/p95/p99 (ms) and request count per request type, from the fastnpc_<type>_duration Trends. */
export function latencyByType(data: SummaryData) {
  const out: { [type: string]: { count: number; p50: number | null; p95: number | null; p99: number | null } } = {};
  for (const type of Object.keys(durationByType) as RequestType[]) {
    const name = durationByType[type].name;
    if (!data.metrics[name]) continue;
    out[type] = {
      count: value(data, name, 'count') ?? 0,
      p50: value(data, name, 'med'),
      p95: value(data, name, 'p(95)'),
      p99: value(data, name, 'p(99)'),
    };
  }
  return out;
}

/**
 * The figures the issue's closing note needs, in one place. `loadSeconds` is how long the load itself ran: k6's
 * test-run duration also counts setup() (logins, warm-up), which would understate the statements per minute.
 */
export function fastnpcFigures(data: SummaryData, loadSeconds?: number) {
  const minutes = (loadSeconds ?? data.state.testRunDurationMs / 1000) / 60;
  const statements = value(data, 'fastnpc_db_queries', 'count') ?? 0;
  const iterations = value(data, 'iterations', 'count') ?? 0;
  return {
    cacheHitRate: value(data, 'fastnpc_cache_hit', 'rate'),
    dbStatements: {
      total: statements,
      perMinute: minutes > 0 ? statements / minutes : null,
      /** Per iteration (per chat message in the chat scenarios). */
      perIteration: iterations > 0 ? statements / iterations : null,
    },
    staleReads: value(data, 'fastnpc_stale_reads', 'count') ?? 0,
    readRegressions: value(data, 'fastnpc_read_regressions', 'count') ?? 0,
    cachedReadP95: value(data, 'fastnpc_cached_read_duration', 'p(95)'),
    latency: latencyByType(data),
    failedRequestRate: value(data, 'http_req_failed', 'rate'),
    droppedIterations: value(data, 'dropped_iterations', 'count') ?? 0,
  };
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnit XML: one testsuite per scenario, one testcase per threshold. */
export function junit(scenario: string, data: SummaryData, results: ThresholdResult[]): string {
  const failures = results.filter((r) => !r.ok).length;
  const seconds = (data.state.testRunDurationMs / 1000).toFixed(3);
  const cases = results.map((r) => {
    const name = xml(`${r.metric} ${r.expression}`);
    const failure = r.ok ? '' : `<failure message="${name} failed" type="threshold"/>`;
    return `    <testcase name="${name}" classname="load.${xml(scenario)}">${failure}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="load.${xml(scenario)}" tests="${results.length}" failures="${failures}" time="${seconds}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function fmt(n: number | null, digits = 2): string {
  return n === null ? '—' : n.toFixed(digits);
}

/** A few lines for the console: thresholds, hit rate, DB statements, latency per type. */
export function textReport(scenario: string, figures: ReturnType<typeof fastnpcFigures>, results: ThresholdResult[]) {
  const lines = [`\nload/${scenario} against ${BASE_URL}`];
  for (const r of results) lines.push(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.metric} ${r.expression}`);
  lines.push(
    `  cache hit rate ${fmt(figures.cacheHitRate === null ? null : figures.cacheHitRate * 100, 1)} %, ` +
      `DB statements ${figures.dbStatements.total} (${fmt(figures.dbStatements.perMinute, 0)}/min), ` +
      `stale reads ${figures.staleReads}, dropped iterations ${figures.droppedIterations}`,
  );
  for (const [type, l] of Object.entries(figures.latency)) {
    lines.push(`  ${type.padEnd(15)} n=${l.count} p50=${fmt(l.p50)} ms p95=${fmt(l.p95)} ms p99=${fmt(l.p99)} ms`);
  }
  return `${lines.join('\n')}\n`;
}

export interface SummaryWriterOptions {
  /** Scenario-specific figures (e.g. the cached-reads ladder), written under `fastnpc.extra`. */
  extra?: (data: SummaryData) => unknown;
  /** Seconds the load ran (scenario durations, without setup), for per-minute figures. */
  loadSeconds?: number;
}

/** Builds a scenario's handleSummary. */
export function summaryWriter(scenario: string, options: SummaryWriterOptions = {}) {
  const { extra, loadSeconds } = options;
  return (data: SummaryData): { [path: string]: string } => {
    const results = thresholdResults(data);
    const figures = fastnpcFigures(data, loadSeconds);
    const report = {
      scenario,
      target: BASE_URL,
      generatedAt: new Date().toISOString(),
      ok: results.every((r) => r.ok),
      thresholds: results,
      fastnpc: { ...figures, extra: extra ? extra(data) : undefined },
      k6: data,
    };
    return {
      [`${REPORT_DIR}/load-${scenario}.json`]: `${JSON.stringify(report, null, 2)}\n`,
      [`${REPORT_DIR}/load-${scenario}.junit.xml`]: junit(scenario, data, results),
      stdout: textReport(scenario, figures, results),
    };
  };
}

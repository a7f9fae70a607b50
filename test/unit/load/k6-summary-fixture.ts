/**
 * A k6 end-of-test summary as k6 hands it to handleSummary(data), in k6's own shape. Source of the shape: k6's
 * `summarizeMetricsToObject` in grafana/k6 internal/js/summary.go (the object passed to handleSummary; documented at
 * https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/): top-level `root_group`
 * ({name, path, id, groups, checks}), `options` ({summaryTrendStats, summaryTimeUnit, noColor}), `state`
 * ({isStdOutTTY, isStdErrTTY, testRunDurationMs}), `metrics` (name → {type, contains, values, thresholds?}) and
 * `setup_data`; counter values are {count, rate}, rate values {rate, passes, fails}, gauge values {value, min, max},
 * trend values one entry per summaryTrendStats column; thresholds map each expression to {ok}.
 */
import { SUMMARY_TREND_STATS } from '../../../load/lib/profiles.ts';

function trend(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  const all: Record<string, number> = {
    avg: values.reduce((a, b) => a + b, 0) / values.length,
    min: sorted[0] as number,
    med: q(0.5),
    max: sorted.at(-1) as number,
    'p(90)': q(0.9),
    'p(95)': q(0.95),
    'p(99)': q(0.99),
    count: values.length,
  };
  return Object.fromEntries(SUMMARY_TREND_STATS.map((stat) => [stat, all[stat] as number]));
}

export function k6Summary() {
  const settings = Array.from({ length: 1000 }, (_, i) => 0.5 + (i % 100) / 40);
  return {
    root_group: {
      name: '',
      path: '',
      id: 'd41d8cd98f00b204e9800998ecf8427e',
      groups: [],
      checks: [
        {
          name: 'status is 200',
          path: '::status is 200',
          id: '548d37ca5f33793206f7832e7cea54fb',
          passes: 999,
          fails: 1,
        },
      ],
    },
    options: { summaryTrendStats: SUMMARY_TREND_STATS, summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 120_000 },
    metrics: {
      fastnpc_cache_hit: {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.95, passes: 950, fails: 50 },
        thresholds: { 'rate>0.9': { ok: true } },
      },
      fastnpc_db_queries: { type: 'counter', contains: 'default', values: { count: 600, rate: 5 } },
      iterations: { type: 'counter', contains: 'default', values: { count: 100, rate: 0.8 } },
      vus: { type: 'gauge', contains: 'default', values: { value: 100, min: 1, max: 100 } },
      fastnpc_settings_duration: { type: 'trend', contains: 'time', values: trend(settings) },
      'fastnpc_cached_read_duration{stage:rate_0400}': {
        type: 'trend',
        contains: 'time',
        values: trend([3, 5, 7, 7, 8]),
        thresholds: { 'max>=0': { ok: true } },
      },
      http_req_failed: {
        type: 'rate',
        contains: 'default',
        values: { rate: 0.02, passes: 20, fails: 980 },
        thresholds: { 'rate<0.01': { ok: false } },
      },
    },
    setup_data: { users: 100 },
  };
}

/** Problems of an object that claims to be k6's handleSummary data ([] = it has k6's shape). */
export function k6ShapeProblems(data: unknown): string[] {
  const problems: string[] = [];
  const d = data as Record<string, unknown>;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  for (const key of ['root_group', 'options', 'state', 'metrics']) if (!isObject(d[key])) problems.push(`no ${key}`);
  const state = d.state as Record<string, unknown> | undefined;
  for (const key of ['isStdOutTTY', 'isStdErrTTY'])
    if (typeof state?.[key] !== 'boolean') problems.push(`state.${key}`);
  if (typeof state?.testRunDurationMs !== 'number') problems.push('state.testRunDurationMs');
  const options = d.options as Record<string, unknown> | undefined;
  const stats = options?.summaryTrendStats;
  if (!Array.isArray(stats)) problems.push('options.summaryTrendStats');
  const group = d.root_group as Record<string, unknown> | undefined;
  for (const key of ['name', 'path', 'id']) if (typeof group?.[key] !== 'string') problems.push(`root_group.${key}`);
  if (!Array.isArray(group?.groups) || !Array.isArray(group?.checks)) problems.push('root_group.groups/checks');
  const expected: Record<string, string[]> = {
    counter: ['count', 'rate'],
    rate: ['rate', 'passes', 'fails'],
    gauge: ['value', 'min', 'max'],
    trend: Array.isArray(stats) ? (stats as string[]) : [],
  };
  for (const [name, metric] of Object.entries((d.metrics ?? {}) as Record<string, Record<string, unknown>>)) {
    const keys = expected[metric.type as string];
    if (!keys) {
      problems.push(`${name}: type ${String(metric.type)}`);
      continue;
    }
    if (!['default', 'time', 'data'].includes(metric.contains as string)) problems.push(`${name}: contains`);
    const values = (metric.values ?? {}) as Record<string, unknown>;
    const have = Object.keys(values).sort();
    if (have.join() !== [...keys].sort().join())
      problems.push(`${name}: values ${have.join(',')} not ${keys.join(',')}`);
    if (Object.values(values).some((v) => typeof v !== 'number')) problems.push(`${name}: non-numeric value`);
    if (metric.thresholds !== undefined) {
      for (const [expr, t] of Object.entries(metric.thresholds as Record<string, unknown>)) {
        if (!isObject(t) || typeof t.ok !== 'boolean') problems.push(`${name}: threshold ${expr}`);
      }
    }
  }
  return problems;
}

// The report logic of load/lib/summary.ts is plain TypeScript: run it under vitest with the k6 modules it imports
// replaced by stand-ins (k6 itself cannot run here — see docs/load.md). The summary fixture has k6's documented
// handleSummary shape (test/unit/load/k6-summary-fixture.ts cites the source).
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  (globalThis as { __ENV?: Record<string, string> }).__ENV = { BASE_URL: 'http://target:8000' };
});
vi.mock('k6/http', () => ({ default: {} }));
vi.mock('k6/metrics', () => {
  class Metric {
    constructor(readonly name: string) {}
    add() {}
  }
  return { Counter: Metric, Rate: Metric, Trend: Metric };
});

const { fastnpcFigures, junit, summaryWriter, thresholdResults } = await import('../../../load/lib/summary.ts');
const { k6ShapeProblems, k6Summary } = await import('./k6-summary-fixture.ts');

const data = k6Summary();

describe('the fixture has the shape k6 hands to handleSummary (grafana/k6 internal/js/summary.go)', () => {
  it("matches k6's shape", () => {
    expect(k6ShapeProblems(data)).toEqual([]);
  });
  it('control: the old hand-made fixture (no options/root_group, rates without passes/fails) is caught', () => {
    const old = {
      state: { testRunDurationMs: 1 },
      metrics: { fastnpc_cache_hit: { type: 'rate', contains: 'default', values: { rate: 0.95 } } },
    };
    expect(k6ShapeProblems(old)).toEqual(
      expect.arrayContaining(['no root_group', 'no options', 'fastnpc_cache_hit: values rate not rate,passes,fails']),
    );
  });
});

describe('load summary', () => {
  it('lists real thresholds and leaves observe-only ones out', () => {
    expect(thresholdResults(structuredClone(data) as never)).toEqual([
      { metric: 'fastnpc_cache_hit', expression: 'rate>0.9', ok: true },
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
    ]);
  });

  it('computes hit rate, DB statements per minute and per-type percentiles', () => {
    const figures = fastnpcFigures(structuredClone(data) as never);
    expect(figures.cacheHitRate).toBe(0.95);
    expect(figures.dbStatements).toEqual({ total: 600, perMinute: 300, perIteration: 6 });
    // setup() time is not load time: per-minute figures use the scenario's own duration when given.
    expect(fastnpcFigures(structuredClone(data) as never, 60).dbStatements.perMinute).toBe(600);
    const settings = data.metrics.fastnpc_settings_duration.values;
    expect(figures.latency).toEqual({
      settings: { count: 1000, p50: settings.med, p95: settings['p(95)'], p99: settings['p(99)'] },
    });
    expect(figures.staleReads).toBe(0);
  });

  it('writes one JUnit testcase per threshold with a failure for each failed one', () => {
    const xml = junit('chat-100-users', structuredClone(data) as never, [
      { metric: 'fastnpc_cache_hit', expression: 'rate>0.9', ok: true },
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
    ]);
    expect(xml).toContain('<testsuite name="load.chat-100-users" tests="2" failures="1" time="120.000">');
    expect(xml).toContain('<testcase name="http_req_failed rate&lt;0.01" classname="load.chat-100-users"><failure');
    expect(xml).toContain('<testcase name="fastnpc_cache_hit rate&gt;0.9" classname="load.chat-100-users"></testcase>');
  });

  it('names its files reports/load-<scenario>.json and .junit.xml', () => {
    const out = summaryWriter('cached-reads', { extra: () => ({ highest: 200 }) })(structuredClone(data) as never);
    expect(Object.keys(out).sort()).toEqual([
      'reports/load-cached-reads.json',
      'reports/load-cached-reads.junit.xml',
      'stdout',
    ]);
    const report = JSON.parse(out['reports/load-cached-reads.json'] ?? '{}');
    expect(report).toMatchObject({ scenario: 'cached-reads', target: 'http://target:8000', ok: false });
    expect(report.fastnpc.extra).toEqual({ highest: 200 });
  });
});

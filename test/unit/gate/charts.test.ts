import { describe, expect, test } from 'vitest';
import {
  barsSvg,
  boundNumber,
  escapeHtml,
  histogramSvg,
  niceStep,
  seriesSvg,
  statisticOf,
  ticks,
} from '../../../src/gate/reports/charts.ts';
import { gateHtml } from '../../../src/gate/reports/html.ts';
import { buildVerdict } from '../../../src/gate/verdict.ts';
import { gating, record } from './fixtures.ts';

function tickLabels(svg: string): string[] {
  return [...svg.matchAll(/text-anchor="middle">([-\d.]+)<\/text>/g)].map((m) => m[1] as string);
}

describe('round ticks', () => {
  test('steps are 1, 2 or 5 × 10^n', () => {
    expect(niceStep(4.57, 5)).toBe(1);
    expect(niceStep(9.1, 5)).toBe(2);
    expect(niceStep(23, 5)).toBe(5);
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(0.37, 5)).toBeCloseTo(0.1);
    expect(niceStep(0.2, 5)).toBeCloseTo(0.05);
  });
  test('ticks land on multiples of the step', () => {
    expect(ticks(0, 4.57, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(ticks(0, 100, 20)).toEqual([0, 20, 40, 60, 80, 100]);
  });
  test('a histogram of 0–4.57 ms has round tick labels, never 2.29 or 4.57 (the old charts)', () => {
    const values = Array.from({ length: 200 }, (_, i) => (i / 199) * 4.57);
    const labels = tickLabels(histogramSvg({ name: 'x', unit: 'ms', values }));
    expect(labels).toEqual(['0', '1', '2', '3', '4', '5']);
  });
  test('every bin edge within the axis: counts add up to every sample, overflow marked', () => {
    const values = [...Array.from({ length: 300 }, (_, i) => 1 + (i % 10) / 10), 100];
    const svg = histogramSvg({ name: 'x', unit: 'ms', values });
    const counts = [...svg.matchAll(/: (\d+)<\/title>/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    expect(svg).toMatch(/1 above/);
  });
});

describe('bound on its statistic', () => {
  test('statisticOf reads the statistic from the figure name', () => {
    expect(statisticOf('HTTP second read p95')?.label).toBe('p95');
    expect(statisticOf('hit rate')).toBeUndefined();
  });
  test('criterion 03: the 5 ms line is labelled as a bound on p95, and p95 is marked', () => {
    const values = Array.from({ length: 300 }, (_, i) => 0.5 + (i % 50) / 10); // up to 5.4 ms: p99 beyond 5
    const svg = histogramSvg(
      { name: 'HTTP second read latency', unit: 'ms', values },
      { bound: { value: 5, figureName: 'HTTP second read p95', text: '< 5 ms' } },
    );
    expect(svg).toContain('bound &lt; 5 ms on p95');
    expect(svg).toMatch(/font-weight="700"[^>]*>p95 /);
    // control: a bound on a figure without a statistic is not attributed to one
    const plain = histogramSvg(
      { name: 'x', unit: 'ms', values },
      { bound: { value: 5, figureName: 'every read', text: '< 5 ms' } },
    );
    expect(plain).toContain('bound &lt; 5 ms</text>');
  });
});

describe('charts in the page', () => {
  test('a histogram per sample set, a line per series, bars for statements per message (criterion 09)', () => {
    const v = buildVerdict({
      target: 'local',
      startedAt: new Date(0),
      finishedAt: new Date(1),
      acceptanceRan: false,
      suites: [],
      unhandledErrors: [],
      records: [],
    });
    const records = [
      record('03', [gating('HTTP second read p95', 1.5, 'ms', '< 5 ms', true)], {
        samples: [
          { name: 'HTTP second read latency', unit: 'ms', values: [1, 1.2, 1.3, 2, 4.5, 1, 1, 1.1, 0.9, 0.8, 1.4] },
          { name: 'three reads', unit: 'ms', values: [1.5, 1.6, 6.1] },
        ],
      }),
      record('06', [gating('hit rate', 95, '%', '> 90 %', true)], {
        series: [
          {
            name: 'hit rate',
            unit: '%',
            points: [
              [0.5, 10],
              [1, 90],
              [1.5, 99],
            ],
          },
        ],
      }),
      record('09', [
        gating('statements down after the cold start (pg_stat_statements)', 92, '%', '>= 80 %', true),
        { name: 'PostgreSQL statements per message, cache off', value: 15, unit: '', bound: '', pass: null },
        { name: 'PostgreSQL statements per message, cache on (warm)', value: 1.2, unit: '', bound: '', pass: null },
      ]),
    ];
    const html = gateHtml({
      verdict: v,
      records,
      auditChecks: [],
      metadata: {
        commit: 'x',
        dirty: false,
        node: '',
        redis: '',
        postgres: '',
        target: '',
        targetKey: '',
        topology: 'single',
        scope: 'deploy',
        complete: true,
        host: '',
        cpus: 1,
        memoryGb: 1,
        loadStart: [],
        loadEnd: [],
      },
      runName: 'r',
    });
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('histogram of 11 measured values; the bound &lt; 5 ms is on “HTTP second read p95”');
    expect(html).toContain('three reads: 1.5, 1.6, 6.1 ms');
    expect(html).toContain('bound &gt; 90 %</text><title>the bound is on hit rate</title>');
    expect(html).toContain('the bound &gt; 90 % is on “hit rate” (95 %), not on each point');
    expect(html).toContain('bound: warm cache-on ≤ 20 % of cache off');
  });
  test('bars draw the limit line', () => {
    const svg = barsSvg('x', [{ label: 'a', value: 10 }], 'n', { value: 2, text: 'limit' });
    expect(svg).toContain('- - - limit (2)</text>');
  });
  test('empty data says so instead of drawing', () => {
    expect(histogramSvg({ name: 'x', unit: 'ms', values: [] })).toContain('no samples');
    expect(seriesSvg({ name: 'x', unit: '%', points: [] })).toContain('no data points');
  });
  test('boundNumber and escapeHtml', () => {
    expect(boundNumber('< 5 ms')).toBe(5);
    expect(boundNumber('>= 80 %')).toBe(80);
    expect(boundNumber('0 < PTTL <= 2000')).toBeUndefined();
    expect(boundNumber('all')).toBeUndefined();
    expect(escapeHtml('<a href="x">&')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;');
  });
});

import { describe, expect, test } from 'vitest';
import { formatValue } from '../../../src/gate/figures.ts';
import { boundNumber, escapeHtml, gateHtml, histogramSvg, seriesSvg } from '../../../src/gate/reports/html.ts';
import { gateJson } from '../../../src/gate/reports/json.ts';
import { escapeXml, junitXml } from '../../../src/gate/reports/junit.ts';
import { buildVerdict } from '../../../src/gate/verdict.ts';
import { gating, record, suite } from './fixtures.ts';

function verdict(pass06 = true) {
  return buildVerdict({
    target: 'local <test>',
    startedAt: new Date(0),
    finishedAt: new Date(2_000),
    audit: { status: 'pass', figure: '14/14 checks', detail: '' },
    suites: [suite('03'), suite('06')],
    records: [
      record('03', [gating('p95 & "quotes"', 1.5, 'ms', '< 5 ms', true)], {
        samples: [{ name: 'HTTP settings', unit: 'ms', values: [1, 1.2, 1.3, 2, 9] }],
      }),
      record('06', [gating('hit rate', pass06 ? 95 : 80, '%', '> 90 %', pass06)], {
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
    ],
    load: { status: 'skip', figure: '—', bound: 'k6 thresholds', detail: 'k6 not installed: load step skipped' },
  });
}

describe('formatValue', () => {
  test('numbers get at most three decimals and the unit', () => {
    expect(formatValue({ value: 1.23456, unit: 'ms' })).toBe('1.235 ms');
    expect(formatValue({ value: 42, unit: '' })).toBe('42');
    expect(formatValue({ value: 1234.56, unit: 'ms' })).toBe('1234.6 ms');
    expect(formatValue({ value: 'PONG', unit: '' })).toBe('PONG');
  });
});

describe('junit.xml', () => {
  test('one testcase per row; failures for failing rows, skipped for skipped ones; XML escaped', () => {
    const xml = junitXml(verdict());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const rows = verdict().rows.length;
    expect(xml.match(/<testcase /g)).toHaveLength(rows);
    // every criterion and regression without a suite fails ("not run"); k6 is skipped
    const failures = verdict().rows.filter((r) => r.status === 'fail').length;
    expect(xml).toContain(`failures="${failures}"`);
    expect(xml.match(/<failure /g)).toHaveLength(failures);
    expect(xml).toContain('<skipped message="k6 not installed: load step skipped"/>');
    expect(xml).toContain('name="p95 &amp; &quot;quotes&quot;"');
    expect(xml).toContain('gate (local &lt;test&gt;)');
  });
  test('escapeXml removes characters XML forbids', () => {
    expect(escapeXml('a\u0001b<')).toBe('ab&lt;');
  });
});

describe('gate.html', () => {
  test('self-contained: no script, no external resource; table and charts from the data', () => {
    const html = gateHtml(verdict(false), []);
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html).toContain('GATE FAILED');
    expect(html).toContain('<td class="st fail">FAIL</td>');
  });
  test('draws a histogram per sample set and a line per series, with the bound', () => {
    const v = verdict();
    const records = [
      record('03', [gating('p95', 1.5, 'ms', '< 5 ms', true)], {
        samples: [
          { name: 'HTTP settings', unit: 'ms', values: [1, 1.2, 1.3, 2, 4.5, 1, 1, 1.1, 0.9, 0.8, 1.4, 1.2] },
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
    ];
    const html = gateHtml(v, records);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('histogram of 12 measured values');
    expect(html).toContain('three reads: 1.50, 1.60, 6.10 ms');
    expect(html).toContain('bound 5.00 ms');
    expect(html).toContain('bound 90.0 %');
  });
  test('histogram bins count every sample', () => {
    const svg = histogramSvg({ name: 'x', unit: 'ms', values: [1, 1, 1, 2, 3, 100] }, { bins: 10 });
    const counts = [...svg.matchAll(/: (\d+)<\/title>/g)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
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

describe('gate.json', () => {
  test('holds the verdict and the records', () => {
    const parsed = JSON.parse(gateJson(verdict(), [record('03', [])]));
    expect(parsed.pass).toBe(false);
    expect(parsed.rows[0].id).toBe('audit');
    expect(parsed.records[0].id).toBe('03');
  });
});

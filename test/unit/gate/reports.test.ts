import { describe, expect, test } from 'vitest';
import { compareRuns } from '../../../src/gate/compare.ts';
import { formatValue } from '../../../src/gate/figures.ts';
import type { GateReport } from '../../../src/gate/reports/gate-report.ts';
import { gateHtml } from '../../../src/gate/reports/html.ts';
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
    acceptanceRan: true,
    unhandledErrors: [],
    suites: [suite('03'), suite('06')],
    records: [
      record('03', [gating('p95 & "quotes"', 1.5, 'ms', '< 5 ms', true)]),
      record('06', [gating('hit rate', pass06 ? 95 : 80, '%', '> 90 %', pass06)]),
    ],
    load: { status: 'skip', figure: '—', bound: 'k6 thresholds', detail: 'k6 not installed' },
  });
}

const METADATA = {
  commit: 'abc123def456',
  dirty: false,
  node: 'v20.20.2',
  redis: '7.0.15',
  postgres: '15.14',
  target: 'local (http://127.0.0.1:1234)',
  targetKey: 'local',
  topology: 'single',
  scope: 'deploy',
  complete: true,
  host: 'ci',
  cpus: 2,
  memoryGb: 3.8,
  loadStart: [0.5, 0.4, 0.3],
  loadEnd: [1.5, 0.7, 0.4],
};

function report(extra: Partial<GateReport> = {}): GateReport {
  const v = verdict(false);
  return {
    verdict: v,
    records: [],
    auditChecks: [
      { setting: 'maxmemory', expected: '256mb', actual: '256mb', ok: true },
      { setting: 'maxmemory-policy', expected: 'allkeys-lru', actual: 'noeviction', ok: false },
    ],
    metadata: METADATA,
    runName: '2026-12-01T10-00-00-000Z',
    files: ['acceptance.log', 'acceptance/03.json', 'gate.html', 'gate.json', 'junit.xml'],
    ...extra,
  };
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
  test('one testcase per row; failures for failing rows, skipped for tolerated ones; XML escaped', () => {
    const v = verdict();
    const xml = junitXml(v);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(v.rows.length);
    const failures = v.rows.filter((r) => r.status === 'fail').length;
    expect(failures).toBeGreaterThan(0);
    expect(xml).toContain(`failures="${failures}"`);
    expect(xml.match(/<failure /g)).toHaveLength(failures);
    expect(xml).toContain('<skipped message="skipped: k6 not installed"/>');
    expect(xml).toContain('name="p95 &amp; &quot;quotes&quot;"');
    expect(xml).toContain('gate (local &lt;test&gt;)');
  });
  test('escapeXml removes characters XML forbids', () => {
    expect(escapeXml('a\u0001b<')).toBe('ab&lt;');
  });
});

describe('gate.html', () => {
  test('self-contained: no script, no external resource; the final line names every non-PASS row', () => {
    const html = gateHtml(report());
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html).toMatch(/id="final-line">GATE FAILED: [^<]*06[^<]*1 skipped: load \(k6 not installed\)/);
    expect(html).toContain('<td class="st fail">FAIL</td>');
    expect(html).toContain('<td class="st skip">SKIP</td>');
  });
  test('links every raw file of the run', () => {
    const html = gateHtml(report());
    for (const f of report().files ?? []) expect(html).toContain(`<a href="${f}">${f}</a>`);
  });
  test('shows every audit check, drift marked', () => {
    const html = gateHtml(report());
    expect(html).toContain('<td>maxmemory-policy</td><td class="num">&quot;allkeys-lru&quot;</td>');
    expect(html).toContain('<td class="st fail">DRIFT</td>');
    expect(gateHtml(report({ auditChecks: [] }))).toContain('The config audit did not run');
  });
  test('shows the run metadata', () => {
    const html = gateHtml(report());
    for (const text of ['abc123def456', 'v20.20.2', '7.0.15', '15.14', 'start 0.5 / 0.4 / 0.3']) {
      expect(html).toContain(text);
    }
  });
  test('compares with the previous run: figure, previous, change, status change', () => {
    const previous = { name: '2026-11-30T10-00-00-000Z', commit: '0000aaaa', rows: verdict(true).rows };
    const comparison = compareRuns(verdict(false).rows, previous);
    const row06 = comparison.rows.find((r) => r.id === '06');
    expect(row06).toMatchObject({ current: 80, previous: 95, change: -15, changePercent: -15.8 });
    expect(row06?.previousStatus).toBe('pass');
    const html = gateHtml(report({ comparison }));
    expect(html).toContain('href="../2026-11-30T10-00-00-000Z/gate.html"');
    expect(html).toMatch(
      /<td>06<\/td><td>hit rate<\/td><td class="num">80 %<\/td><td class="num">95 %<\/td><td class="num">-15 % \(-15.8 %\)<\/td><td>PASS → FAIL<\/td>/,
    );
    expect(gateHtml(report())).toContain('No earlier run on this target');
  });
});

describe('gate.json', () => {
  test('holds the verdict, records, audit checks, metadata and files', () => {
    const parsed = JSON.parse(gateJson({ ...report(), records: [record('03', [])] }));
    expect(parsed.pass).toBe(false);
    expect(parsed.rows[0].id).toBe('audit');
    expect(parsed.records[0].id).toBe('03');
    expect(parsed.auditChecks).toHaveLength(2);
    expect(parsed.metadata.commit).toBe('abc123def456');
    expect(parsed.files).toContain('acceptance.log');
  });
});

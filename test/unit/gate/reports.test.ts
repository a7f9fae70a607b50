import { describe, expect, test } from 'vitest';
import { ROWS } from '../../../acceptance/rows.ts';
import { compareRuns } from '../../../src/gate/compare.ts';
import { formatValue } from '../../../src/gate/figures.ts';
import type { GateReport } from '../../../src/gate/reports/gate-report.ts';
import { gateHtml } from '../../../src/gate/reports/html.ts';
import { gateJson } from '../../../src/gate/reports/json.ts';
import { escapeXml, junitXml } from '../../../src/gate/reports/junit.ts';
import { rerunFilter } from '../../../src/gate/rerun.ts';
import { REPOSITORY_ROOT } from '../../../src/gate/run-acceptance.ts';
import { acceptanceFiles, selectRows } from '../../../src/gate/selection.ts';
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
    expect(gateHtml(report())).toContain('No earlier complete run of this target, topology and scope');
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

describe('gate.html: reading one row', () => {
  const required = (status: 'skip' | 'not-measurable') =>
    buildVerdict({
      target: 'local',
      startedAt: new Date(0),
      finishedAt: new Date(2_000),
      audit: { status: 'pass', figure: '14/14 checks', detail: '' },
      acceptanceRan: true,
      unhandledErrors: [],
      suites: [suite('03'), suite('R7')],
      records: [
        record('03', [gating('p95', 1.5, 'ms', '< 5 ms', true)]),
        record('R7', [], status === 'not-measurable' ? { notMeasurable: 'host too busy' } : {}),
      ],
      load: { status: 'skip', figure: '—', bound: 'k6 thresholds', detail: 'k6 not installed' },
      required: ['R7', 'load'],
      selection: new Set(['audit', '03', 'R7', 'load']),
    });

  test('each row links to its details, which show the command that reruns it alone', () => {
    const html = gateHtml(report());
    expect(html).toContain('<tr id="row-03"><td><a href="#details-row-03">03</a></td>');
    expect(html).toMatch(/<h3 id="details-row-03">03 — [^<]*<span class="st pass">PASS<\/span>/);
    expect(html).toContain('Rerun this row alone: <code class="rerun">npm run gate -- --only 03</code>');
    expect(html).toContain('<code class="rerun">npm run gate -- --only load</code>');
  });

  test("each row's duration is shown", () => {
    const v = verdict();
    const row = v.rows.find((r) => r.id === '03');
    if (row) row.durationMs = 12_345;
    expect(gateHtml(report({ verdict: v }))).toMatch(/<tr id="row-03">.*<td class="num">12\.3<\/td>/);
  });

  test('a SKIP that fails the gate (required) is coloured like a FAIL; a tolerated one is not', () => {
    const v = required('skip');
    expect(v.pass).toBe(false);
    const html = gateHtml(report({ verdict: v }));
    expect(html).toContain('<td class="st skip blocking">SKIP (fails the gate)</td>');
    expect(html).toContain('<tr id="row-load" class="blocking">');
    // control: the same SKIP of the load row without GATE_REQUIRE stays grey
    const tolerated = gateHtml(report()).match(/<tr id="row-load"[^\n]*/)?.[0] ?? '';
    expect(tolerated).toContain('<td class="st skip">SKIP</td>');
    expect(tolerated).not.toContain('blocking');
    expect(html).toMatch(/\.st\.blocking[^}]*color:#b91c1c/);
  });

  test('a required NOT MEASURABLE is coloured like a FAIL too', () => {
    const html = gateHtml(report({ verdict: required('not-measurable') }));
    expect(html).toContain('<td class="st not-measurable blocking">NOT MEASURABLE (fails the gate)</td>');
  });

  test("each figure's trend over the last runs: a line in the verdict and in the row's details", () => {
    const trend = { runs: ['r1', 'r2', 'r3'], figures: { '03 p95 & "quotes"': [1.2, 1.4, 1.5] } };
    const html = gateHtml(report({ trend }));
    expect(html).toMatch(/<tr id="row-03">.*<svg class="trend"[^>]*aria-label="trend over 3 runs">/);
    expect(html).toContain('r1: 1.2 ms\nr2: 1.4 ms\nr3: 1.5 ms');
    expect(html.match(/<svg class="trend"/g)?.length).toBe(2);
  });

  test('the page declares UTF-8 and names CJK fonts, so the seeded Chinese names render', () => {
    const html = gateHtml(report());
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('"Noto Sans CJK SC"');
  });
});

describe('the rerun command of each row', () => {
  test('selects exactly that row among the real acceptance files', () => {
    const files = acceptanceFiles(REPOSITORY_ROOT);
    for (const row of ROWS) {
      const filter = rerunFilter(row.id);
      if (row.id === 'run') {
        expect(filter).toBeUndefined();
        continue;
      }
      expect(filter, row.id).toBeDefined();
      expect([...(selectRows([filter as string], files).ids ?? [])], `${row.id}: --only ${filter}`).toEqual([row.id]);
    }
    // control: the naive filter (the id in lower case) would rerun R10–R13 with R1
    expect([...(selectRows(['r1'], files).ids ?? [])].sort()).toEqual(['R1', 'R10', 'R11', 'R12', 'R13']);
    expect(rerunFilter('R1')).toBe('r1-');
  });
});

// The CI-facing text of a run: the Markdown table appended to $GITHUB_STEP_SUMMARY (only when that variable is set,
// appended — a job's earlier steps keep their summary — and with secrets masked), the closing comparison line, the
// expected duration, and each figure's trend over the last runs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { compareRuns, comparisonLine } from '../../../src/gate/compare.ts';
import { estimateDuration, formatDuration } from '../../../src/gate/estimate.ts';
import type { PastRun } from '../../../src/gate/reports/previous.ts';
import { appendStepSummary, markdownCell, stepSummaryMarkdown } from '../../../src/gate/reports/step-summary.ts';
import { buildTrend, sparklineSvg, trendKey } from '../../../src/gate/reports/trend.ts';
import { buildVerdict } from '../../../src/gate/verdict.ts';
import { Redactor } from '../../../src/secrets/redact.ts';
import { gating, record, suite } from './fixtures.ts';

function verdict(p95: number, pass03 = true, required: string[] = []) {
  return buildVerdict({
    target: 'external (http://qa:***@staging)',
    startedAt: new Date(0),
    finishedAt: new Date(95_000),
    audit: { status: 'pass', figure: '14/14 checks', detail: '' },
    acceptanceRan: true,
    unhandledErrors: [],
    suites: [suite('03'), suite('06')],
    records: [
      record('03', [gating('p95 | second read', p95, 'ms', '< 5 ms', pass03)]),
      record('06', [gating('hit rate', 95, '%', '> 90 %', true)]),
    ],
    load: { status: 'skip', figure: '—', bound: 'k6 thresholds', detail: 'k6 not installed' },
    required,
    selection: new Set(['audit', '03', '06', 'load']),
  });
}

const past = (name: string, durationMs: number, p95: number): PastRun => ({
  name,
  commit: name.slice(0, 4),
  rows: verdict(p95).rows,
  durationMs,
  startedAt: '',
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'step-summary-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('GITHUB_STEP_SUMMARY', () => {
  const input = (v = verdict(1.5)) => ({
    verdict: v,
    scope: 'deploy',
    complete: true,
    comparison: 'vs previous deploy-scope run r1 (abcd): no row changed its result',
    reportsPath: 'reports/runs/r2',
  });

  test('a Markdown table, one line per row, pipes in cells escaped, the final line and the comparison', () => {
    const md = stepSummaryMarkdown(input());
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| #'));
    expect(rows).toHaveLength(input().verdict.rows.length);
    expect(md).toContain('| 03 | User-settings cache: second read < 5 ms | 1.500 ms | < 5 ms | ✅ PASS |');
    expect(md).toContain('⚠️ SKIP'); // the skipped load row, tolerated
    expect(md).toContain('**GATE PASSED with 1 skipped');
    expect(md).toContain('no row changed its result');
    expect(markdownCell('a | b\nc')).toBe('a \\| b c');
    // every table line has the same number of unescaped cell separators as the header
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    for (const line of md.split('\n').filter((l) => l.startsWith('|'))) expect(cells(line)).toBe(8);
  });

  test('a required SKIP reads as a failure; a FAIL is marked', () => {
    const md = stepSummaryMarkdown(input(verdict(7.2, false, ['load'])));
    expect(md).toContain('❌ FAIL');
    expect(md).toContain('❌ SKIP (required)');
    expect(md).toMatch(/^### ❌/);
  });

  test('appended when the variable is set (earlier content kept), secrets masked; nothing when unset', () => {
    const file = join(dir, 'summary.md');
    writeFileSync(file, 'earlier step\n');
    const redactor = new Redactor(['Secret-Pass-1']);
    const withSecret = { ...input(), comparison: 'vs previous run on http://qa:Secret-Pass-1@staging' };
    expect(appendStepSummary({ GITHUB_STEP_SUMMARY: file }, withSecret, redactor)).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('earlier step\n### ✅')).toBe(true);
    expect(text).not.toContain('Secret-Pass-1');
    expect(text).toContain('http://qa:***@staging');
    expect(appendStepSummary({}, input(), redactor)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('the closing comparison line', () => {
  test('names the previous run, the rows whose result changed and the figures that moved most', () => {
    const comparison = compareRuns(verdict(7.2, false).rows, past('2026-12-01T10-00-00-000Z', 90_000, 1.5));
    const line = comparisonLine(comparison, 'deploy-scope');
    expect(line).toBe(
      'vs previous deploy-scope run 2026-12-01T10-00-00-000Z (2026): 1 row(s) changed: 03 PASS → FAIL; moved most: 03 1.5→7.2 ms (+380 %)',
    );
    expect(comparisonLine(undefined, 'deploy-scope')).toBe(
      'no earlier complete deploy-scope run to compare with (reports/runs/)',
    );
    const same = comparisonLine(compareRuns(verdict(1.5).rows, past('r', 1, 1.5)), 'full-scope');
    expect(same).toContain('no row changed its result; no figure moved by 20 % or more');
  });
});

describe('the expected duration', () => {
  test('median of the last runs of the same kind; else the registry; else none', () => {
    expect(estimateDuration([past('c', 100_000, 1), past('b', 300_000, 1), past('a', 120_000, 1)], 50)).toEqual({
      seconds: 120,
      source: 'median of the last 3 runs',
    });
    expect(estimateDuration([], 170, [past('x', 200_000, 1)])).toEqual({
      seconds: 200,
      source: 'the last run of this scope on other targets',
    });
    expect(estimateDuration([], 170)).toEqual({ seconds: 170, source: "the rows' estimates (no earlier run)" });
    expect(estimateDuration([], undefined)).toBeUndefined();
    // a partial run (--only 03): the last run's start-up (its duration less its rows') plus row 03's duration
    const last = past('r', 300_000, 1);
    for (const row of last.rows) row.durationMs = row.id === '03' ? 40_000 : 20_000;
    const others = last.rows.length - 1;
    expect(estimateDuration([last], undefined, [], new Set(['03']))).toEqual({
      seconds: Math.round((300_000 - 40_000 - others * 20_000 + 40_000) / 1000),
      source: 'the selected rows and the start-up in the last run',
    });
    expect(formatDuration(95)).toBe('1 min 35 s');
    expect(formatDuration(40)).toBe('40 s');
    expect(formatDuration(180)).toBe('3 min');
  });
});

describe('trend of each figure', () => {
  test('oldest run first, this run last, null where a run lacked the figure', () => {
    const older = { name: 'r1', rows: verdict(1.1).rows.filter((r) => r.id !== '03') };
    const newer = { name: 'r2', rows: verdict(1.3).rows };
    const trend = buildTrend([newer, older], { name: 'r3', rows: verdict(1.6).rows });
    expect(trend.runs).toEqual(['r1', 'r2', 'r3']);
    expect(trend.figures[trendKey('03', 'p95 | second read')]).toEqual([null, 1.3, 1.6]);
    expect(trend.figures[trendKey('06', 'hit rate')]).toEqual([95, 95, 95]);
  });
  test('a sparkline needs two values; its tooltip lists every run', () => {
    expect(sparklineSvg([null, 1.6], 'ms', ['r1', 'r2'])).toContain('trend-none');
    const svg = sparklineSvg([1.1, null, 1.6], 'ms', ['r1', 'r2', 'r3']);
    expect(svg).toContain('<path d="M');
    expect(svg).toContain('r1: 1.1 ms\nr2: —\nr3: 1.6 ms');
  });
});

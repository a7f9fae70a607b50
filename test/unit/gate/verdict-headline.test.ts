/**
 * A FAIL row's headline is one of its failing figures, for every row of the registry: the figure a suite moved to
 * the front (its latency, say) may pass while another figure (a stale entry) failed — the table must then show the
 * failing one (issue 23: R6 printed "407.7 ms < 500 ms FAIL" on every FAIL where the timeout was fixed).
 */
import { describe, expect, test } from 'vitest';
import type { Figure } from '../../../acceptance/record-format.ts';
import { ROWS } from '../../../acceptance/rows.ts';
import { headline, headlineText, judge } from '../../../src/gate/verdict.ts';
import { gating, record, suite } from './fixtures.ts';

const suiteRows = ROWS.filter((r) => r.file);

describe('headline of a failing row', () => {
  test.each(suiteRows.map((r) => [r.id, r]))('%s: a passing headline gives way to the failing figure', (_id, def) => {
    const figures: Figure[] = [
      gating('headline the suite chose', 407.7, 'ms', '< 500 ms', true),
      { name: 'info', value: 3, unit: '', bound: '', pass: null },
      gating('stale reads after the pause', 2, '', '= 0', false),
    ];
    // control: the first gating figure (the rule before) is the passing one, so this case can tell the rules apart
    expect(figures.find((f) => f.pass !== null)?.pass).toBe(true);
    const row = judge(def, def.kind, suite(def.id, 'failed'), record(def.id, figures));
    expect(row.status).toBe('fail');
    expect(row.figure).toBe('2 stale reads after the pause');
    expect(row.bound).toBe('= 0');
  });

  test.each(suiteRows.map((r) => [r.id, r]))('%s: a failing headline the suite chose stays', (_id, def) => {
    const figures: Figure[] = [gating('chosen', 9, 'ms', '< 5 ms', false), gating('other', 1, '', '= 0', false)];
    const row = judge(def, def.kind, suite(def.id, 'failed'), record(def.id, figures));
    expect(row.status).toBe('fail');
    expect(row.figure).toBe('9 ms');
  });

  test('a passing row keeps its first gating figure; informational figures never head a judged row', () => {
    const figures: Figure[] = [
      { name: 'info', value: 3, unit: '', bound: '', pass: null },
      gating('p95', 2, 'ms', '< 5 ms', true),
      gating('count', 0, '', '= 0', true),
    ];
    expect(headline(figures)?.name).toBe('p95');
    expect(headline([])).toBeUndefined();
  });

  test('the table never shows a bare count: a count names what it counts, a text figure its name', () => {
    expect(headlineText(gating('p95', 1.214, 'ms', '< 5 ms', true))).toBe('1.214 ms');
    expect(headlineText(gating('hit rate', 96, '%', '> 90 %', true))).toBe('96 %');
    expect(headlineText(gating('stale reads', 0, 'reads', '= 0', true))).toBe('0 stale reads');
    expect(headlineText(gating('stale reads after an acknowledged write', 0, '', '= 0', true))).toBe(
      '0 stale reads after an acknowledged write',
    );
    expect(headlineText({ name: 'Redis answers', value: 'PONG, 7.0.15', unit: '', bound: '', pass: true })).toBe(
      'Redis answers: PONG, 7.0.15',
    );
  });
});

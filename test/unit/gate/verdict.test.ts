import { describe, expect, test } from 'vitest';
import {
  buildVerdict,
  CRITERIA,
  idOfFile,
  judge,
  REGRESSIONS,
  rowCounts,
  type VerdictInput,
} from '../../../src/gate/verdict.ts';
import { finalLine, formatTable } from '../../../src/gate/verdict-table.ts';
import { gating, record, suite } from './fixtures.ts';

function allPassing(): VerdictInput {
  const ids = [...CRITERIA, ...REGRESSIONS].map((c) => c.id);
  return {
    target: 'local',
    startedAt: new Date(0),
    finishedAt: new Date(5_000),
    audit: { status: 'pass', figure: '14/14 checks', detail: '' },
    acceptanceRan: true,
    unhandledErrors: [],
    suites: ids.map((id) => suite(id)),
    records: ids.map((id) => record(id, [gating('figure', 1, 'ms', '< 5 ms', true)])),
    load: { status: 'skip', figure: '—', bound: 'k6 thresholds', detail: 'k6 not installed' },
  };
}

describe('idOfFile', () => {
  test('maps criterion and regression files to their ids', () => {
    expect(idOfFile('/x/acceptance/03-settings-latency.test.ts')).toBe('03');
    expect(idOfFile('acceptance/regressions/r7-stale-set-race.test.ts')).toBe('R7');
    expect(idOfFile('acceptance/topology/h1-sentinel-failover.test.ts')).toBe('H1');
    expect(idOfFile('acceptance/support/http.ts')).toBeUndefined();
  });
});

describe('judge', () => {
  const def = { id: '03', title: 'settings' };
  test('passes when the suite passed and every gating figure is within its bound', () => {
    const row = judge(def, 'criterion', suite('03'), record('03', [gating('p95', 1.2, 'ms', '< 5 ms', true)]));
    expect(row.status).toBe('pass');
    expect(row.figure).toBe('1.200 ms');
    expect(row.bound).toBe('< 5 ms');
  });
  test('fails on a figure outside its bound even if the suite passed', () => {
    const row = judge(def, 'criterion', suite('03'), record('03', [gating('p95', 6.6, 'ms', '< 5 ms', false)]));
    expect(row.status).toBe('fail');
    expect(row.detail).toContain('p95 6.600 ms not < 5 ms');
  });
  test('fails when the suite failed, with its first error', () => {
    const row = judge(
      def,
      'criterion',
      suite('03', 'failed', ['boom\nstack']),
      record('03', [gating('p95', 1, 'ms', '< 5 ms', true)]),
    );
    expect(row.status).toBe('fail');
    expect(row.detail).toBe('boom');
  });
  test('fails when nothing ran or no gating figure was recorded', () => {
    expect(judge(def, 'criterion', undefined, undefined).detail).toBe('not run');
    const info = judge(
      def,
      'criterion',
      suite('03'),
      record('03', [{ name: 'x', value: 1, unit: '', bound: '', pass: null }]),
    );
    expect(info.status).toBe('fail');
    expect(info.detail).toBe('no gating figure recorded');
  });
  test('the headline is the first gating figure, not an informational one', () => {
    const row = judge(
      def,
      'criterion',
      suite('03'),
      record('03', [
        { name: 'info', value: 9, unit: 'ms', bound: '', pass: null },
        gating('p95', 2, 'ms', '< 5 ms', true),
      ]),
    );
    expect(row.figure).toBe('2 ms');
  });
  test('a suite that failed to load is a failure, not a skip', () => {
    const broken = { ...suite('03', 'failed', ['SyntaxError: x']), tests: { passed: 0, failed: 0, skipped: 0 } };
    const row = judge(def, 'criterion', broken, undefined);
    expect(row.status).toBe('fail');
    expect(row.detail).toBe('did not load: SyntaxError: x');
  });
  test('a record without a suite result fails: figures alone prove nothing', () => {
    const row = judge(def, 'criterion', undefined, record('03', [gating('p95', 1, 'ms', '< 5 ms', true)]));
    expect(row.status).toBe('fail');
    expect(row.detail).toContain('no suite result');
    // control: the same record with its suite passes
    expect(judge(def, 'criterion', suite('03'), record('03', [gating('p95', 1, 'ms', '< 5 ms', true)])).status).toBe(
      'pass',
    );
  });
  test('a record marked notMeasurable reads NOT MEASURABLE with its reason; a failed suite still fails', () => {
    const rec = record('09', [], { notMeasurable: 'no DATABASE_URL: statements cannot be counted' });
    const row = judge(def, 'criterion', suite('09'), rec);
    expect(row.status).toBe('not-measurable');
    expect(row.detail).toBe('no DATABASE_URL: statements cannot be counted');
    expect(judge(def, 'criterion', suite('09', 'failed', ['boom']), rec).status).toBe('fail');
  });
  test('a suite that passed without writing a record fails', () => {
    expect(judge(def, 'criterion', suite('03'), undefined).detail).toBe('the suite passed but recorded no figures');
  });
  test('a skipped suite is a skip', () => {
    expect(judge(def, 'regression', suite('03', 'skipped'), undefined).status).toBe('skip');
  });
});

describe('buildVerdict', () => {
  test('passes when the audit, all nine criteria and the regressions pass; k6 missing is no failure', () => {
    const verdict = buildVerdict(allPassing());
    expect(verdict.pass).toBe(true);
    expect(verdict.rows.map((r) => r.id)).toEqual([
      'audit',
      'run',
      ...CRITERIA.map((c) => c.id),
      ...REGRESSIONS.map((r) => r.id),
      'load',
    ]);
    expect(verdict.durationMs).toBe(5_000);
  });
  test('one failing criterion fails the gate', () => {
    const input = allPassing();
    input.records = input.records.map((r) =>
      r.id === '06' ? record('06', [gating('hit rate', 85, '%', '> 90 %', false)]) : r,
    );
    const verdict = buildVerdict(input);
    expect(verdict.pass).toBe(false);
    expect(formatTable(verdict)).toContain('GATE FAILED: 06; 1 skipped: load (k6 not installed)');
  });
  test('a missing criterion fails the gate', () => {
    const input = allPassing();
    input.suites = input.suites.filter((s) => s.id !== '09');
    input.records = input.records.filter((r) => r.id !== '09');
    expect(buildVerdict(input).pass).toBe(false);
  });
  test('a failed audit fails the gate', () => {
    const input = allPassing();
    input.audit = { status: 'fail', figure: '13/14 checks', detail: 'maxmemory drift' };
    expect(buildVerdict(input).pass).toBe(false);
  });
  test('a skipped criterion fails, a skipped regression does not', () => {
    const skippedCriterion = allPassing();
    skippedCriterion.suites = skippedCriterion.suites.map((s) => (s.id === '09' ? suite('09', 'skipped') : s));
    expect(buildVerdict(skippedCriterion).pass).toBe(false);
    const skippedRegression = allPassing();
    skippedRegression.suites = skippedRegression.suites.map((s) => (s.id === 'R8' ? suite('R8', 'skipped') : s));
    expect(buildVerdict(skippedRegression).pass).toBe(true);
  });
  test('a topology row gates on its own topology only: H1 skipped on single is named, skipped on sentinel fails', () => {
    const withH1 = (topology: string, state: 'passed' | 'skipped'): VerdictInput => {
      const input = allPassing();
      input.topology = topology;
      input.suites = [...input.suites, suite('H1', state)];
      input.records = [...input.records, record('H1', [], { notes: ['not applicable on topology single'] })];
      return input;
    };
    const onSingle = buildVerdict(withH1('single', 'skipped'));
    expect(onSingle.pass).toBe(true);
    expect(onSingle.rows.find((r) => r.id === 'H1')).toMatchObject({ status: 'skip', kind: 'topology' });
    expect(finalLine(onSingle)).toContain('H1 (not applicable on topology single)');
    expect(buildVerdict(withH1('sentinel', 'skipped')).pass).toBe(false);
  });
  test('an unhandled error fails the gate even when every row passed (control: none → passes)', () => {
    const input = allPassing();
    expect(buildVerdict(input).pass).toBe(true);
    input.unhandledErrors = ['Error: late rejection after 06 ended'];
    const verdict = buildVerdict(input);
    expect(verdict.pass).toBe(false);
    expect(verdict.rows.find((r) => r.id === 'run')?.detail).toContain('1 unhandled error(s): Error: late rejection');
    expect(finalLine(verdict)).toMatch(/^GATE FAILED: run/);
  });
  test("a checkout changed during the run fails the run row (a harness crash must not read as the target's FAIL)", () => {
    const input = allPassing();
    input.checkoutChanged = false;
    expect(buildVerdict(input).pass).toBe(true);
    input.checkoutChanged = true;
    const verdict = buildVerdict(input);
    expect(verdict.pass).toBe(false);
    expect(verdict.rows.find((r) => r.id === 'run')?.detail).toContain("the harness's checkout changed during the run");
  });
  test('no suite results at all fails, even with passing records', () => {
    const input = allPassing();
    input.suites = [];
    const verdict = buildVerdict(input);
    expect(verdict.pass).toBe(false);
    expect(verdict.rows.find((r) => r.id === 'run')?.detail).toContain('no suite result');
  });
  test('a failed file that is no known row (a support file, a new test) fails the run row', () => {
    const input = allPassing();
    input.suites.push({ ...suite('x', 'failed', ['TypeError: y']), file: 'acceptance/support/x.test.ts' });
    expect(buildVerdict(input).rows.find((r) => r.id === 'run')?.status).toBe('fail');
  });
  test('a skipped load names itself in the final line; --require-load turns it into a failure', () => {
    const input = allPassing();
    const relaxed = buildVerdict(input);
    expect(relaxed.pass).toBe(true);
    expect(finalLine(relaxed)).toMatch(/^GATE PASSED with 1 skipped: load \(k6 not installed\) — all 9 criteria pass/);
    input.required = ['load'];
    const strict = buildVerdict(input);
    expect(strict.pass).toBe(false);
    expect(finalLine(strict)).toMatch(/^GATE FAILED: load SKIP \(required\)/);
  });
  test('GATE_REQUIRE=regressions makes a skipped regression fail', () => {
    const input = allPassing();
    input.suites = input.suites.map((s) => (s.id === 'R8' ? suite('R8', 'skipped') : s));
    expect(buildVerdict(input).pass).toBe(true);
    input.required = ['regressions'];
    expect(buildVerdict(input).pass).toBe(false);
  });
  test('a not measurable criterion fails; a not measurable regression is named and tolerated', () => {
    const input = allPassing();
    input.records = input.records.map((r) => (r.id === '09' ? { ...r, notMeasurable: 'no database access' } : r));
    expect(buildVerdict(input).pass).toBe(false);
    const reg = allPassing();
    reg.records = reg.records.map((r) => (r.id === 'R1' ? { ...r, notMeasurable: 'one worker exposed' } : r));
    const verdict = buildVerdict(reg);
    expect(verdict.pass).toBe(true);
    expect(finalLine(verdict)).toContain('1 not measurable: R1 (one worker exposed)');
  });
  test('--only judges only the selected rows', () => {
    const input = allPassing();
    input.suites = [suite('03')];
    input.records = [record('03', [gating('p95', 1, 'ms', '< 5 ms', true)])];
    input.audit = undefined;
    input.load = undefined;
    input.selection = new Set(['03']);
    input.only = ['03'];
    const verdict = buildVerdict(input);
    expect(verdict.rows.map((r) => r.id)).toEqual(['run', '03']);
    expect(verdict.pass).toBe(true);
    expect(finalLine(verdict)).toContain('(--only 03)');
    // control: without the selection, the rows that did not run fail
    input.selection = undefined;
    expect(buildVerdict(input).pass).toBe(false);
  });
  test('a failed k6 run fails the gate', () => {
    const input = allPassing();
    input.load = { status: 'fail', figure: 'exit 99', bound: 'k6 thresholds', detail: 'a k6 threshold failed' };
    expect(buildVerdict(input).pass).toBe(false);
  });
});

describe('formatTable', () => {
  test('one line per row with figure, bound and result, then the overall verdict', () => {
    const text = formatTable(buildVerdict(allPassing()));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^# +\| criterion +\| figure +\| bound +\| result$/);
    expect(text).toMatch(/\n03 +\| User-settings cache: second read < 5 ms +\| 1 ms +\| < 5 ms +\| PASS/);
    expect(text).toMatch(/\nload +\| k6 chat-100-users \(short\) +\| — +\| k6 thresholds +\| SKIP/);
    expect(text).toContain('load: k6 not installed');
    expect(lines.at(-1)).toMatch(/^GATE PASSED with 1 skipped: load \(k6 not installed\)/);
  });
  test('rowCounts: only pass counts, except skipped/unmeasurable optional rows', () => {
    const base = { id: 'x', title: '', figure: '', bound: '', detail: '', figures: [] };
    expect(rowCounts({ ...base, kind: 'criterion', status: 'skip' })).toBe(false);
    expect(rowCounts({ ...base, kind: 'load', status: 'skip', optional: true })).toBe(true);
    expect(rowCounts({ ...base, kind: 'load', status: 'skip', optional: false })).toBe(false);
    expect(rowCounts({ ...base, kind: 'load', status: 'fail', optional: true })).toBe(false);
    expect(rowCounts({ ...base, kind: 'audit', status: 'fail' })).toBe(false);
  });
});

describe('not measurable', () => {
  test('a record marked not measurable is neither pass nor fail, and the final line counts it', () => {
    const input = allPassing();
    input.records = input.records.map((r) =>
      r.id === 'R1' ? { ...r, figures: [], notMeasurable: 'no stats route and no shared counters' } : r,
    );
    input.suites = input.suites.map((s) => (s.id === 'R1' ? suite('R1', 'skipped') : s));
    const verdict = buildVerdict(input);
    const r1 = verdict.rows.find((r) => r.id === 'R1');
    expect(r1?.status).toBe('not-measurable');
    expect(r1?.detail).toMatch(/^no stats route/);
    expect(verdict.pass).toBe(true);
    expect(formatTable(verdict)).toMatch(/GATE PASSED with .*1 not measurable: R1 \(no stats route/);
  });

  test('a criterion that is not measurable keeps the gate from passing', () => {
    const input = allPassing();
    input.records = input.records.map((r) => (r.id === '09' ? { ...r, figures: [], notMeasurable: 'no DB' } : r));
    const verdict = buildVerdict(input);
    expect(verdict.rows.find((r) => r.id === '09')?.status).toBe('not-measurable');
    expect(verdict.pass).toBe(false);
    expect(formatTable(verdict)).toMatch(/GATE FAILED: 09 NOT MEASURABLE \(required\)/);
  });

  test('a suite with a failing test is a failure even if it also said not measurable', () => {
    const row = judge({ id: 'R2', title: 'x' }, 'regression', suite('R2', 'failed', ['boom']), {
      ...record('R2', []),
      notMeasurable: 'x',
    });
    expect(row.status).toBe('fail');
  });

  test('only "host too busy" rows keep the gate from passing: verdict.hostBusy, its own final line (exit 75)', () => {
    const busy = allPassing();
    const reason = 'host too busy: liveness /health/live p95 7.9 ms (> 2.0 ms), timed p95 8.4 ms — run it again';
    busy.records = busy.records.map((r) =>
      r.id === '03' ? { ...r, figures: [], notMeasurable: reason, hostBusy: true } : r,
    );
    const verdict = buildVerdict(busy);
    expect(verdict.pass).toBe(false);
    expect(verdict.hostBusy).toBe(true);
    expect(verdict.rows.find((r) => r.id === '03')).toMatchObject({ status: 'not-measurable', hostBusy: true });
    expect(finalLine(verdict)).toMatch(
      /^GATE NOT MEASURABLE: the host was too busy to judge 03 \(host too busy: liveness/,
    );
    expect(finalLine(verdict)).toContain('exit 75');
    // control: the same plus one real failure is a FAIL (exit 1), not a retry
    busy.records = busy.records.map((r) =>
      r.id === '06' ? record('06', [gating('hit rate', 85, '%', '> 90 %', false)]) : r,
    );
    const failed = buildVerdict(busy);
    expect(failed.hostBusy).toBeUndefined();
    expect(finalLine(failed)).toMatch(/^GATE FAILED: 03 NOT MEASURABLE \(required\), 06/);
    // control: a criterion not measurable for another reason (no DB) is no retry either
    const noDb = allPassing();
    noDb.records = noDb.records.map((r) => (r.id === '09' ? { ...r, figures: [], notMeasurable: 'no DB' } : r));
    expect(buildVerdict(noDb).hostBusy).toBeUndefined();
  });

  test('fault rows are required on the local target ("local (http://…)"), optional elsewhere', () => {
    const withF1 = (target: string): VerdictInput => {
      const input = allPassing();
      input.target = target;
      input.suites = [...input.suites, suite('F1', 'skipped')];
      input.records = [...input.records, record('F1', [], { notes: ['fault control not granted'] })];
      return input;
    };
    expect(buildVerdict(withF1('local (http://127.0.0.1:4000)')).pass).toBe(false);
    expect(buildVerdict(withF1('external (https://npc.example.com)')).pass).toBe(true);
    const required = withF1('external (https://npc.example.com)');
    required.required = ['faults'];
    expect(buildVerdict(required).pass).toBe(false);
  });

  test('reference-module rows appear only where they recorded something', () => {
    const input = allPassing();
    expect(buildVerdict(input).rows.some((r) => r.id.startsWith('M'))).toBe(false);
    input.records.push(record('M3', [gating('p95', 1, 'ms', '< 5 ms', true)]));
    input.suites.push(suite('M3'));
    expect(buildVerdict(input).rows.find((r) => r.id === 'M3')?.status).toBe('pass');
    expect(idOfFile('acceptance/module/m8-module-race.test.ts')).toBe('M8');
  });
});

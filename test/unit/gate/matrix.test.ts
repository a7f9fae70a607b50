import { describe, expect, test } from 'vitest';
import {
  cellMatches,
  EXPECTED,
  expectation,
  formatMatrix,
  jobOrder,
  MATRIX_FILTERS,
  MATRIX_ROWS,
  matches,
  parseMatrixArgs,
  report,
  rowFilter,
} from '../../../src/gate/matrix.ts';
import { REPOSITORY_ROOT } from '../../../src/gate/run-acceptance.ts';
import { acceptanceFiles, selectRows } from '../../../src/gate/selection.ts';
import { DEFECTS } from '../../../src/service/defects.ts';

describe('gate:matrix', () => {
  test('every emulated defect has expectations, naming only real rows', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...DEFECTS].sort());
    for (const e of Object.values(EXPECTED)) {
      for (const row of [...e.fails, ...(e.mayFail ?? [])]) expect(MATRIX_ROWS).toContain(row);
    }
  });

  test('a defect must fail its rows; others must pass; a missed defect (pass or not measurable) is a mismatch', () => {
    expect(expectation('admin-403', 'R4')).toBe('fail');
    expect(expectation('admin-403', '06')).toBe('pass');
    expect(expectation('list-miss-leak', '05')).toBe('may-fail');
    expect(expectation('none', 'R4')).toBe('pass');
    expect(matches('fail', 'fail')).toBe(true);
    expect(matches('fail', 'pass')).toBe(false);
    expect(matches('fail', 'not-measurable')).toBe(false);
    expect(matches('pass', 'fail')).toBe(false);
    expect(matches('pass', 'skip')).toBe(true);
    expect(matches('pass', undefined)).toBe(false);
  });

  test('the matrix marks mismatching cells and counts them', () => {
    const { text, mismatches } = formatMatrix(
      [
        {
          column: 'none',
          statuses: { '02': 'pass', R4: 'pass' },
          figures: {},
          seconds: 60,
          load: { start: 1.5, end: 2 },
        },
        { column: 'admin-403', statuses: { '02': 'fail', R4: 'pass' }, figures: {}, seconds: 61 },
      ],
      ['02', 'R4'],
    );
    expect(mismatches).toBe(1);
    expect(text).toMatch(/R4 +\| \. pass +\| F pass !/);
    expect(text).toContain('none 60 s (load 1.5→2), admin-403 61 s');
  });

  test('arguments: defect subset checked, bad option refused', () => {
    expect(parseMatrixArgs(['--defects', 'admin-403', '--only', '02']).defects).toEqual(['admin-403']);
    expect(() => parseMatrixArgs(['--defects', 'bogus'])).toThrow(/unknown defect bogus/);
    expect(() => parseMatrixArgs(['--fast'])).toThrow(/unknown or incomplete option/);
    expect(parseMatrixArgs(['--defects', 'none']).defects).toEqual([]);
    expect(parseMatrixArgs(['--defects', 'none,no-leases']).defects).toEqual(['no-leases']);
    expect(parseMatrixArgs([]).repeat).toBe(1);
    expect(parseMatrixArgs(['--repeat', '20']).repeat).toBe(20);
    expect(() => parseMatrixArgs(['--repeat', '0'])).toThrow(/--repeat/);
    expect(() => parseMatrixArgs(['--repeat', '2.5'])).toThrow(/--repeat/);
    expect(parseMatrixArgs([]).parallel).toBe(1);
    expect(parseMatrixArgs(['--parallel', '3']).parallel).toBe(3);
    expect(() => parseMatrixArgs(['--parallel', '0'])).toThrow(/--parallel/);
  });

  test('repeated runs start interleaved: run 1 of every column before run 2 of any', () => {
    expect(jobOrder(['none', 'no-leases'], 2)).toEqual([
      { column: 'none', n: 1 },
      { column: 'no-leases', n: 1 },
      { column: 'none', n: 2 },
      { column: 'no-leases', n: 2 },
    ]);
    expect(jobOrder(['none'], 1)).toEqual([{ column: 'none', n: 1 }]);
  });

  test('a matrix run selects exactly the matrix rows: no audit, load, fault or module row', () => {
    expect(rowFilter('03')).toBe('acceptance/03-settings-latency.test.ts');
    expect(rowFilter('R1')).toBe('acceptance/regressions/r1-stats-system-wide.test.ts');
    expect(() => rowFilter('F1')).toThrow(/not a matrix row/);
    const selection = selectRows(MATRIX_FILTERS, acceptanceFiles(REPOSITORY_ROOT));
    expect([...(selection.ids ?? [])].sort()).toEqual([...MATRIX_ROWS].sort());
    expect(selection.audit).toBe(false);
    expect(selection.load).toBe(false);
    // each filter selects one file: "regressions/r1-" must not also pick r10
    for (const id of MATRIX_ROWS) {
      expect(selectRows([rowFilter(id)], acceptanceFiles(REPOSITORY_ROOT)).ids).toEqual(new Set([id]));
    }
  });

  test('the scope decides the rows of a run without --only: deploy leaves out faults and topologies', () => {
    const files = acceptanceFiles(REPOSITORY_ROOT);
    const deploy = selectRows([], files, 'deploy');
    expect(deploy.ids?.has('03')).toBe(true);
    expect(deploy.ids?.has('R10')).toBe(true);
    expect(deploy.ids?.has('F1')).toBe(false);
    expect(deploy.ids?.has('H1')).toBe(false);
    expect(deploy.vitestFilters).not.toContain('acceptance/faults/f1-restore-old-snapshot.test.ts');
    expect(deploy.vitestFilters).toContain('acceptance/06-hit-rate.test.ts');
    expect(deploy.audit && deploy.load && deploy.acceptance).toBe(true);
    expect(selectRows([], files, 'full').ids).toBeUndefined();
    // --only reaches rows of any scope
    expect(selectRows(['faults/f3-'], files, 'deploy').ids).toEqual(new Set(['F3']));
  });

  test('a row NOT MEASURABLE "host too busy" matches a must-pass cell, never a must-fail one', () => {
    const busy03 = { statuses: { '03': 'not-measurable' as const }, figures: {}, seconds: 1, hostBusy: ['03'] };
    expect(cellMatches({ column: 'no-leases', ...busy03 }, '03')).toBe(true);
    expect(cellMatches({ column: 'slow-cached-read', ...busy03 }, '03')).toBe(false);
    // control: not measurable for another reason still mismatches a must-pass cell
    expect(cellMatches({ column: 'no-leases', ...busy03, hostBusy: [] }, '03')).toBe(false);
    expect(parseMatrixArgs([]).scope).toBe('deploy');
    expect(parseMatrixArgs(['--scope', 'full']).scope).toBe('full');
  });

  test('repeated runs: a run without a verdict is a mismatch, not a silent gap', () => {
    const args = { ...parseMatrixArgs(['--defects', 'no-leases', '--repeat', '2']) };
    const caught = { column: 'no-leases' as const, statuses: { '08': 'fail' as const }, figures: {}, seconds: 1 };
    expect(report([caught, caught], args).ok).toBe(true);
    const missed = { ...caught, statuses: { '08': 'pass' as const } };
    expect(report([caught, missed], args)).toMatchObject({ ok: false });
    const broken = { column: 'none' as const, statuses: {}, figures: {}, seconds: 1, error: 'gate exited 3' };
    const out = report([caught, broken], args);
    expect(out.ok).toBe(false);
    expect(out.text).toContain('1 of 2 runs mismatched');
  });
});

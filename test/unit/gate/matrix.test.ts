import { describe, expect, test } from 'vitest';
import {
  EXPECTED,
  expectation,
  formatMatrix,
  MATRIX_ROWS,
  matches,
  parseMatrixArgs,
} from '../../../src/gate/matrix.ts';
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
        { column: 'none', statuses: { '02': 'pass', R4: 'pass' }, seconds: 60 },
        { column: 'admin-403', statuses: { '02': 'fail', R4: 'pass' }, seconds: 61 },
      ],
      ['02', 'R4'],
    );
    expect(mismatches).toBe(1);
    expect(text).toMatch(/R4 +\| \. pass +\| F pass !/);
  });

  test('arguments: defect subset checked, bad option refused', () => {
    expect(parseMatrixArgs(['--defects', 'admin-403', '--only', '02']).defects).toEqual(['admin-403']);
    expect(() => parseMatrixArgs(['--defects', 'bogus'])).toThrow(/unknown defect bogus/);
    expect(() => parseMatrixArgs(['--fast'])).toThrow(/unknown or incomplete option/);
  });
});

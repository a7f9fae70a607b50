import { describe, expect, test } from 'vitest';
import {
  binomialTailAtLeast,
  type DetectionRun,
  formatDetection,
  lowerBound,
  rates,
  upperBound,
} from '../../../src/gate/matrix-detection.ts';

const mustFail = (column: string, row: string): boolean => column === 'no-leases' && (row === '08' || row === 'R7');

function run(column: string, s08: 'pass' | 'fail', sR7: 'pass' | 'fail', figures = {}): DetectionRun {
  return { column, statuses: { '08': s08, R7: sR7 }, figures, seconds: 60, load: { start: 3, end: 5.5 } };
}

describe('gate:matrix detection arithmetic', () => {
  test('binomial tail: exact small cases', () => {
    expect(binomialTailAtLeast(0, 5, 0.3)).toBe(1);
    expect(binomialTailAtLeast(6, 5, 0.3)).toBe(0);
    expect(binomialTailAtLeast(2, 2, 0.5)).toBeCloseTo(0.25, 12);
    expect(binomialTailAtLeast(1, 2, 0.5)).toBeCloseTo(0.75, 12);
    expect(binomialTailAtLeast(2, 3, 0.5)).toBeCloseTo(0.5, 12);
    expect(binomialTailAtLeast(1, 3, 0)).toBe(0);
    expect(binomialTailAtLeast(3, 3, 1)).toBe(1);
  });

  test('Clopper–Pearson bounds: 20 of 20 proves ≥ 86.1 %, 0 of 20 false positives ≤ 13.9 %', () => {
    expect(lowerBound(20, 20)).toBeCloseTo(0.05 ** (1 / 20), 6); // 0.8609
    expect(lowerBound(0, 20)).toBe(0);
    expect(upperBound(0, 20)).toBeCloseTo(1 - 0.05 ** (1 / 20), 6);
    expect(upperBound(20, 20)).toBe(1);
    // 19 of 20: the bound p solves p^20 + 20 p^19 (1 − p) = 0.05 (p ≈ 0.7839)
    const p = lowerBound(19, 20);
    expect(p ** 20 + 20 * p ** 19 * (1 - p)).toBeCloseTo(0.05, 6);
    expect(p).toBeCloseTo(0.7839, 3);
    // 298 of 300 (the bound needed for "≥ 99 %" from 300 runs is met only near 300/300)
    expect(lowerBound(300, 300)).toBeGreaterThan(0.99);
    expect(lowerBound(290, 300)).toBeLessThan(0.99);
  });

  test('rates: FAILs of a must-fail row are detections, FAILs elsewhere false positives', () => {
    const runs = [
      run('no-leases', 'fail', 'fail'),
      run('no-leases', 'fail', 'pass'),
      run('none', 'pass', 'pass'),
      run('none', 'fail', 'pass'),
      { column: 'none', statuses: {}, figures: {}, seconds: 5, error: 'gate exited 3' },
    ];
    const r = rates(runs, ['08', 'R7'], mustFail);
    const line = (column: string, row: string) => r.find((x) => x.column === column && x.row === row);
    expect(line('no-leases', '08')).toMatchObject({ kind: 'detection', failed: 2, runs: 2, rate: 1, missing: 0 });
    expect(line('no-leases', 'R7')).toMatchObject({ kind: 'detection', failed: 1, runs: 2, rate: 0.5 });
    expect(line('none', '08')).toMatchObject({ kind: 'false positive', failed: 1, runs: 2, rate: 0.5, missing: 1 });
    expect(line('none', 'R7')).toMatchObject({ failed: 0, runs: 2, rate: 0 });
  });

  test('the table shows each run with its figures and load, then the rates', () => {
    const text = formatDetection(
      [
        run('no-leases', 'fail', 'fail', { '08': '17 stale reads', R7: '5 stale entries' }),
        run('none', 'pass', 'pass'),
      ],
      ['08', 'R7'],
      mustFail,
    );
    expect(text).toContain('| no-leases | 1 | FAIL (17 stale reads) | FAIL (5 stale entries) | 3 → 5.5 | 60 s |');
    expect(text).toContain('| none | 1 | pass | pass |');
    expect(text).toContain('no-leases 08: detection 1/1 = 100.0 % (95 % one-sided: ≥ 5.0 %)');
    expect(text).toContain('none R7: false positive 0/1 = 0.0 % (95 % one-sided: ≤ 95.0 %)');
    expect(text).toContain('load average (1 min) over the runs: 3–5.5');
  });
});

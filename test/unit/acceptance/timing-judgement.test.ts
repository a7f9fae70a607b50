/**
 * The judgement of a timing row against its calibration probe (acceptance/support/timing-judgement.ts): a slow app
 * fails on a quiet and on a busy host, a healthy app on a busy host is NOT MEASURABLE ("host too busy"), never FAIL.
 * The samples are shaped like those measured here: quiet ≈ 0.6 ms reads / 0.4 ms liveness; busy (load 12–15 on 2
 * cores) p50 1.2–1.4 ms with a tail to 5–25 ms hitting both series alike.
 */
import { describe, expect, test } from 'vitest';
import { judgeTiming } from '../../../acceptance/support/timing-judgement.ts';

/** n samples: `base` ms, with every `every`-th sample (offset by `phase`) a spike of `spike` ms. */
function series(n: number, base: number, spike = 0, every = 0, phase = 0): number[] {
  return Array.from({ length: n }, (_, i) => (every > 0 && (i + phase) % every === 0 ? base + spike : base));
}

/** A deterministic busy host: ~8 % of samples hit by a spike of 4–20 ms, differently for each series. */
function busy(n: number, base: number, seed: number): number[] {
  let x = seed;
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  return Array.from({ length: n }, () => (next() < 0.08 ? base + 4 + next() * 16 : base + next() * 0.4));
}

const BOUND = 5;

describe('judgeTiming', () => {
  test('a healthy app on a quiet host passes', () => {
    const j = judgeTiming({
      timed: series(250, 0.6),
      calibration: series(250, 0.4),
      boundMs: BOUND,
      calibrationName: 'liveness',
    });
    expect(j.status).toBe('pass');
    expect(j.hostBusy).toBe(false);
  });

  test('a slow app (+10 ms) on a quiet host fails', () => {
    const j = judgeTiming({
      timed: series(250, 10.6),
      calibration: series(250, 0.4),
      boundMs: BOUND,
      calibrationName: 'liveness',
    });
    expect(j.status).toBe('fail');
    expect(j.reason).toMatch(/quiet host/);
  });

  test('an app slow only at the tail fails on a quiet host (the calibration is quiet, the bound is on p95)', () => {
    const timed = series(250, 0.6, 8, 10); // 10 % of reads take 8.6 ms
    const j = judgeTiming({ timed, calibration: series(250, 0.4), boundMs: BOUND, calibrationName: 'liveness' });
    expect(j.status).toBe('fail');
  });

  test('a healthy app on a busy host is NOT MEASURABLE with both figures, never FAIL', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const j = judgeTiming({
        timed: busy(250, 1.3, seed),
        calibration: busy(250, 1.0, seed + 100),
        boundMs: BOUND,
        calibrationName: 'liveness',
      });
      expect(j.timedP95, `seed ${seed}: the control must be over the bound to prove anything`).toBeGreaterThanOrEqual(
        BOUND,
      );
      expect(j.status, `seed ${seed}`).toBe('not-measurable');
      expect(j.hostBusy).toBe(true);
      expect(j.reason).toMatch(/^host too busy: liveness p95 \d+\.\d ms/);
      expect(j.reason).toMatch(/timed p95 \d+\.\d ms/);
    }
  });

  test('a slow app (+10 ms) on a busy host still fails (its own part exceeds the bound at p95 and p50)', () => {
    for (const seed of [1, 2, 3, 4]) {
      const j = judgeTiming({
        timed: busy(250, 11.3, seed),
        calibration: busy(250, 1.0, seed + 100),
        boundMs: BOUND,
        calibrationName: 'liveness',
      });
      expect(j.hostBusy, `seed ${seed}`).toBe(true);
      expect(j.status, `seed ${seed}`).toBe('fail');
      expect(j.reason).toMatch(/slow net of the host/);
    }
  });

  test('control for the median condition: the same tail gap without a median shift is not a FAIL on a busy host', () => {
    // p95 of the reads 12 ms, of the calibration 6 ms (different spikes), medians equal: the host, not the app
    const timed = series(250, 1.3, 11, 10);
    const calibration = series(250, 1.0, 5, 10, 5);
    const j = judgeTiming({ timed, calibration, boundMs: BOUND, calibrationName: 'liveness' });
    expect(j.ownP95).toBeGreaterThanOrEqual(BOUND);
    expect(j.status).toBe('not-measurable');
  });

  test('a healthy app on a saturated host with a 3.6 ms median excess (seen at load 30) is not a FAIL', () => {
    // read p50 18.6 / p95 120.8 ms against a calibration p50 15 / p95 89 ms: own part p95 31.8 ms, p50 3.6 ms
    const timed = [...series(200, 18.6), ...series(50, 120.8)];
    const calibration = [...series(200, 15), ...series(50, 89)];
    const j = judgeTiming({ timed, calibration, boundMs: BOUND, calibrationName: 'liveness + PING' });
    expect(j.ownP95).toBeGreaterThan(BOUND);
    expect(j.status).toBe('not-measurable');
  });

  test('the busy threshold defaults to 40 % of the bound and can be set', () => {
    const timed = series(250, 6);
    expect(judgeTiming({ timed, calibration: series(250, 2), boundMs: BOUND, calibrationName: 'x' }).hostBusy).toBe(
      false,
    );
    expect(judgeTiming({ timed, calibration: series(250, 2.1), boundMs: BOUND, calibrationName: 'x' }).hostBusy).toBe(
      true,
    );
    expect(
      judgeTiming({ timed, calibration: series(250, 2.1), boundMs: BOUND, busyAboveMs: 3, calibrationName: 'x' })
        .hostBusy,
    ).toBe(false);
  });

  test('no samples fail', () => {
    expect(judgeTiming({ timed: [], calibration: [1], boundMs: BOUND, calibrationName: 'x' }).status).toBe('fail');
  });
});

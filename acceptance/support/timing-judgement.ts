/**
 * Timing rows judge the app, not the runner. Each timed operation is interleaved with a calibration probe on the same
 * connection and worker (03: the no-work liveness route over the same keep-alive socket; M3: a Redis PING on the
 * module's own connection), so both see the same host in the same window. The judgement:
 *
 * - the timed p95 is within the bound → PASS;
 * - it is not, and the calibration is quiet (its p95 ≤ `busyAboveMs`) → FAIL: the host was fine, the operation slow;
 * - it is not, the calibration is busy, and the operation's own part (its figure minus the calibration's) exceeds the
 *   bound at p95 and at the median → FAIL: slow even net of the host (a slow app on a busy host);
 * - otherwise → NOT MEASURABLE "host too busy: liveness p95 7.9 ms …" with both figures — never FAIL: a busy host
 *   makes the tail of every request slow, so its p95 says nothing about the app. The median condition keeps a tail the
 *   host put on the timed samples (p95 estimates of spiky samples differ by several ms between two series) from
 *   reading as the app's: a busy host can only be said to hide a slow app when the app is slow at the median too.
 */
import { summarize } from './stats.ts';

export interface TimingJudgementInput {
  /** The timed operation's samples (ms). */
  timed: readonly number[];
  /** The calibration probe's samples (ms), taken interleaved with `timed`. */
  calibration: readonly number[];
  /** The bound on the timed p95 (ms), e.g. 5. */
  boundMs: number;
  /** Calibration p95 above which the host counts as busy. @default 40 % of the bound */
  busyAboveMs?: number;
  /** What the calibration is, for the reason text, e.g. "liveness" or "Redis PING". */
  calibrationName: string;
}

export interface TimingJudgement {
  status: 'pass' | 'fail' | 'not-measurable';
  timedP95: number;
  timedP50: number;
  calibrationP95: number;
  calibrationP50: number;
  /** timed p95 − calibration p95 (ms). */
  ownP95: number;
  /** timed p50 − calibration p50 (ms). */
  ownP50: number;
  busyAboveMs: number;
  hostBusy: boolean;
  /** One line: why it failed or could not be measured ('' for a pass). */
  reason: string;
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;

export function judgeTiming(input: TimingJudgementInput): TimingJudgement {
  const timed = summarize(input.timed);
  const calibration = summarize(input.calibration);
  const busyAboveMs = input.busyAboveMs ?? input.boundMs * 0.4;
  const ownP95 = timed.p95 - calibration.p95;
  const ownP50 = timed.p50 - calibration.p50;
  const hostBusy = !(calibration.p95 <= busyAboveMs);
  const base = {
    timedP95: timed.p95,
    timedP50: timed.p50,
    calibrationP95: calibration.p95,
    calibrationP50: calibration.p50,
    ownP95,
    ownP50,
    busyAboveMs,
    hostBusy,
  };
  const figures = `p95 ${ms(timed.p95)} (p50 ${ms(timed.p50)}), ${input.calibrationName} p95 ${ms(calibration.p95)} (p50 ${ms(calibration.p50)})`;
  if (input.timed.length === 0 || input.calibration.length === 0) {
    return { ...base, status: 'fail', reason: 'no samples' };
  }
  if (timed.p95 < input.boundMs) return { ...base, status: 'pass', reason: '' };
  if (!hostBusy) {
    return {
      ...base,
      status: 'fail',
      reason: `p95 ${ms(timed.p95)} not < ${ms(input.boundMs)} on a quiet host (${input.calibrationName} p95 ${ms(calibration.p95)} ≤ ${ms(busyAboveMs)})`,
    };
  }
  if (ownP95 >= input.boundMs && ownP50 >= input.boundMs) {
    return {
      ...base,
      status: 'fail',
      reason: `slow net of the host: own part p95 ${ms(ownP95)} not < ${ms(input.boundMs)}, p50 ${ms(ownP50)} (${figures})`,
    };
  }
  return {
    ...base,
    status: 'not-measurable',
    reason: `host too busy: ${input.calibrationName} p95 ${ms(calibration.p95)} (> ${ms(busyAboveMs)}; p50 ${ms(calibration.p50)}), timed p95 ${ms(timed.p95)} (p50 ${ms(timed.p50)}); own part p95 ${ms(ownP95)}, p50 ${ms(ownP50)} — run it again on a quieter host`,
  };
}

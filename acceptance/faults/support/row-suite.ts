/**
 * The two tests of one fault row: guarded (must hold every bound) and its control (must fail). The local target
 * runs both on a private stack; an external target runs the guarded test only, and only when the operator granted
 * fault control for the row (--allow-faults, fault-control.ts).
 */
import { describe, expect, test } from 'vitest';
import { recorder } from '../../support/record.ts';
import { target } from '../../support/target.ts';
import { recordConsistency, recordControlCaught } from './consistency.ts';
import { externalFaultEnvironment } from './external-environment.ts';
import { grantedRows } from './fault-control.ts';
import {
  type FaultEnvironment,
  type FaultMode,
  FIRST_HIT_BOUND_MS,
  FIRST_HIT_BUSY_LIVENESS_MS,
  FIRST_HIT_GOAL_MS,
  formatFigures,
  judgeFirstHit,
  RECOVERY_WAIT_MS,
  runFault,
} from './fault-run.ts';
import { faultDefinition } from './faults.ts';
import { startLocalFaultEnvironment } from './local-environment.ts';

/** Stack + service start (slow on a loaded 2-core machine), the fault, up to RECOVERY_WAIT_MS of recovery. */
const ROW_TIMEOUT_MS = 420_000;

export function faultRowSuite(id: string): void {
  const fault = faultDefinition(id);
  const rec = recorder(id);
  /** Where `mode` runs, or undefined after a SKIP with its reason. */
  const environment = (mode: FaultMode, skip: () => void): (() => Promise<FaultEnvironment>) | undefined => {
    const info = target();
    if (info.kind === 'local' && info.redisTopology) {
      // the row starts a one-server stack of its own whatever --topology says: proven by the single run
      rec.note(
        `single topology only; on ${info.redisTopology.kind} see ${info.redisTopology.kind === 'cluster' ? 'H2' : 'H1'}`,
      );
      skip();
      return undefined;
    }
    if (info.kind === 'local') return () => startLocalFaultEnvironment(fault, mode);
    if (info.kind !== 'external') {
      rec.note(
        `fault control not granted: the ${info.kind} target runs no fault rows (local, or external with --allow-faults)`,
      );
      skip();
      return undefined;
    }
    if (!grantedRows().includes(id)) {
      rec.note(
        `fault control not granted: an external target runs ${id} only with --allow-faults and the FAULT_*_CMD ` +
          'commands (docs/acceptance.md, "Fault rows")',
      );
      skip();
      return undefined;
    }
    if (mode === 'control') {
      rec.note("the control needs the reference service's switch (FASTNPC_INVALIDATOR=off): local target only");
      skip();
      return undefined;
    }
    return async () => externalFaultEnvironment(info);
  };

  describe(`${id} ${fault.title}`, () => {
    test(
      'invalidator + fence on: 0 stale reads, 0 mismatching entries, no 500',
      async (ctx) => {
        const start = environment('guarded', () => ctx.skip());
        if (!start) return;
        const f = await runFault(fault, 'guarded', start);
        console.log(`[fault-table] ${formatFigures(f)}`);
        const firstHit = judgeFirstHit(f.firstHitMs, f.livenessP95Ms);
        const ok = [
          ...recordConsistency(rec, f),
          rec.figure('500 responses', f.errors500, 'responses', '= 0', f.errors500 === 0),
          rec.figure(
            'recovery time',
            f.recoveryMs < 0 ? 'never' : f.recoveryMs,
            f.recoveryMs < 0 ? '' : 'ms',
            `recovered within ${RECOVERY_WAIT_MS / 1000} s`,
            f.recoveryMs >= 0,
          ),
          rec.figure(
            'first cache hit after Redis answered again (worker 2)',
            f.firstHitMs < 0 ? 'never' : f.firstHitMs,
            f.firstHitMs < 0 ? '' : 'ms',
            `≤ ${FIRST_HIT_BOUND_MS} (host too busy above: liveness p95 > ${FIRST_HIT_BUSY_LIVENESS_MS} ms)`,
            firstHit.status !== 'fail',
          ),
        ];
        rec.figure(
          'calibration: worker 2 liveness p95 while waiting for the first hit',
          f.livenessP95Ms < 0 ? 'not sampled' : f.livenessP95Ms,
          f.livenessP95Ms < 0 ? '' : 'ms',
          '',
          null,
        );
        if (firstHit.status === 'not-measurable') rec.hostTooBusy(firstHit.reason);
        rec.headline('stale reads');
        rec.figure('requests during fault + recovery', f.requests, '', '', null);
        rec.figure('5xx responses', f.errors5xx, '', '', null);
        rec.figure('requests without an answer', f.unanswered, '', '', null);
        rec.figure('p95 during the fault', f.p95FaultMs, 'ms', '', null);
        rec.figure('/metrics showed it', f.metricsShowed ? 'yes' : 'no', '', '', null);
        rec.figure('cached entries compared', f.entries.compared, 'entries', '', null);
        rec.figure(
          `issue 22's goal: first cache hit (worker 2) within ${FIRST_HIT_GOAL_MS} ms`,
          f.firstHitMs >= 0 && f.firstHitMs <= FIRST_HIT_GOAL_MS ? 'met' : 'not met',
          '',
          '',
          null,
        );
        rec.figure('first cache hit after Redis answered again (worker 1)', f.firstHitWorker1Ms, 'ms', '', null);
        rec.figure(
          'background load (requests / writes)',
          `${f.backgroundRequests} / ${f.backgroundWrites}`,
          '',
          '',
          null,
        );
        expect(ok, formatFigures(f)).toEqual([true, true, true, true, true]);
      },
      ROW_TIMEOUT_MS,
    );

    test(
      'control: the same fault with invalidator and fence off fails',
      async (ctx) => {
        const start = environment('control', () => ctx.skip());
        if (!start) return;
        const f = await runFault(fault, 'control', start);
        console.log(`[fault-table] ${formatFigures(f)}`);
        expect(recordControlCaught(rec, 'invalidator and fence off', f), formatFigures(f)).toBe(true);
      },
      ROW_TIMEOUT_MS,
    );
  });
}

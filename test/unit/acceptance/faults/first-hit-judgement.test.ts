// The fault rows' first-hit bound judged against its calibration (issue 19's rule for timing figures): a first hit
// later than the bound fails on a quiet host and reads NOT MEASURABLE only when the host was measurably too busy; no
// first hit at all fails on any host.
import { describe, expect, it } from 'vitest';
import {
  FIRST_HIT_BOUND_MS,
  FIRST_HIT_BUSY_LIVENESS_MS,
  judgeFirstHit,
} from '../../../../acceptance/faults/support/fault-run.ts';

describe('judgeFirstHit', () => {
  it('within the bound: PASS, whatever the host', () => {
    expect(judgeFirstHit(FIRST_HIT_BOUND_MS, 900).status).toBe('pass');
    expect(judgeFirstHit(120, 1.5).status).toBe('pass');
  });

  it('late on a quiet host: FAIL, with both figures', () => {
    const j = judgeFirstHit(FIRST_HIT_BOUND_MS + 1, FIRST_HIT_BUSY_LIVENESS_MS);
    expect(j.status).toBe('fail');
    expect(j.reason).toContain(`${FIRST_HIT_BOUND_MS + 1} ms > ${FIRST_HIT_BOUND_MS} ms on a quiet host`);
  });

  it('late on a busy host: NOT MEASURABLE "host too busy", never FAIL', () => {
    const j = judgeFirstHit(4_441, 180.2);
    expect(j.status).toBe('not-measurable');
    expect(j.reason).toMatch(/^host too busy: first cache hit 4441 ms > 2000 ms with worker 2's liveness p95 180.2 ms/);
  });

  it('never: FAIL even on a busy host; no calibration sample counts as quiet', () => {
    expect(judgeFirstHit(-1, 500).status).toBe('fail');
    expect(judgeFirstHit(3_000, -1).status).toBe('fail');
  });
});

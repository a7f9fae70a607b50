/**
 * CI's slice of `npm run gate:matrix`: the gate on the local stack with no defect, with `admin-403` and with
 * `structured-no-invalidate`, each judging only the rows these defects concern (02, R1, R2, R3, R4 — the admin-route
 * rows and the rows that must keep measuring without the admin routes). Each defect must fail exactly its own rows
 * here; with no defect every selected row passes. The whole matrix (every defect, every row) is run by
 * `npm run gate:matrix` and recorded in docs/defect-matrix.md and docs/measurements/acceptance.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { type Column, formatMatrix, type MatrixRun, runGateOnce } from '../../../src/gate/matrix.ts';

const ROWS = ['02', 'R1', 'R2', 'R3', 'R4'];
const FILTERS = ['acceptance/02-', 'regressions/r1-', 'regressions/r2-', 'regressions/r3-', 'regressions/r4-'];
const dir = mkdtempSync(join(tmpdir(), 'gate-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gate:matrix subset (CI)', () => {
  test('admin-403 fails 02 and R4 only; structured-no-invalidate fails R3; no defect passes', {
    timeout: 900_000,
  }, async () => {
    const runs: MatrixRun[] = [];
    for (const column of ['none', 'admin-403', 'structured-no-invalidate'] as Column[]) {
      runs.push(await runGateOnce(column, FILTERS, dir));
    }
    const { text, mismatches } = formatMatrix(runs, ROWS);
    console.log(text);
    for (const run of runs) expect(run.error, `${run.column}: ${run.error}`).toBeUndefined();
    expect(mismatches, text).toBe(0);
  });
});

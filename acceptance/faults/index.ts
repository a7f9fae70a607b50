/**
 * The fault rows of the gate (issue #11) and what the gate may use of them. Each row runs the write → cross-worker-read
 * workload through one fault on a private local stack with the invalidator and fence on, and again with them off (the
 * control, which must fail). An external target runs the guarded test only, and only when the operator grants fault
 * control (--allow-faults, support/fault-control.ts). The rows are declared in acceptance/rows.ts; this file is the
 * suite's public face: the gate imports it, never support/.
 */
export { checkFaultControl, FaultControlError, grantedRows } from './support/fault-control.ts';

import { FAULT_ROWS } from '../rows.ts';

export const FAULTS: ReadonlyArray<{ id: string; title: string }> = FAULT_ROWS;

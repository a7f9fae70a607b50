/** gate.json: the verdict, the run's metadata, the audit's checks, the comparison and every record the suites wrote. */
import type { GateReport } from './gate-report.ts';

export function gateJson(report: GateReport): string {
  const { verdict, ...rest } = report;
  return `${JSON.stringify({ ...verdict, ...rest }, null, 2)}\n`;
}

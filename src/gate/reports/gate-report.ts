/** Everything one gate run reports, and the writer of its three reports (gate.json, junit.xml, gate.html). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redactor } from '../../secrets/redact.ts';
import type { Comparison } from '../compare.ts';
import type { CriterionRecord } from '../figures.ts';
import type { AuditCheck } from '../run-audit.ts';
import type { RunMetadata } from '../run-metadata.ts';
import type { Verdict } from '../verdict.ts';
import { gateHtml } from './html.ts';
import { gateJson } from './json.ts';
import { junitXml } from './junit.ts';
import { listFiles } from './run-dir.ts';
import type { Trend } from './trend.ts';

export interface GateReport {
  verdict: Verdict;
  records: CriterionRecord[];
  /** The config audit's checks, one per setting (empty when the audit did not run). */
  auditChecks: AuditCheck[];
  metadata: RunMetadata;
  /** The previous complete run of the same target, topology and scope, when there is one. */
  comparison?: Comparison;
  /** Each figure over the last complete runs of the same kind, this run last. */
  trend?: Trend;
  /** This run's directory name under reports/runs/. */
  runName: string;
  /** Every file of the run, relative to its directory (filled in by writeReports). */
  files?: string[];
}

/** Writes gate.json and junit.xml, then gate.html linking every file of the run (itself included), all redacted. */
export function writeReports(dir: string, report: GateReport, redactor: Redactor): void {
  const write = (name: string, text: string): void => writeFileSync(join(dir, name), redactor.redact(text));
  write('junit.xml', junitXml(report.verdict));
  const files = [...new Set([...listFiles(dir), 'gate.json', 'gate.html'])].sort();
  const full = { ...report, files };
  write('gate.json', gateJson(full));
  write('gate.html', gateHtml(full));
}

/** reports/gate.json: the verdict and every record the suites wrote (figures, samples, series). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CriterionRecord } from '../figures.ts';
import type { Verdict } from '../verdict.ts';

export function gateJson(verdict: Verdict, records: CriterionRecord[]): string {
  return `${JSON.stringify({ ...verdict, records }, null, 2)}\n`;
}

export function writeGateJson(dir: string, verdict: Verdict, records: CriterionRecord[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'gate.json');
  writeFileSync(path, gateJson(verdict, records));
  return path;
}

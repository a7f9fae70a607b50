import type { CriterionRecord } from '../../../src/gate/figures.ts';
import type { SuiteResult } from '../../../src/gate/verdict.ts';

export function record(
  id: string,
  figures: CriterionRecord['figures'],
  extra: Partial<CriterionRecord> = {},
): CriterionRecord {
  return {
    id,
    title: `title ${id}`,
    target: 'local',
    figures,
    samples: [],
    series: [],
    notes: [],
    recordedAt: '',
    ...extra,
  };
}

export function suite(id: string, state: SuiteResult['state'] = 'passed', errors: string[] = []): SuiteResult {
  const failed = state === 'failed' ? 1 : 0;
  return {
    id,
    file: `acceptance/${id}.test.ts`,
    state,
    tests: { passed: state === 'passed' ? 1 : 0, failed, skipped: state === 'skipped' ? 1 : 0 },
    errors,
    durationMs: 1,
  };
}

export const gating = (name: string, value: number, unit: string, bound: string, pass: boolean) => ({
  name,
  value,
  unit,
  bound,
  pass,
});

/**
 * The verdict table as Markdown for a CI job's summary page: GitHub Actions shows the file named by
 * GITHUB_STEP_SUMMARY on the run's page, so the gate appends its table there when that variable is set. JUnit
 * (junit.xml) stays the CI-neutral format; this is only the human-readable view on GitHub.
 */
import { appendFileSync } from 'node:fs';
import type { Redactor } from '../../secrets/redact.ts';
import { rowCounts, type Verdict, type VerdictRow } from '../verdict.ts';
import { finalLine, STATUS_TEXT } from '../verdict-table.ts';

/** A table cell: pipes escaped, line breaks flattened, empty shown as a dash. */
export function markdownCell(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').trim();
  return flat === '' ? '—' : flat;
}

function resultCell(row: VerdictRow): string {
  const text = STATUS_TEXT[row.status];
  if (row.status === 'pass') return `✅ ${text}`;
  // a SKIP or NOT MEASURABLE that fails the gate (required) reads like a failure
  if (!rowCounts(row)) return `❌ ${text}${row.status === 'fail' ? '' : ' (required)'}`;
  return `⚠️ ${text}`;
}

export interface StepSummaryInput {
  verdict: Verdict;
  /** e.g. "deploy" */
  scope: string;
  /** false for a partial run (`--only`), which publishes nothing. */
  complete: boolean;
  /** The one-line comparison with the previous run. */
  comparison: string;
  /** Where the run's reports are, relative to the job's working directory. */
  reportsPath: string;
}

export function stepSummaryMarkdown(input: StepSummaryInput): string {
  const { verdict } = input;
  const mark = verdict.pass ? '✅' : verdict.hostBusy ? '⏳' : '❌';
  const lines = [
    `### ${mark} FastNPC Redis cache gate — ${input.scope} scope${input.complete ? '' : ' (partial run, not published)'}`,
    '',
    `**${markdownCell(finalLine(verdict))}**`,
    '',
    '| # | row | figure | bound | result | s |',
    '|---|---|---|---|---|---:|',
    ...verdict.rows.map(
      (r) =>
        `| ${markdownCell(r.id)} | ${markdownCell(r.title)}${r.detail && r.status !== 'pass' ? `<br>${markdownCell(r.detail)}` : ''} | ${markdownCell(r.figure)} | ${markdownCell(r.bound)} | ${resultCell(r)} | ${Math.round((r.durationMs ?? 0) / 1000)} |`,
    ),
    '',
    markdownCell(input.comparison),
    '',
    `Reports: \`${input.reportsPath}\` (gate.html, junit.xml, gate.json). Rerun one row alone: \`npm run gate -- --only <id>\`.`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** Appends the summary to $GITHUB_STEP_SUMMARY when it is set; returns whether it wrote. */
export function appendStepSummary(env: NodeJS.ProcessEnv, input: StepSummaryInput, redactor: Redactor): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  appendFileSync(file, redactor.redact(stepSummaryMarkdown(input)));
  return true;
}

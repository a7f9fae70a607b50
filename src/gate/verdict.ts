/**
 * One verdict from everything the gate ran: the config audit, the nine criteria, the regression tests of
 * FastNPC's defects and the optional k6 load run. A criterion passes only when its suite passed AND every gating
 * figure it recorded is within its bound; a criterion that did not run fails.
 */
import { FAULTS } from '../../acceptance/faults/index.ts';
import type { CriterionRecord, Figure } from './figures.ts';
import { formatValue } from './figures.ts';

export type RowStatus = 'pass' | 'fail' | 'skip';
export type RowKind = 'audit' | 'criterion' | 'regression' | 'fault' | 'load';

export interface VerdictRow {
  id: string;
  kind: RowKind;
  title: string;
  /** The headline figure as text, e.g. "1.21 ms". */
  figure: string;
  bound: string;
  status: RowStatus;
  /** Why it failed or was skipped; other figures. */
  detail: string;
  figures: Figure[];
  /** How long its suite ran (0 for rows without one). */
  durationMs?: number;
}

export interface Verdict {
  pass: boolean;
  rows: VerdictRow[];
  target: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/** The plan's nine criteria, in order; ids match the file names acceptance/01-… to 09-…. */
export const CRITERIA: ReadonlyArray<{ id: string; title: string }> = [
  { id: '01', title: 'Redis runs (PING, version, uptime, config audit)' },
  { id: '02', title: 'The app connects to Redis (/admin/cache/test)' },
  { id: '03', title: 'User-settings cache: second read < 5 ms' },
  { id: '04', title: 'Character-profile cache: second read is a hit, no DB statement' },
  { id: '05', title: 'Character-list cache: hit, and the TTL expires' },
  { id: '06', title: 'Hit rate > 90 % under the chat workload' },
  { id: '07', title: 'An update invalidates immediately (every write path, both workers)' },
  { id: '08', title: 'Two workers consistent (>= 500 rounds, stale-set race)' },
  { id: '09', title: 'DB statements down >= 80 %' },
];

/** FastNPC's defects (shared/reference/fastnpc.md), one regression test each; ids match acceptance/regressions/rN-…. */
export const REGRESSIONS: ReadonlyArray<{ id: string; title: string }> = [
  { id: 'R1', title: 'Stats are system-wide, not per worker' },
  { id: 'R2', title: 'Pattern delete uses SCAN + UNLINK, never KEYS' },
  { id: 'R3', title: 'Structured update invalidates the profile' },
  { id: 'R4', title: 'Admin guard lets the admin in (403 only for others)' },
  { id: 'R5', title: 'Hostile names (":", "*") never collide or widen a delete' },
  { id: 'R6', title: 'Redis unresponsive: requests degrade fast, not after seconds' },
  { id: 'R7', title: 'Stale-set race closed (no old value after an update)' },
  { id: 'R8', title: 'No stale entry after a Redis restart (failed invalidation)' },
];

/** Outcome of one acceptance file as vitest reported it. */
export interface SuiteResult {
  id: string;
  file: string;
  state: 'passed' | 'failed' | 'skipped';
  tests: { passed: number; failed: number; skipped: number };
  errors: string[];
  durationMs: number;
}

export interface AuditOutcome {
  status: RowStatus;
  /** e.g. "14/14 checks" */
  figure: string;
  detail: string;
}

export interface LoadOutcome {
  status: RowStatus;
  figure: string;
  bound: string;
  detail: string;
}

/** Maps a test file path to its criterion/regression id ("01", "R3"), or undefined. */
export function idOfFile(file: string): string | undefined {
  const base = file.split('/').pop() ?? '';
  const criterion = base.match(/^(\d\d)-/);
  if (criterion) return criterion[1];
  const regression = base.match(/^r(\d+)-/i);
  if (regression) return `R${regression[1]}`;
  const fault = base.match(/^f(\d+)-/i);
  if (fault) return `F${fault[1]}`;
  return undefined;
}

function headline(figures: Figure[]): Figure | undefined {
  return figures.find((f) => f.pass !== null) ?? figures[0];
}

/** Builds one row from a suite's result and its record. */
export function judge(
  def: { id: string; title: string },
  kind: 'criterion' | 'regression' | 'fault',
  suite: SuiteResult | undefined,
  record: CriterionRecord | undefined,
): VerdictRow {
  const figures = record?.figures ?? [];
  const head = headline(figures);
  const row: VerdictRow = {
    id: def.id,
    kind,
    title: def.title,
    figure: head ? formatValue(head) : '—',
    bound: head?.bound ?? '',
    status: 'fail',
    detail: '',
    figures,
    durationMs: suite?.durationMs ?? 0,
  };
  const failedFigures = figures.filter((f) => f.pass === false);
  const gating = figures.filter((f) => f.pass !== null);
  if (!suite && !record) {
    row.detail = 'not run';
    return row;
  }
  if (suite?.state === 'failed' && suite.tests.failed === 0 && suite.tests.passed === 0) {
    // the file did not even load (syntax error, failing import, failing beforeAll)
    row.detail = (suite.errors[0] ?? 'suite failed to load').split('\n')[0]?.slice(0, 300) ?? 'suite failed to load';
    return row;
  }
  if (suite?.state === 'skipped' || (suite && suite.tests.passed === 0 && suite.tests.failed === 0)) {
    row.status = 'skip';
    row.detail = record?.notes.at(-1) ?? 'skipped on this target';
    return row;
  }
  if (failedFigures.length > 0) {
    row.detail = failedFigures.map((f) => `${f.name} ${formatValue(f)} not ${f.bound}`).join('; ');
    return row;
  }
  if (suite && suite.state === 'failed') {
    row.detail = (suite.errors[0] ?? 'suite failed').split('\n')[0]?.slice(0, 300) ?? 'suite failed';
    return row;
  }
  if (gating.length === 0) {
    row.detail = 'no gating figure recorded';
    return row;
  }
  row.status = 'pass';
  row.detail = suite && suite.tests.skipped > 0 ? `${suite.tests.skipped} check(s) skipped on this target` : '';
  return row;
}

export interface VerdictInput {
  target: string;
  startedAt: Date;
  finishedAt: Date;
  audit: AuditOutcome;
  suites: SuiteResult[];
  records: CriterionRecord[];
  load: LoadOutcome;
}

export function buildVerdict(input: VerdictInput): Verdict {
  const suiteById = new Map(input.suites.map((s) => [s.id, s]));
  const recordById = new Map(input.records.map((r) => [r.id, r]));
  const rows: VerdictRow[] = [
    {
      id: 'audit',
      kind: 'audit',
      title: 'Config audit of the live Redis (auditRedis)',
      figure: input.audit.figure,
      bound: 'no drift',
      status: input.audit.status,
      detail: input.audit.detail,
      figures: [],
    },
  ];
  for (const def of CRITERIA) rows.push(judge(def, 'criterion', suiteById.get(def.id), recordById.get(def.id)));
  for (const def of REGRESSIONS) rows.push(judge(def, 'regression', suiteById.get(def.id), recordById.get(def.id)));
  // fault rows (acceptance/faults, issue #11): shown when their suites ran (skipped on an external target)
  if (FAULTS.some((f) => suiteById.has(f.id) || recordById.has(f.id))) {
    for (const def of FAULTS) rows.push(judge(def, 'fault', suiteById.get(def.id), recordById.get(def.id)));
  }
  rows.push({
    id: 'load',
    kind: 'load',
    title: 'k6 chat-100-users (short)',
    figure: input.load.figure,
    bound: input.load.bound,
    status: input.load.status,
    detail: input.load.detail,
    figures: [],
  });
  return {
    pass: rows.every((r) => rowCounts(r)),
    rows,
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
  };
}

/**
 * Whether a row lets the gate pass: audit and criteria must pass; a regression may be skipped where the target
 * cannot host it (e.g. restarting an external Redis); the load step may be skipped when k6 is not installed.
 */
export function rowCounts(row: VerdictRow): boolean {
  if (row.status === 'pass') return true;
  if (row.status === 'skip') return row.kind === 'regression' || row.kind === 'fault' || row.kind === 'load';
  return false;
}

const STATUS_TEXT: Record<RowStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'skip' };

/** The verdict table for a terminal: fixed columns, one line per row, the overall verdict last. */
export function formatTable(verdict: Verdict): string {
  const header = ['#', 'criterion', 'figure', 'bound', 'result'];
  const body = verdict.rows.map((r) => [r.id, r.title, r.figure, r.bound, STATUS_TEXT[r.status]]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  widths[1] = Math.min(widths[1] as number, 70);
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => {
        const w = widths[i] as number;
        const text = c.length > w ? `${c.slice(0, w - 1)}…` : c;
        return text.padEnd(w);
      })
      .join(' | ')
      .trimEnd();
  const lines = [fmt(header), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const row of body) lines.push(fmt(row));
  const failing = verdict.rows.filter((r) => !rowCounts(r));
  const notes = verdict.rows.filter((r) => r.detail && r.status !== 'pass').map((r) => `  ${r.id}: ${r.detail}`);
  if (notes.length) lines.push('', ...notes);
  lines.push(
    '',
    verdict.pass
      ? `GATE PASSED: all ${CRITERIA.length} criteria pass on target ${verdict.target} (${Math.round(verdict.durationMs / 1000)} s)`
      : `GATE FAILED: ${failing.map((r) => r.id).join(', ')} on target ${verdict.target}`,
  );
  return lines.join('\n');
}

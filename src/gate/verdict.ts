/**
 * One verdict from everything the gate ran: the config audit, the acceptance run itself, the nine criteria, the
 * regression tests of FastNPC's defects and the optional k6 load run. Every row is PASS, FAIL, SKIP (with a reason)
 * or NOT MEASURABLE (with a reason). A criterion passes only when its suite ran and passed AND every gating figure it
 * recorded is within its bound; a record without a suite result, a file that did not load or an unhandled error
 * fails. A regression or the load step may be skipped / not measurable without failing the gate (the final line
 * names it) unless it is required (`--require-load`, `GATE_REQUIRE`).
 */
import { CRITERIA, FAULT_ROWS, MODULE_ROWS, REGRESSIONS, TOPOLOGY_ROWS } from '../../acceptance/criteria.ts';
import type { CriterionRecord, Figure } from './figures.ts';
import { formatValue } from './figures.ts';

export type RowStatus = 'pass' | 'fail' | 'skip' | 'not-measurable';
export type RowKind = 'audit' | 'run' | 'criterion' | 'regression' | 'fault' | 'topology' | 'load';

export interface VerdictRow {
  id: string;
  kind: RowKind;
  title: string;
  /** The headline figure as text, e.g. "1.21 ms". */
  figure: string;
  bound: string;
  status: RowStatus;
  /** Why it failed, was skipped or could not be measured; other figures. */
  detail: string;
  figures: Figure[];
  /** How long its suite ran (0 for rows without one). */
  durationMs?: number;
  /** true when a SKIP / NOT MEASURABLE of this row does not fail the gate (regressions, load; not when required). */
  optional?: boolean;
}

export interface Verdict {
  pass: boolean;
  rows: VerdictRow[];
  target: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The --only filters this verdict was limited to ([] = every row). */
  only: string[];
}

export { CRITERIA, FAULT_ROWS, MODULE_ROWS, REGRESSIONS, TOPOLOGY_ROWS };

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
  const module = base.match(/^m(\d+)-/i);
  if (module) return `M${module[1]}`;
  const fault = base.match(/^f(\d+)-/i);
  if (fault) return `F${fault[1]}`;
  const topology = base.match(/^h(\d+)-/i);
  if (topology) return `H${topology[1]}`;
  return undefined;
}

function headline(figures: Figure[]): Figure | undefined {
  return figures.find((f) => f.pass !== null) ?? figures[0];
}

function firstLine(text: string | undefined, fallback: string): string {
  return (text ?? fallback).split('\n')[0]?.slice(0, 300) || fallback;
}

/** Builds one row from a suite's result and its record. */
export function judge(
  def: { id: string; title: string },
  kind: 'criterion' | 'regression' | 'fault' | 'topology',
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
  if (!suite) {
    // A record alone proves nothing: it may be left over, or its file may have failed after writing it.
    row.detail = record ? 'no suite result (a record without its suite is not trusted)' : 'not run';
    return row;
  }
  if (suite.state === 'failed' && suite.tests.failed === 0 && suite.tests.passed === 0) {
    row.detail = `did not load: ${firstLine(suite.errors[0], 'suite failed to load')}`;
    return row;
  }
  if (failedFigures.length > 0) {
    row.detail = failedFigures.map((f) => `${f.name} ${formatValue(f)} not ${f.bound}`).join('; ');
    return row;
  }
  if (suite.state === 'failed') {
    row.detail = firstLine(suite.errors[0], 'suite failed');
    return row;
  }
  if (record?.notMeasurable) {
    row.status = 'not-measurable';
    row.detail = record.notMeasurable;
    return row;
  }
  if (suite.state === 'skipped' || (suite.tests.passed === 0 && suite.tests.failed === 0)) {
    row.status = 'skip';
    row.detail = record?.notes.at(-1) ?? 'every check skipped on this target';
    return row;
  }
  if (!record) {
    row.detail = 'the suite passed but recorded no figures';
    return row;
  }
  if (gating.length === 0) {
    row.detail = 'no gating figure recorded';
    return row;
  }
  row.status = 'pass';
  row.detail = suite.tests.skipped > 0 ? `${suite.tests.skipped} check(s) skipped on this target` : '';
  return row;
}

/** Which rows a run judges: undefined = every row; otherwise the ids --only selected. */
export type RowSelection = ReadonlySet<string> | undefined;

export interface VerdictInput {
  target: string;
  startedAt: Date;
  finishedAt: Date;
  /** undefined when the audit was not selected (--only without "audit"). */
  audit?: AuditOutcome;
  /** Whether the acceptance step ran (false when --only selected no acceptance file). */
  acceptanceRan: boolean;
  suites: SuiteResult[];
  /** Errors vitest caught outside any test; any one fails the gate. */
  unhandledErrors: string[];
  /** The harness's checkout (HEAD or tracked files) changed during the run: its verdicts may mix two versions. */
  checkoutChanged?: boolean;
  records: CriterionRecord[];
  /** undefined when the load step was not selected. */
  load?: LoadOutcome;
  selection?: RowSelection;
  /** The Redis topology of a local target (`--topology`); decides which topology row applies. @default 'single' */
  topology?: string;
  /** Row ids (or "regressions") whose SKIP / NOT MEASURABLE fails the gate, e.g. ["load"]. */
  required?: readonly string[];
  only?: string[];
}

/** The acceptance run as a whole: every file loaded, none outside the known rows failed, no unhandled error. */
export function judgeRun(input: VerdictInput, knownIds: ReadonlySet<string>): VerdictRow {
  const problems: string[] = [];
  if (input.unhandledErrors.length > 0) {
    problems.push(
      `${input.unhandledErrors.length} unhandled error(s): ${firstLine(input.unhandledErrors[0], 'unhandled error')}`,
    );
  }
  if (input.checkoutChanged) {
    problems.push(
      "the harness's checkout changed during the run (git HEAD or tracked files): run again on a fixed checkout",
    );
  }
  if (input.suites.length === 0) problems.push('the acceptance run reported no suite result');
  for (const suite of input.suites) {
    if (!knownIds.has(suite.id) && suite.state === 'failed') {
      problems.push(`${suite.file}: ${firstLine(suite.errors[0], 'failed')}`);
    }
  }
  return {
    id: 'run',
    kind: 'run',
    title: 'Acceptance run: every file loaded, no unhandled error, the checkout unchanged',
    figure: `${input.suites.length} files, ${input.unhandledErrors.length} unhandled`,
    bound: '0 unhandled',
    status: problems.length ? 'fail' : 'pass',
    detail: problems.join('; '),
    figures: [],
  };
}

export function buildVerdict(input: VerdictInput): Verdict {
  const suiteById = new Map(input.suites.map((s) => [s.id, s]));
  const recordById = new Map(input.records.map((r) => [r.id, r]));
  const selected = (id: string): boolean => !input.selection || input.selection.has(id);
  const required = new Set(input.required ?? []);
  const rows: VerdictRow[] = [];
  if (input.audit) {
    rows.push({
      id: 'audit',
      kind: 'audit',
      title: 'Config audit of the live Redis (auditRedis)',
      figure: input.audit.figure,
      bound: 'no drift',
      status: input.audit.status,
      detail: input.audit.detail,
      figures: [],
    });
  }
  if (input.acceptanceRan) {
    rows.push(
      judgeRun(
        input,
        new Set([...CRITERIA, ...REGRESSIONS, ...MODULE_ROWS, ...FAULT_ROWS, ...TOPOLOGY_ROWS].map((d) => d.id)),
      ),
    );
    for (const def of CRITERIA) {
      if (selected(def.id)) rows.push(judge(def, 'criterion', suiteById.get(def.id), recordById.get(def.id)));
    }
    for (const def of REGRESSIONS) {
      if (!selected(def.id)) continue;
      const row = judge(def, 'regression', suiteById.get(def.id), recordById.get(def.id));
      row.optional = !required.has(def.id) && !required.has('regressions');
      rows.push(row);
    }
    // Reference-module rows exist only where their suites recorded something (the embedded targets).
    for (const def of MODULE_ROWS) {
      if (selected(def.id) && recordById.has(def.id)) {
        rows.push(judge(def, 'regression', suiteById.get(def.id), recordById.get(def.id)));
      }
    }
    // Fault rows need fault control over Redis and PostgreSQL: gating on the local target; elsewhere they run only
    // when granted (--allow-faults) — a FAIL still fails the gate, a SKIP (not granted) is optional unless required.
    for (const def of FAULT_ROWS) {
      if (!selected(def.id) || !recordById.has(def.id)) continue;
      const row = judge(def, 'fault', suiteById.get(def.id), recordById.get(def.id));
      row.optional = input.target !== 'local' && !required.has(def.id);
      rows.push(row);
    }
    // Topology rows: gating on the topology they belong to (H1 sentinel, H2 cluster); elsewhere a SKIP "not
    // applicable", shown and named in the final line but not failing the gate.
    for (const def of TOPOLOGY_ROWS) {
      if (!selected(def.id) || !recordById.has(def.id)) continue;
      const row = judge(def, 'topology', suiteById.get(def.id), recordById.get(def.id));
      row.optional = (input.topology ?? 'single') !== def.topology;
      rows.push(row);
    }
  }
  if (input.load) {
    rows.push({
      id: 'load',
      kind: 'load',
      title: 'k6 chat-100-users (short)',
      figure: input.load.figure,
      bound: input.load.bound,
      status: input.load.status,
      detail: input.load.detail,
      figures: [],
      optional: !required.has('load'),
    });
  }
  return {
    pass: rows.length > 0 && rows.every((r) => rowCounts(r)),
    rows,
    target: input.target,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    only: input.only ?? [],
  };
}

/**
 * Whether a row lets the gate pass: a PASS always; a SKIP or NOT MEASURABLE only on an optional row (a regression
 * the target cannot host, the load step without k6) — never on the audit, the run or a criterion.
 */
export function rowCounts(row: VerdictRow): boolean {
  if (row.status === 'pass') return true;
  if (row.status === 'skip' || row.status === 'not-measurable') return row.optional === true;
  return false;
}

/**
 * One verdict from everything the gate ran: the config audit, the acceptance run itself, the nine criteria, the
 * regression tests of FastNPC's defects and the optional k6 load run. Every row is PASS, FAIL, SKIP (with a reason)
 * or NOT MEASURABLE (with a reason). A criterion passes only when its suite ran and passed AND every gating figure it
 * recorded is within its bound; a record without a suite result, a file that did not load or an unhandled error
 * fails. A regression or the load step may be skipped / not measurable without failing the gate (the final line
 * names it) unless it is required (`--require-load`, `GATE_REQUIRE`).
 */
import type { CriterionRecord, Figure } from '../../acceptance/record-format.ts';
import { formatValue } from '../../acceptance/record-format.ts';
import {
  CRITERIA,
  FAULT_ROWS,
  MODULE_ROWS,
  REGRESSIONS,
  ROWS,
  type RowDef,
  type RowKind,
  rowDef,
  rowIdOfFile,
  TOPOLOGY_ROWS,
} from '../../acceptance/rows.ts';

export type RowStatus = 'pass' | 'fail' | 'skip' | 'not-measurable';
export type { RowKind };

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
  /** NOT MEASURABLE because the host was too busy to judge a timing bound (its calibration probe was slow). */
  hostBusy?: boolean;
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
  /**
   * true when the gate did not pass only because the host was too busy to judge timing rows (every row that keeps it
   * from passing is NOT MEASURABLE "host too busy"): exit 75, run it again (docs/exit-codes.md).
   */
  hostBusy?: boolean;
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

/** Maps a test file path to its row id ("01", "R3"), or undefined (the registry's file of each row decides). */
export function idOfFile(file: string): string | undefined {
  return rowIdOfFile(file);
}

/**
 * The figure the table shows: the row's first gating figure (its suite moves the one it judges by to the front), but
 * never a passing figure while another failed — a FAIL row's headline is one of its failing figures.
 */
export function headline(figures: readonly Figure[]): Figure | undefined {
  const first = figures.find((f) => f.pass !== null) ?? figures[0];
  if (first?.pass === false) return first;
  return figures.find((f) => f.pass === false) ?? first;
}

/** Units that say by themselves what a figure measures ("1.21 ms", "96.0 %"); any other figure is shown with its name. */
const SELF_EXPLAINING_UNITS = new Set(['ms', 's', '%', 'B', 'KB', 'MB', 'GB', 'req/s', 'ops/s', '×']);

/**
 * The headline as the verdict table shows it: never a bare count — "0 stale reads", not "0" or "0 reads"; a text
 * figure with its name ("Redis answers: PONG, 7.0.15").
 */
export function headlineText(f: Figure): string {
  if (SELF_EXPLAINING_UNITS.has(f.unit)) return formatValue(f);
  if (typeof f.value === 'number') return `${formatValue({ value: f.value, unit: '' })} ${f.name}`;
  return `${f.name}: ${f.value}`;
}

function firstLine(text: string | undefined, fallback: string): string {
  return (text ?? fallback).split('\n')[0]?.slice(0, 300) || fallback;
}

/** Builds one row from a suite's result and its record. */
export function judge(
  def: { id: string; title: string },
  kind: RowKind,
  suite: SuiteResult | undefined,
  record: CriterionRecord | undefined,
): VerdictRow {
  const figures = record?.figures ?? [];
  // a row that could not be measured shows the figure it could not judge (its first), not a side check that held
  const head = record?.notMeasurable ? (figures[0] ?? headline(figures)) : headline(figures);
  const row: VerdictRow = {
    id: def.id,
    kind,
    title: def.title,
    figure: head ? headlineText(head) : '—',
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
    if (record.hostBusy) row.hostBusy = true;
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
    title: rowDef('run').title,
    figure: `${input.suites.length} files, ${input.unhandledErrors.length} unhandled`,
    bound: '0 unhandled',
    status: problems.length ? 'fail' : 'pass',
    detail: problems.join('; '),
    figures: [],
  };
}

/**
 * Whether a SKIP / NOT MEASURABLE of a suite row is tolerated (the registry's gating; a row GATE_REQUIRE names, or
 * its kind's group such as "regressions", is never optional). undefined: the row is always required.
 */
function isOptional(def: RowDef, input: VerdictInput, required: ReadonlySet<string>): boolean | undefined {
  const named = required.has(def.id) || required.has(`${def.kind}s`) || required.has(def.kind);
  switch (def.gating) {
    case 'required':
      return undefined;
    case 'optional':
      return !named;
    case 'required-local':
      // the verdict's target reads "local (http://…)" or "local/sentinel (…)": its first word is the kind
      return input.target.split(/[\s/]/)[0] !== 'local' && !named;
    case 'required-on-topology':
      return (input.topology ?? 'single') !== def.topology;
  }
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
      title: rowDef('audit').title,
      figure: input.audit.figure,
      bound: 'no drift',
      status: input.audit.status,
      detail: input.audit.detail,
      figures: [],
    });
  }
  if (input.acceptanceRan) {
    rows.push(judgeRun(input, new Set(ROWS.filter((d) => d.file).map((d) => d.id))));
    for (const def of ROWS) {
      if (!def.file || !selected(def.id)) continue;
      // criteria and regressions are shown whenever selected (a missing result fails or reads "not run"); the module,
      // fault and topology rows only where their suites recorded something (the targets and scopes that run them)
      if ((def.kind === 'module' || def.kind === 'fault' || def.kind === 'topology') && !recordById.has(def.id)) {
        continue;
      }
      const row = judge(def, def.kind, suiteById.get(def.id), recordById.get(def.id));
      const optional = isOptional(def, input, required);
      if (optional !== undefined) row.optional = optional;
      rows.push(row);
    }
  }
  if (input.load) {
    rows.push({
      id: 'load',
      kind: 'load',
      title: rowDef('load').title,
      figure: input.load.figure,
      bound: input.load.bound,
      status: input.load.status,
      detail: input.load.detail,
      figures: [],
      optional: !required.has('load'),
    });
  }
  const pass = rows.length > 0 && rows.every((r) => rowCounts(r));
  const blocking = rows.filter((r) => !rowCounts(r));
  return {
    pass,
    ...(!pass && blocking.length > 0 && blocking.every((r) => r.hostBusy) ? { hostBusy: true } : {}),
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

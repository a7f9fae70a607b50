/**
 * `npm run gate:matrix` — proves the gate: runs it once with no defect and once per emulated FastNPC defect
 * (FASTNPC_EMULATE_DEFECTS=<defect> on the local reference service) and prints the confusion matrix, rows × defects,
 * expected against got. Exit 0 only when every cell matches: a defect fails its own rows (and at most the allowed
 * extras), every other row passes, and with no defect every row passes.
 *
 * A run judges only the matrix rows (criteria and regressions): the gate is given one `--only` filter per row, so
 * the config audit step, the load step, the fault rows (F1–F7) and the reference-module rows (M3, M8) are not run
 * (criterion 01 runs the config audit itself). `--repeat N` runs every column N times and prints the detection
 * table instead (src/gate/matrix-detection.ts): how often each defect's rows failed, how often a row failed with no
 * defect.
 *
 * `--parallel N` runs N gates at once (each on its own stack): faster on an idle host, but the timing rows then
 * measure a host the matrix itself loads.
 *
 *   npm run gate:matrix [-- --defects admin-403,no-leases] [--only 02 --only r4] [--skip-none] [--repeat 20]
 *                       [--parallel 2] [--scope deploy|full] [--reports-dir dir]
 *
 * The rows run their `--scope` workloads (default deploy, as `npm start`): the matrix proves what a deploy gate catches.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { CRITERIA, expectedUnder, REGRESSIONS, ROWS, type Scope } from '../../acceptance/rows.ts';
import { DEFECTS, type Defect } from '../service/defects.ts';
import { gateEnv } from './config.ts';
import { EXIT } from './exit-codes.ts';
import { MATRIX_USAGE, type MatrixArgs, parseMatrixArgs } from './matrix-args.ts';
import { type DetectionRun, formatDetection } from './matrix-detection.ts';
import { REPOSITORY_ROOT } from './run-acceptance.ts';
import type { RowStatus } from './verdict.ts';

export { MATRIX_USAGE, type MatrixArgs, parseMatrixArgs };

/**
 * What each defect must fail, and what it may fail besides (fastnpc issue 10, "a defect matrix that proves the gate"):
 * read from the row registry (acceptance/rows.ts: each row's `catches` and `mayFailWith`).
 */
export const EXPECTED: Record<Defect, { fails: string[]; mayFail?: string[] }> = Object.fromEntries(
  DEFECTS.map((defect) => [defect, expectedUnder(defect)]),
) as Record<Defect, { fails: string[]; mayFail?: string[] }>;

/** The judged rows of the matrix: criteria and regressions (not audit/load/module/fault/topology rows). */
export const MATRIX_ROWS: string[] = [...CRITERIA, ...REGRESSIONS].map((d) => d.id);

/** The gate's `--only` filter that selects exactly one matrix row: its file as the registry names it. */
export function rowFilter(id: string): string {
  const def = ROWS.find((r) => r.id === id);
  if (!def?.file || !MATRIX_ROWS.includes(id)) {
    throw new Error(`row ${id} is not a matrix row (criteria 01–09, regressions R1…)`);
  }
  return def.file;
}

/** What a matrix run selects when no --only is given: every matrix row and nothing else. */
export const MATRIX_FILTERS: string[] = MATRIX_ROWS.map(rowFilter);

export type Expectation = 'fail' | 'may-fail' | 'pass';
export type Column = Defect | 'none';

export function expectation(column: Column, row: string): Expectation {
  if (column === 'none') return 'pass';
  const e = EXPECTED[column];
  if (e.fails.includes(row)) return 'fail';
  if (e.mayFail?.includes(row)) return 'may-fail';
  return 'pass';
}

/**
 * Whether a row's status matches what the column expects. A row that must pass may also be skipped where the
 * target cannot host it; "not measurable" never matches a row that must fail (the defect went unseen).
 */
export function matches(expected: Expectation, got: RowStatus | undefined): boolean {
  if (got === undefined) return false;
  if (expected === 'fail') return got === 'fail';
  if (expected === 'may-fail') return true;
  return got === 'pass' || got === 'skip';
}

const CELL: Record<RowStatus, string> = { pass: 'pass', fail: 'FAIL', skip: 'skip', 'not-measurable': 'n/m' };

export interface MatrixRun extends DetectionRun {
  column: Column;
  /** Rows NOT MEASURABLE because the host was too busy to judge them (a timing row's calibration was slow). */
  hostBusy?: string[];
  /** The gate's exit code (null when it was killed). */
  exitCode?: number | null;
}

/**
 * Whether a run's cell matches: as `matches`, and a row that must pass may also read NOT MEASURABLE "host too busy"
 * (it did not fail; the host could not judge it) — never a row that must fail.
 */
export function cellMatches(run: MatrixRun, row: string): boolean {
  const exp = expectation(run.column, row);
  if (exp === 'pass' && run.hostBusy?.includes(row)) return true;
  return matches(exp, run.statuses[row]);
}

/** The confusion matrix as text: one line per row, one column per run; `!` marks a cell that does not match. */
export function formatMatrix(runs: MatrixRun[], rows: string[]): { text: string; mismatches: number } {
  const heads = runs.map((r) => r.column);
  const width = Math.max(6, ...heads.map((h) => h.length));
  const lines = [`${'row'.padEnd(5)} | ${heads.map((h) => h.padEnd(width)).join(' | ')}`];
  lines.push(`${'-'.repeat(5)}-+-${heads.map(() => '-'.repeat(width)).join('-+-')}`);
  let mismatches = 0;
  for (const row of rows) {
    const cells = runs.map((run) => {
      const exp = expectation(run.column, row);
      const got = run.statuses[row];
      const ok = cellMatches(run, row);
      if (!ok) mismatches++;
      const expText = exp === 'fail' ? 'F' : exp === 'may-fail' ? 'f' : '.';
      const gotText = got ? (run.hostBusy?.includes(row) ? 'busy' : CELL[got]) : '—';
      return `${expText} ${gotText}${ok ? '' : ' !'}`.padEnd(width);
    });
    lines.push(`${row.padEnd(5)} | ${cells.join(' | ')}`);
  }
  lines.push(
    '',
    'expected: F must fail, f may fail, . must pass (or skip); got: pass, FAIL, skip, n/m = not measurable, busy = not measurable: host too busy; ! = mismatch',
  );
  const load = (r: MatrixRun): string => (r.load ? ` (load ${r.load.start}→${r.load.end})` : '');
  lines.push(
    `run time (1-min load average at start→end): ${runs.map((r) => `${r.column} ${r.seconds} s${load(r)}`).join(', ')}`,
  );
  return { text: lines.join('\n'), mismatches };
}

/**
 * The folder of the newest finished run under a gate's reports directory (`runs/<name>/` holding a gate.json; a
 * partial `--only` run writes only there, not the top-level files), else the reports directory itself.
 */
export function newestRunDir(reportsDir: string): string {
  const runs = join(reportsDir, 'runs');
  let newest: { path: string; mtime: number } | undefined;
  try {
    for (const name of readdirSync(runs)) {
      const path = join(runs, name);
      if (!existsSync(join(path, 'gate.json'))) continue;
      const mtime = statSync(join(path, 'gate.json')).mtimeMs;
      if (!newest || mtime > newest.mtime) newest = { path, mtime };
    }
  } catch {
    // no runs folder: an older layout
  }
  return newest?.path ?? reportsDir;
}

/**
 * Runs the gate once (a child process: each run starts and stops its own stack) on the given --only filters
 * ([] = every matrix row, never the whole gate) and reads its row statuses, headline figures and load averages.
 */
export async function runGateOnce(
  column: Column,
  filters: string[],
  reportsDir: string,
  runName: string = column,
  scope: Scope = 'deploy',
): Promise<MatrixRun> {
  const dir = resolve(reportsDir, runName);
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...gateEnv(), ACCEPTANCE_TARGET: 'local' };
  if (column === 'none') delete env.FASTNPC_EMULATE_DEFECTS;
  else env.FASTNPC_EMULATE_DEFECTS = column;
  const argv = ['--import', 'tsx', join(REPOSITORY_ROOT, 'src/gate/cli.ts'), '--skip-load', '--reports-dir', dir];
  argv.push('--scope', scope);
  for (const f of filters.length > 0 ? filters : MATRIX_FILTERS) argv.push('--only', f);
  const code = await new Promise<number | null>((done) => {
    // the gate's own output (its table, or why its target did not start) goes to <dir>/gate.log
    mkdirSync(dir, { recursive: true });
    const log = openSync(join(dir, 'gate.log'), 'w');
    const child = spawn(process.execPath, argv, { cwd: REPOSITORY_ROOT, env, stdio: ['ignore', log, log] });
    child.once('exit', (c) => {
      closeSync(log);
      done(c);
    });
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  try {
    const verdict = JSON.parse(readFileSync(join(newestRunDir(dir), 'gate.json'), 'utf8')) as {
      rows: Array<{ id: string; status: RowStatus; detail: string; figure: string; hostBusy?: boolean }>;
      metadata?: { loadStart?: number[]; loadEnd?: number[] };
    };
    const statuses: Record<string, RowStatus> = {};
    const figures: Record<string, string> = {};
    const hostBusy: string[] = [];
    for (const row of verdict.rows) {
      if (row.detail === 'not run') continue;
      statuses[row.id] = row.status;
      figures[row.id] = row.figure;
      if (row.hostBusy) hostBusy.push(row.id);
    }
    const start = verdict.metadata?.loadStart?.[0];
    const end = verdict.metadata?.loadEnd?.[0];
    const load = start !== undefined && end !== undefined ? { start, end } : undefined;
    const judged = MATRIX_ROWS.filter((id) => statuses[id] !== undefined);
    if (judged.length === 0) {
      const why = verdict.rows.find((r) => r.id === 'audit')?.detail ?? `gate exited ${code}`;
      const error = `the gate judged no row: ${why.split('\n')[0]}`;
      return { column, statuses, figures, seconds, load, exitCode: code, error };
    }
    return { column, statuses, figures, seconds, load, exitCode: code, ...(hostBusy.length ? { hostBusy } : {}) };
  } catch (error) {
    const said = readFileSync(join(dir, 'gate.log'), 'utf8')
      .split('\n')
      .find((line) => line.startsWith('gate: '));
    const why = said ?? (error as Error).message;
    return { column, statuses: {}, figures: {}, seconds, exitCode: code, error: `gate exited ${code}: ${why}` };
  }
}

function summary(run: MatrixRun): string {
  const failed = Object.entries(run.statuses)
    .filter(([, s]) => s === 'fail')
    .map(([id]) => id);
  return failed.length > 0 ? `failed ${failed.join(', ')}` : 'no row failed';
}

/** Delay between the starts of parallel lanes (a busy host's service start-up is what they would collide on). */
const LANE_STAGGER_MS = 45_000;
/** Starts of one run when its target does not come up (the gate's exit code 3). */
const START_ATTEMPTS = 3;

interface Job {
  column: Column;
  /** 1-based run number within its column. */
  n: number;
}

/**
 * The runs in the order they start: run 1 of every column, then run 2 of every column, … so a repeated run cut
 * short still has as many runs of each column.
 */
export function jobOrder(columns: readonly Column[], repeat: number): Job[] {
  const jobs: Job[] = [];
  for (let n = 1; n <= repeat; n++) for (const column of columns) jobs.push({ column, n });
  return jobs;
}

/** The text printed at the end, also rewritten to <reports-dir>/matrix.txt after every run (a cut-short run keeps it). */
export function report(runs: MatrixRun[], args: MatrixArgs): { text: string; ok: boolean } {
  const rows = MATRIX_ROWS.filter((row) => runs.some((r) => r.statuses[row] !== undefined));
  if (args.repeat > 1) {
    const mustFail = (column: string, row: string): boolean => expectation(column as Column, row) === 'fail';
    const mismatched = runs.filter((run) => run.error || rows.some((row) => !cellMatches(run, row))).length;
    const verdict = mismatched === 0 ? 'every run matched' : `${mismatched} of ${runs.length} runs mismatched`;
    return { text: `${formatDetection(runs, rows, mustFail)}\n\n${verdict}\n`, ok: mismatched === 0 };
  }
  const { text, mismatches } = formatMatrix(runs, rows);
  const failedRuns = runs.filter((r) => r.error);
  const ok = mismatches === 0 && failedRuns.length === 0;
  const verdict = ok
    ? 'MATRIX OK'
    : `MATRIX: ${mismatches} mismatching cell(s), ${failedRuns.length} run(s) without a verdict (${failedRuns.map((r) => r.column).join(', ') || 'none'})`;
  return { text: `${text}\n\n${verdict}\n`, ok };
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${MATRIX_USAGE}\n`);
    return 0;
  }
  let args: MatrixArgs;
  try {
    args = parseMatrixArgs(argv);
  } catch (error) {
    process.stderr.write(`gate:matrix: ${(error as Error).message}\n`);
    return 2;
  }
  const columns: Column[] = args.skipNone ? [...args.defects] : ['none', ...args.defects];
  const jobs = jobOrder(columns, args.repeat);
  const done: Array<MatrixRun | undefined> = [];
  const finished = (): MatrixRun[] => done.filter((r): r is MatrixRun => r !== undefined);
  mkdirSync(resolve(args.reportsDir), { recursive: true });
  let next = 0;
  const lane = async (_: unknown, laneIndex: number): Promise<void> => {
    // lanes start LANE_STAGGER_MS apart: stacks starting all at once overrun the service's start-up timeout
    await new Promise((r) => setTimeout(r, laneIndex * LANE_STAGGER_MS));
    while (next < jobs.length) {
      const index = next++;
      const { column, n } = jobs[index] as Job;
      const what = `${column === 'none' ? 'no defect' : `defect ${column}`}${args.repeat > 1 ? `, run ${n}/${args.repeat}` : ''}`;
      process.stderr.write(`gate:matrix: gate with ${what}…\n`);
      const name = args.repeat > 1 ? `${column}-${n}` : column;
      let run = await runGateOnce(column, args.filters, args.reportsDir, name, args.scope);
      // exit 3 = the target did not start (a busy host): that run judged nothing, so it is started again
      for (let attempt = 2; run.exitCode === EXIT.unreachable && attempt <= START_ATTEMPTS; attempt++) {
        process.stderr.write(`gate:matrix: ${what}: ${run.error}; starting it again (attempt ${attempt})\n`);
        run = await runGateOnce(column, args.filters, args.reportsDir, `${name}-attempt${attempt}`, args.scope);
      }
      if (run.error) process.stderr.write(`gate:matrix: ${column}: ${run.error}\n`);
      process.stderr.write(`gate:matrix: ${what}: ${run.seconds} s, ${summary(run)}\n`);
      done[index] = run;
      writeFileSync(resolve(args.reportsDir, 'matrix.txt'), report(finished(), args).text);
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.parallel, jobs.length) }, lane));
  const { text, ok } = report(finished(), args);
  process.stdout.write(text);
  return ok ? 0 : 1;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`gate:matrix: ${(error as Error)?.message ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

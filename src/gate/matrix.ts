/**
 * `npm run gate:matrix` — proves the gate: runs it once with no defect and once per emulated FastNPC defect
 * (FASTNPC_EMULATE_DEFECTS=<defect> on the local reference service) and prints the confusion matrix, rows × defects,
 * expected against got. Exit 0 only when every cell matches: a defect fails its own rows (and at most the allowed
 * extras), every other row passes, and with no defect every row passes.
 *
 *   npm run gate:matrix [-- --defects admin-403,no-leases] [--only 02 --only r4] [--skip-none] [--reports-dir dir]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CRITERIA, REGRESSIONS } from '../../acceptance/criteria.ts';
import { DEFECTS, type Defect } from '../service/defects.ts';
import { REPOSITORY_ROOT } from './run-acceptance.ts';
import type { RowStatus } from './verdict.ts';

/** What each defect must fail, and what it may fail besides (fastnpc issue 10, "a defect matrix that proves the gate"). */
export const EXPECTED: Record<Defect, { fails: string[]; mayFail?: string[] }> = {
  'admin-403': { fails: ['02', 'R4'] },
  'per-worker-stats': { fails: ['R1'] },
  'keys-pattern-delete': { fails: ['R2'] },
  'structured-no-invalidate': { fails: ['R3', '07'] },
  'no-leases': { fails: ['08', 'R7'] },
  'socket-timeout-5s': { fails: ['R6'], mayFail: ['R8'] },
  'names-in-keys': { fails: ['R5'] },
  'list-miss-leak': { fails: ['R9'], mayFail: ['05', '06'] },
  'per-worker-tasks': { fails: ['R10'] },
  'no-profile-cache': { fails: ['04'], mayFail: ['09'] },
};

/** The judged rows of the matrix: criteria and regressions (not audit/load/module rows). */
export const MATRIX_ROWS: string[] = [...CRITERIA, ...REGRESSIONS].map((d) => d.id);

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

export interface MatrixRun {
  column: Column;
  statuses: Record<string, RowStatus>;
  seconds: number;
  error?: string;
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
      const ok = matches(exp, got);
      if (!ok) mismatches++;
      const expText = exp === 'fail' ? 'F' : exp === 'may-fail' ? 'f' : '.';
      return `${expText} ${got ? CELL[got] : '—'}${ok ? '' : ' !'}`.padEnd(width);
    });
    lines.push(`${row.padEnd(5)} | ${cells.join(' | ')}`);
  }
  lines.push(
    '',
    'expected: F must fail, f may fail, . must pass (or skip); got: pass, FAIL, skip, n/m = not measurable; ! = mismatch',
  );
  lines.push(`run time: ${runs.map((r) => `${r.column} ${r.seconds} s`).join(', ')}`);
  return { text: lines.join('\n'), mismatches };
}

interface MatrixArgs {
  defects: Defect[];
  /** Leave out the run with no defect (when it was run separately). */
  skipNone: boolean;
  filters: string[];
  reportsDir: string;
}

export function parseMatrixArgs(argv: readonly string[]): MatrixArgs {
  const args: MatrixArgs = { defects: [...DEFECTS], skipNone: false, filters: [], reportsDir: 'reports/matrix' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (flag === '--defects' && value) {
      const names = value.split(',').map((s) => s.trim());
      for (const n of names) {
        if (!(DEFECTS as readonly string[]).includes(n)) {
          throw new Error(`--defects: unknown defect ${n} (one of ${DEFECTS.join(', ')})`);
        }
      }
      args.defects = names as Defect[];
      i++;
    } else if (flag === '--skip-none') {
      args.skipNone = true;
    } else if (flag === '--only' && value) {
      args.filters.push(value);
      i++;
    } else if (flag === '--reports-dir' && value) {
      args.reportsDir = value;
      i++;
    } else {
      throw new Error(`unknown or incomplete option: ${flag} (--defects a,b  --only <filter>  --reports-dir <dir>)`);
    }
  }
  return args;
}

/** Runs the gate once (a child process: each run starts and stops its own stack) and reads its row statuses. */
export async function runGateOnce(column: Column, filters: string[], reportsDir: string): Promise<MatrixRun> {
  const dir = resolve(reportsDir, column);
  const started = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env, ACCEPTANCE_TARGET: 'local' };
  if (column === 'none') delete env.FASTNPC_EMULATE_DEFECTS;
  else env.FASTNPC_EMULATE_DEFECTS = column;
  const argv = ['--import', 'tsx', join(REPOSITORY_ROOT, 'src/gate/cli.ts'), '--skip-load', '--reports-dir', dir];
  for (const f of filters) argv.push('--only', f);
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, argv, { cwd: REPOSITORY_ROOT, env, stdio: ['ignore', 'ignore', 'ignore'] });
    child.once('exit', (c) => done(c));
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  try {
    const verdict = JSON.parse(readFileSync(join(dir, 'gate.json'), 'utf8')) as {
      rows: Array<{ id: string; status: RowStatus; detail: string }>;
    };
    const statuses: Record<string, RowStatus> = {};
    for (const row of verdict.rows) if (row.detail !== 'not run') statuses[row.id] = row.status;
    const judged = MATRIX_ROWS.filter((id) => statuses[id] !== undefined);
    if (judged.length === 0) {
      const why = verdict.rows.find((r) => r.id === 'audit')?.detail ?? `gate exited ${code}`;
      return { column, statuses, seconds, error: `the gate judged no row: ${why.split('\n')[0]}` };
    }
    return { column, statuses, seconds };
  } catch (error) {
    return { column, statuses: {}, seconds, error: `gate exited ${code}: ${(error as Error).message}` };
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: MatrixArgs;
  try {
    args = parseMatrixArgs(argv);
  } catch (error) {
    process.stderr.write(`gate:matrix: ${(error as Error).message}\n`);
    return 2;
  }
  const columns: Column[] = args.skipNone ? [...args.defects] : ['none', ...args.defects];
  const runs: MatrixRun[] = [];
  for (const column of columns) {
    process.stderr.write(`gate:matrix: gate with ${column === 'none' ? 'no defect' : `defect ${column}`}…\n`);
    const run = await runGateOnce(column, args.filters, args.reportsDir);
    if (run.error) process.stderr.write(`gate:matrix: ${column}: ${run.error}\n`);
    runs.push(run);
  }
  const rows = MATRIX_ROWS.filter((row) => runs.some((r) => r.statuses[row] !== undefined));
  const { text, mismatches } = formatMatrix(runs, rows);
  const failedRuns = runs.filter((r) => r.error);
  const ok = mismatches === 0 && failedRuns.length === 0;
  process.stdout.write(
    `${text}\n\n${ok ? 'MATRIX OK' : `MATRIX: ${mismatches} mismatching cell(s), ${failedRuns.length} run(s) without a verdict (${failedRuns.map((r) => r.column).join(', ') || 'none'})`}\n`,
  );
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

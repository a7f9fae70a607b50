/**
 * The command line of `npm run gate:matrix` (src/gate/matrix.ts): its options, their defaults and its usage text.
 */
import { SCOPES, type Scope } from '../../acceptance/rows.ts';
import { DEFECTS, type Defect } from '../service/defects.ts';

export interface MatrixArgs {
  defects: Defect[];
  /** Leave out the run with no defect (when it was run separately). */
  skipNone: boolean;
  /** The gate's --only filters; [] = every matrix row (MATRIX_FILTERS). */
  filters: string[];
  reportsDir: string;
  /** Runs per column; above 1 the detection table is printed instead of the matrix. */
  repeat: number;
  /** Gate runs at once (each starts its own stack on free ports). */
  parallel: number;
  /** The workloads the rows run (ACCEPTANCE_SCOPE). @default 'deploy' */
  scope: Scope;
}

export function parseMatrixArgs(argv: readonly string[]): MatrixArgs {
  const args: MatrixArgs = {
    defects: [...DEFECTS],
    skipNone: false,
    filters: [],
    reportsDir: 'reports/matrix',
    repeat: 1,
    parallel: 1,
    scope: 'deploy',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (flag === '--defects' && value) {
      // "none" names the run with no defect, which is always included (unless --skip-none): --defects none runs only it
      const names = value
        .split(',')
        .map((s) => s.trim())
        .filter((n) => n !== 'none');
      for (const n of names) {
        if (!(DEFECTS as readonly string[]).includes(n)) {
          throw new Error(`--defects: unknown defect ${n} (one of none, ${DEFECTS.join(', ')})`);
        }
      }
      args.defects = names as Defect[];
      i++;
    } else if (flag === '--skip-none') {
      args.skipNone = true;
    } else if (flag === '--only' && value) {
      args.filters.push(value);
      i++;
    } else if (flag === '--repeat' && value) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--repeat: a whole number >= 1, got ${value}`);
      args.repeat = n;
      i++;
    } else if (flag === '--scope' && value) {
      if (!(SCOPES as readonly string[]).includes(value)) throw new Error(`--scope: one of ${SCOPES.join(', ')}`);
      args.scope = value as Scope;
      i++;
    } else if (flag === '--parallel' && value) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--parallel: a whole number >= 1, got ${value}`);
      args.parallel = n;
      i++;
    } else if (flag === '--reports-dir' && value) {
      args.reportsDir = value;
      i++;
    } else {
      throw new Error(`unknown or incomplete option: ${flag} (see --help)`);
    }
  }
  return args;
}

/** What `npm run gate:matrix -- --help` prints. */
export const MATRIX_USAGE = `Usage: npm run gate:matrix -- [options]

Proves the gate: runs it on the local reference service once with no defect and once per emulated FastNPC defect
(FASTNPC_EMULATE_DEFECTS) and prints the matrix rows × defects, expected against got (acceptance/rows.ts says which
rows must catch which defect). Each run starts its own stack.
  --defects a,b        only these defects (default: all; "none" is the run with no defect)
  --only <filter>      only these rows (repeatable; e.g. --only 02 --only r4)
  --skip-none          leave out the run with no defect
  --repeat <n>         every column n times: prints how often each defect's rows failed (detection) instead
  --parallel <n>       n gates at once (faster on an idle host; the timing rows then measure a loaded one)
  --scope deploy|full  the rows' workloads (default deploy, as npm start)
  --reports-dir <dir>  where each run's reports go (default reports/matrix)
Exit codes: 0 every cell matches, 1 a cell does not, 2 usage error (docs/exit-codes.md).`;

/**
 * The deploy gate: config audit -> acceptance suites -> optional k6 load -> one verdict table.
 * `npm start` proves the embedded local stack; `npm run gate -- --target external --base-url … --redis-url …`
 * proves a deployment. Exit codes (docs/exit-codes.md): 0 passed, 1 failed, 2 usage error (nothing run, no report
 * touched), 3 the target or the container runtime cannot be reached.
 */
import { resolve } from 'node:path';
import { type TargetRequest, targetFromEnv } from '../../acceptance/target/index.ts';
import { ConfigError } from '../config/registry.ts';
import { Redactor, secretsFromEnv } from '../secrets/redact.ts';
import { checkIsTheApp, NotTheAppError } from './app-probe.ts';
import { applyToEnv, type GateArgs, parseArgs, requiredRows, USAGE, UsageError } from './args.ts';
import { checkGateEnv, gateEnv } from './config.ts';
import { EXIT } from './exit-codes.ts';
import { checkReachable, checkRowNeeds, checkTargetSettings, UnreachableError } from './preflight.ts';
import { Progress } from './progress.ts';
import { openRunDir } from './reports/run-dir.ts';
import { REPOSITORY_ROOT } from './run-acceptance.ts';
import { type GateSteps, runGateSteps } from './run-steps.ts';
import { acceptanceFiles, type Selection, selectRows } from './selection.ts';
import { formatTable } from './verdict-table.ts';

export { EXIT };

interface Prepared {
  args: GateArgs;
  request: TargetRequest;
  selection: Selection;
  required: string[];
}

/** Everything that can be checked without running anything; a problem is a UsageError (exit 2). */
function prepare(argv: readonly string[], env: NodeJS.ProcessEnv): Prepared | 'help' {
  const args = parseArgs(argv);
  if (args.help) return 'help';
  applyToEnv(args, env);
  try {
    checkGateEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  let request: TargetRequest;
  try {
    request = targetFromEnv(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  checkTargetSettings(request, env);
  const selection = selectRows(args.filters, acceptanceFiles(REPOSITORY_ROOT), args.scope);
  const required = requiredRows(args, env);
  checkRowNeeds(request, selection.ids, required, env);
  if (required.includes('load') && !selection.load) {
    throw new UsageError('the load step is required (--require-load / GATE_REQUIRE) but --only does not select it');
  }
  return { args, request, selection, required };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = gateEnv()): Promise<number> {
  const redactor = new Redactor(secretsFromEnv(env));
  const say = (text: string): void => void process.stdout.write(redactor.redact(text));
  const warn = (text: string): void => void process.stderr.write(redactor.redact(text));
  let prepared: Prepared | 'help';
  try {
    prepared = prepare(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      warn(`gate: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (prepared === 'help') {
    say(`${USAGE}\n`);
    return EXIT.pass;
  }
  redactor.add(...secretsFromEnv(env));
  const { args, request, selection, required } = prepared;
  try {
    await checkReachable(request);
    if (request.kind === 'external' && request.baseUrl) await checkIsTheApp(request.baseUrl);
  } catch (error) {
    if (error instanceof UnreachableError || error instanceof NotTheAppError) {
      warn(`gate: ${error.message}\n`);
      return EXIT.unreachable;
    }
    throw error;
  }

  const startedAt = new Date();
  const run = openRunDir(resolve(args.reportsDir), startedAt);
  const progress = new Progress(process.stderr, (text) => redactor.redact(text));
  const steps: GateSteps = {
    args,
    request,
    selection,
    required,
    run,
    progress,
    redactor,
    startedAt,
    env,
    scope: args.scope,
  };
  const outcome = await runGateSteps(steps);
  if (outcome.kind === 'unreachable') {
    warn(`gate: ${outcome.message}\n`);
    return EXIT.unreachable;
  }
  if (outcome.kind === 'interrupted') return EXIT.interrupted;
  say(`${formatTable(outcome.verdict)}\n`);
  const shown = (path: string): string => path.replace(`${process.cwd()}/`, '');
  if (outcome.complete) {
    say(
      `reports: ${shown(outcome.dir)}/ (also ${shown(resolve(args.reportsDir, 'latest'))}/ and ${shown(resolve(args.reportsDir))}/gate.json, junit.xml, gate.html; gate.html links every file)\n`,
    );
  } else {
    say(
      `partial run (--only ${args.filters.join(' --only ')}): reports in ${shown(outcome.dir)}/ only; ${shown(resolve(args.reportsDir))}/gate.json, junit.xml, gate.html and latest/ still show the last complete run\n`,
    );
  }
  say(`${outcome.comparison}\n`);
  if (outcome.verdict.pass) return EXIT.pass;
  return outcome.verdict.hostBusy ? EXIT.hostBusy : EXIT.fail;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const redactor = new Redactor(secretsFromEnv(gateEnv()));
      process.stderr.write(redactor.redact(`gate: ${(error as Error)?.stack ?? String(error)}\n`));
      process.exit(EXIT.fail);
    },
  );
}

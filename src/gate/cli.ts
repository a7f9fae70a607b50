/**
 * The deploy gate: config audit -> acceptance suites -> optional k6 load -> one verdict table.
 * `npm start` proves the embedded local stack; `npm run gate -- --target external --base-url … --redis-url …`
 * proves a deployment. Exit 0 only when every criterion passes, 1 otherwise, 2 on a usage error.
 */
import { join, resolve } from 'node:path';
import { type StartedTarget, startTarget, TargetError, targetFromEnv } from '../../acceptance/target/index.ts';
import { applyToEnv, type GateArgs, parseArgs, USAGE, UsageError } from './args.ts';
import { clearRecords, readRecords } from './figures.ts';
import { Progress } from './progress.ts';
import { writeGateHtml } from './reports/html.ts';
import { writeGateJson } from './reports/json.ts';
import { writeJunit } from './reports/junit.ts';
import { REPOSITORY_ROOT, runAcceptance } from './run-acceptance.ts';
import { runAudit } from './run-audit.ts';
import { runLoad } from './run-load.ts';
import { type AuditOutcome, buildVerdict, formatTable, type LoadOutcome, type SuiteResult } from './verdict.ts';

export const EXIT = { pass: 0, fail: 1, usage: 2 } as const;

export async function main(argv: readonly string[]): Promise<number> {
  let args: GateArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`gate: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.pass;
  }
  applyToEnv(args);
  const reportsDir = resolve(args.reportsDir);
  process.env.ACCEPTANCE_REPORTS_DIR = join(reportsDir, 'acceptance');

  const startedAt = new Date();
  const progress = new Progress();
  let request: ReturnType<typeof targetFromEnv>;
  try {
    request = targetFromEnv();
  } catch (error) {
    process.stderr.write(`gate: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  clearRecords();

  let target: StartedTarget | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    progress.done(`interrupted by ${signal}: stopping the target`);
    void (target?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let audit: AuditOutcome = { status: 'fail', figure: '—', detail: 'not run' };
  let suites: SuiteResult[] = [];
  let load: LoadOutcome = { status: 'skip', figure: '—', bound: 'k6 thresholds', detail: 'not run' };
  let targetName: string = request.kind;
  let startFailure: string | undefined;
  try {
    progress.update(
      request.kind === 'external'
        ? `target external: ${request.baseUrl ?? '(no BASE_URL)'}`
        : `starting the ${request.kind} target: redis-server, PostgreSQL, seeded two-worker service…`,
    );
    try {
      target = await startTarget(request, (line) => progress.update(line));
    } catch (error) {
      startFailure = (error as Error).message.split('\n')[0] ?? String(error);
      if (error instanceof TargetError && error.code === 'E_NO_CONTAINER_RUNTIME') {
        progress.done();
        process.stderr.write(`gate: ${startFailure}\n`);
        return EXIT.fail;
      }
    }
    if (target) {
      targetName = `${target.info.kind} (${target.info.baseUrl})`;
      progress.update('config audit of the live Redis…');
      audit = await runAudit(target.info.redisUrl, target.info.redisPassword, target.info.auditExpected);
      progress.update(`config audit: ${audit.status} (${audit.figure}); acceptance suites…`);
      const run = await runAcceptance({ target, filters: args.filters, reportsDir, progress });
      suites = run.suites;
      progress.update('load step…');
      load = await runLoad({ root: REPOSITORY_ROOT, target: target.info, reportsDir, skip: args.skipLoad });
    } else {
      audit.detail = `target did not start: ${startFailure}`;
    }
  } finally {
    progress.update('stopping the target…');
    await target?.stop().catch(() => {});
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  progress.done('done');

  const records = readRecords();
  const verdict = buildVerdict({
    target: targetName,
    startedAt,
    finishedAt: new Date(),
    audit,
    suites,
    records,
    load,
  });
  if (startFailure) process.stdout.write(`target did not start: ${startFailure}\n\n`);
  process.stdout.write(`${formatTable(verdict)}\n`);
  const written = [
    writeGateJson(reportsDir, verdict, records),
    writeJunit(reportsDir, verdict),
    writeGateHtml(reportsDir, verdict, records),
  ];
  process.stdout.write(`reports: ${written.map((p) => p.replace(`${process.cwd()}/`, '')).join(', ')}\n`);
  return verdict.pass ? EXIT.pass : EXIT.fail;
}

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`gate: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(EXIT.fail);
    },
  );
}

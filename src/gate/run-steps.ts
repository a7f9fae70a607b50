/**
 * The gate's steps once its input is known to be good: say how long the run will take, start the target, audit its
 * Redis, run the selected acceptance suites, the load step, judge, then write every report into the run's own
 * directory. A complete run of its scope is published (reports/latest and the top-level files); a partial one
 * (`--only`) is kept in reports/runs/<time>-partial/ and an interrupted one leaves reports/runs/<time>-interrupted/.
 */
import { join } from 'node:path';
import { type StartedTarget, startTarget, TargetError, type TargetRequest } from '../../acceptance/target/index.ts';
import type { Redactor } from '../secrets/redact.ts';
import type { GateArgs } from './args.ts';
import { compareRuns, comparisonLine } from './compare.ts';
import { estimateDuration, formatDuration } from './estimate.ts';
import { clearRecords, readRecords } from './figures.ts';
import type { Progress } from './progress.ts';
import { type GateReport, writeReports } from './reports/gate-report.ts';
import { pastRuns, type RunKey } from './reports/previous.ts';
import { discardRunDir, keepPartialRun, markInterrupted, publishRunDir, type RunDir } from './reports/run-dir.ts';
import { appendStepSummary } from './reports/step-summary.ts';
import { buildTrend } from './reports/trend.ts';
import { REPOSITORY_ROOT, runAcceptance } from './run-acceptance.ts';
import { type AuditCheck, runAudit, slotWalCheck, withCheck } from './run-audit.ts';
import { runLoad } from './run-load.ts';
import {
  checkoutState,
  endLoad,
  postgresVersion,
  type RunMetadata,
  redisVersion,
  startMetadata,
} from './run-metadata.ts';
import type { Selection } from './selection.ts';
import { type AuditOutcome, buildVerdict, type LoadOutcome, type SuiteResult, type Verdict } from './verdict.ts';

export interface GateSteps {
  args: GateArgs;
  request: TargetRequest;
  selection: Selection;
  required: string[];
  run: RunDir;
  progress: Progress;
  redactor: Redactor;
  startedAt: Date;
  env: NodeJS.ProcessEnv;
  /** The scope being run (deploy, full): part of the comparison key. */
  scope: string;
  /** The registry's estimate for the selected rows in seconds, used when no earlier run has a duration. */
  estimateSeconds?: number;
}

export type GateOutcome =
  | {
      kind: 'done';
      verdict: Verdict;
      /** Where the run's reports are: reports/runs/<time>/ (complete) or reports/runs/<time>-partial/. */
      dir: string;
      complete: boolean;
      /** The one-line comparison with the previous complete run of the same kind. */
      comparison: string;
    }
  | { kind: 'unreachable'; message: string }
  | { kind: 'interrupted' };

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How many earlier runs the trend of each figure shows. */
const TREND_RUNS = 9;

/** The comparison key before the target starts: an embedded target's key is its kind (and topology). */
function runKeyOf(steps: GateSteps, targetKey?: string): RunKey {
  const { request } = steps;
  const topology = request.topology ?? 'single';
  const key =
    targetKey ??
    (request.kind === 'external'
      ? steps.redactor.redact(`external ${request.baseUrl}`)
      : `${request.kind === 'auto' ? 'local' : request.kind}${topology === 'single' ? '' : `/${topology}`}`);
  return { targetKey: key, topology, scope: steps.scope };
}

export async function runGateSteps(steps: GateSteps): Promise<GateOutcome> {
  const { request, selection, run, progress, redactor } = steps;
  const records = join(run.dir, 'acceptance');
  steps.env.ACCEPTANCE_REPORTS_DIR = records;
  clearRecords(records);
  const start = startMetadata(REPOSITORY_ROOT);
  const checkoutAtStart = checkoutState(REPOSITORY_ROOT);
  const complete = steps.args.filters.length === 0;
  const what = `${complete ? '' : 'partial '}${steps.scope}-scope run`;
  const estimate = estimateDuration(
    pastRuns(run.root, runKeyOf(steps), run.name),
    steps.estimateSeconds,
    pastRuns(run.root, runKeyOf(steps), run.name, 10, true),
    complete ? undefined : selection.ids,
  );
  progress.note(
    estimate
      ? `gate: ${what} on ${steps.redactor.redact(runKeyOf(steps).targetKey)}: expected to take about ${formatDuration(estimate.seconds)} (${estimate.source})`
      : `gate: ${what} on ${steps.redactor.redact(runKeyOf(steps).targetKey)}: no estimate yet (no earlier run of this scope)`,
  );

  let target: StartedTarget | undefined;
  let interrupted = false;
  // `on`, not `once`: while this handler is registered the stack's own exit hooks (src/stack/cleanup.ts) see another
  // listener and do not re-raise the signal, so the unfinished run is removed and the target stopped before exit.
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    progress.done(
      `interrupted by ${signal}: stopping the target; nothing published (reports/runs/${run.name}-interrupted/gate.json)`,
    );
    markInterrupted(run, interruptedRecord(signal));
    // the steps go on while the target stops and may write into the run again (vitest's global setup brought the
    // .partial directory back): onExit discards it once more
    void (target?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  // vitest, while it runs the suites in this process, exits it 1 ms after SIGINT/SIGTERM (its own handler), before
  // the target has stopped: the last discard happens on exit, whoever exits
  let signalSeen: NodeJS.Signals = 'SIGINT';
  const interruptedRecord = (signal: NodeJS.Signals) => {
    signalSeen = signal;
    return {
      interrupted: signal,
      scope: steps.scope,
      only: steps.args.filters,
      startedAt: steps.startedAt.toISOString(),
      interruptedAt: new Date().toISOString(),
      note: 'interrupted: its partial figures were discarded; reports/latest and the top-level files were left as they were',
    };
  };
  const onExit = (): void => {
    if (interrupted) markInterrupted(run, interruptedRecord(signalSeen));
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);

  let audit: (AuditOutcome & { checks?: AuditCheck[] }) | undefined;
  let suites: SuiteResult[] = [];
  let unhandledErrors: string[] = [];
  let load: LoadOutcome | undefined;
  let versions = { redis: 'not reached', postgres: 'not reached' };
  let targetName: string = request.kind;
  try {
    progress.update(
      request.kind === 'external'
        ? `target external: ${request.baseUrl}`
        : `starting the ${request.kind} target: redis-server, PostgreSQL, seeded two-worker service…`,
    );
    try {
      target = await startTarget(request, (line) => progress.update(line));
    } catch (error) {
      progress.done();
      discardRunDir(run);
      const message = (error as Error).message.split('\n')[0] ?? String(error);
      if (error instanceof TargetError && error.code === 'E_NO_CONTAINER_RUNTIME') {
        return { kind: 'unreachable', message };
      }
      return { kind: 'unreachable', message: `the ${request.kind} target did not start: ${message}` };
    }
    const info = target.info;
    redactor.add(
      info.redisPassword,
      info.redisTopology?.kind === 'sentinel' ? info.redisTopology.sentinelPassword : undefined,
      info.admin?.password,
      ...info.users.map((u) => u.password),
    );
    const topology = info.redisTopology ? `/${info.redisTopology.kind}` : '';
    targetName = `${info.kind}${topology} (${info.baseUrl})`;
    versions = {
      redis: await redisVersion(info.redisUrl, info.redisPassword),
      postgres: await postgresVersion(info.databaseUrl),
    };
    if (selection.audit) {
      progress.update('config audit of the live Redis…');
      let outcome = await runAudit(info.redisUrl, info.redisPassword, info.auditExpected);
      // an external target's PostgreSQL: can the invalidator's slot fill its disk? (issue 22 item 7)
      if (request.kind === 'external') outcome = withCheck(outcome, await slotWalCheck(info.databaseUrl));
      audit = { ...outcome, checks: outcome.report?.checks };
      progress.update(`config audit: ${audit.status} (${audit.figure})`);
    }
    if (selection.acceptance) {
      progress.update('acceptance suites…');
      const result = await runAcceptance({
        target,
        filters: selection.vitestFilters,
        reportsDir: run.dir,
        progress,
      });
      suites = result.suites;
      unhandledErrors = result.unhandledErrors;
    }
    if (selection.load) {
      progress.update('load step…');
      load = await runLoad({ root: REPOSITORY_ROOT, target: info, reportsDir: run.dir, skip: steps.args.skipLoad });
    }
  } finally {
    progress.update('stopping the target…');
    await target?.stop().catch(() => {});
    for (const s of SIGNALS) process.off(s, onSignal);
    process.off('exit', onExit);
  }
  if (interrupted) {
    // the signal handler exits once the target is stopped; nothing of this run is published meanwhile
    markInterrupted(run, interruptedRecord(signalSeen));
    return { kind: 'interrupted' };
  }
  progress.done('done');

  const recorded = readRecords(records);
  const verdict = buildVerdict({
    target: redactor.redact(targetName),
    startedAt: steps.startedAt,
    finishedAt: new Date(),
    audit,
    acceptanceRan: selection.acceptance,
    suites,
    unhandledErrors,
    checkoutChanged: checkoutState(REPOSITORY_ROOT) !== checkoutAtStart,
    records: recorded,
    load,
    selection: selection.ids,
    topology: request.topology ?? 'single',
    required: steps.required,
    only: steps.args.filters,
  });
  const key = runKeyOf(steps, request.kind === 'external' ? undefined : targetName.split(' ')[0]);
  const metadata: RunMetadata = {
    ...start,
    ...versions,
    target: verdict.target,
    targetKey: key.targetKey,
    topology: key.topology,
    scope: key.scope,
    complete,
    loadEnd: endLoad(),
  };
  const past = pastRuns(run.root, key, run.name, TREND_RUNS);
  const previous = past[0];
  const comparison = previous ? compareRuns(verdict.rows, previous) : undefined;
  const report: GateReport = {
    verdict,
    records: recorded,
    auditChecks: audit?.checks ?? [],
    metadata,
    comparison,
    trend: buildTrend(past, { name: run.name, rows: verdict.rows }),
    runName: run.name,
  };
  writeReports(run.dir, report, redactor);
  redactor.redactTree(run.dir);
  const dir = complete ? publishRunDir(run) : keepPartialRun(run);
  const line = redactor.redact(comparisonLine(comparison, `${key.scope}-scope`));
  appendStepSummary(
    steps.env,
    {
      verdict,
      scope: key.scope,
      complete,
      comparison: line,
      reportsPath: dir.replace(`${process.cwd()}/`, ''),
    },
    redactor,
  );
  return { kind: 'done', verdict, dir, complete, comparison: line };
}

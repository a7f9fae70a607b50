/**
 * One fault row in one mode: the write → cross-worker-read workload on a fault environment (the local target's
 * private stack and service, guarded or control — local-environment.ts —, or an external target with fault control
 * granted — external-environment.ts) before, during and after the fault, then every cached entry compared with
 * PostgreSQL. Returns the row's figures.
 */
import { Redis } from 'ioredis';
import { setting } from '../../config.ts';
import { backgroundLoadWanted, startBackgroundLoad } from './background-load.ts';
import { compareEntries, type EntryComparison } from './entries.ts';
import type { FaultControl } from './fault-control.ts';
import { describeStaleRead, startWorkload, type Workload } from './workload.ts';

export type FaultMode = 'guarded' | 'control';

/** Where a row runs: two workers, their Redis and PostgreSQL, and a way to inject faults. */
export interface FaultEnvironment {
  workerUrls: [string, string];
  /** Redis as the test reaches it (F6: over the link that stays up). */
  redisUrl: string;
  redisPassword?: string;
  databaseUrl: string;
  control: FaultControl;
  stop(): Promise<void>;
}

/** What a fault gets to act on. */
export interface FaultContext {
  control: FaultControl;
  workerUrls: [string, string];
  /** A plain client on Redis (F6: over the link that stays up). */
  admin: Redis;
  databaseUrl: string;
  workload: Workload;
  sleep(ms: number): Promise<void>;
  /**
   * Marks the moment Redis answers again (restarted, resumed, healed, the flush or the eviction over; F5: PostgreSQL
   * back): the "first hit after recovery" clock starts here. Not called: when the injection returns.
   */
  redisBack(): void;
}

export interface FaultDefinition {
  id: string;
  title: string;
  /**
   * F6: Redis in its own network namespace; worker 1 (the writer of the fault) and worker 2 run as two one-worker
   * services sharing the session secret, worker 1 reaching Redis over the link `partition()` cuts, worker 2 and
   * the invalidator over the other one.
   */
  partitionedRedis?: boolean;
  /**
   * Extra environment of the control run. Where the design before the invalidator survives the fault on its own
   * (F3 FLUSHALL, F4 eviction: see docs/invalidation.md), the control adds FastNPC's forgotten invalidation
   * (FASTNPC_TEST_SKIP_INVALIDATION) so it shows the row's checks catch a stale entry under that fault.
   */
  controlEnv?: NodeJS.ProcessEnv;
  /** Injects the fault and returns when it is healed (the recovery clock starts then). */
  inject(ctx: FaultContext): Promise<void>;
}

export interface FaultFigures {
  id: string;
  mode: FaultMode;
  requests: number;
  /** Requests answered 500 (never allowed). */
  errors500: number;
  /** All 5xx (503 while PostgreSQL restarts is the designed answer). */
  errors5xx: number;
  /** Requests that got no HTTP answer (connection refused while a worker restarts, time-outs). */
  unanswered: number;
  stale: number;
  /** p95 of request time while the fault was on (ms). */
  p95FaultMs: number;
  /** From heal until every user's round went through the cache again (ms); -1 = not within the wait. */
  recoveryMs: number;
  /**
   * From Redis answering again (FaultContext.redisBack) until worker 2's first cache hit (the probe reads every
   * 50 ms; worker 2 is never paused or killed by a row); -1 = none within the wait.
   */
  firstHitMs: number;
  /** The same for worker 1 (F2 pauses it and F7 kills it while Redis comes back: later there). */
  firstHitWorker1Ms: number;
  /**
   * The first hit's calibration: p95 (ms) of worker 2's no-work liveness route, timed between the probe's reads from
   * Redis answering again until the bound (or the first hit, if later); -1 without samples.
   */
  livenessP95Ms: number;
  /** Requests and writes of the background load (background-load.ts) during the row; 0 when it is off. */
  backgroundRequests: number;
  backgroundWrites: number;
  /** /metrics showed the fault (fence or breaker gauge at 1, or cache errors counted). */
  metricsShowed: boolean;
  entries: EntryComparison;
  faultMs: number;
  /** The first few stale reads: time relative to the fault's start, expected and served value. */
  staleExamples: string[];
}

/**
 * Issue 22's goal for the first cache hit after Redis answers again, guarded runs: reported as met or not, not gated
 * yet — on the quiet machine F3 and F4 read 686–933 ms, too close to it for a CI gate (docs/invalidation.md).
 */
export const FIRST_HIT_GOAL_MS = 1_000;
/** The gated bound: twice the goal, still far below the 2–13 s the cache stayed off before issue 22. */
export const FIRST_HIT_BOUND_MS = 2_000;

/**
 * Above this liveness p95 (a request that does no work; ≈ 1–3 ms on the quiet machine under the rows' background
 * load) the host is too busy to judge the first hit against its bound: a first hit later than the bound then reads
 * NOT MEASURABLE "host too busy", never FAIL (issue 19); no first hit at all always fails.
 */
export const FIRST_HIT_BUSY_LIVENESS_MS = 50;

/** PASS, FAIL or NOT MEASURABLE (host too busy) for the first cache hit after Redis answered again. */
export function judgeFirstHit(
  firstHitMs: number,
  livenessP95Ms: number,
): { status: 'pass' | 'fail' | 'not-measurable'; reason: string } {
  if (firstHitMs >= 0 && firstHitMs <= FIRST_HIT_BOUND_MS) return { status: 'pass', reason: '' };
  if (firstHitMs < 0) return { status: 'fail', reason: 'no cache hit on worker 2 after Redis answered again' };
  if (livenessP95Ms > FIRST_HIT_BUSY_LIVENESS_MS) {
    return {
      status: 'not-measurable',
      reason: `host too busy: first cache hit ${firstHitMs} ms > ${FIRST_HIT_BOUND_MS} ms with worker 2's liveness p95 ${livenessP95Ms} ms (> ${FIRST_HIT_BUSY_LIVENESS_MS} ms) in the same window — run it again on a quieter host`,
    };
  }
  return {
    status: 'fail',
    reason: `first cache hit ${firstHitMs} ms > ${FIRST_HIT_BOUND_MS} ms on a quiet host (liveness p95 ${livenessP95Ms < 0 ? 'not sampled' : `${livenessP95Ms} ms`})`,
  };
}

/** How long after the heal a row may take to recover before its recovery time is recorded as -1. */
export const RECOVERY_WAIT_MS = 45_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function p95(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]! * 10) / 10;
}

/** Scrapes both workers' /metrics; true when a fence/breaker gauge is 1 or cache errors grew since `baseline`. */
async function scrape(urls: string[]): Promise<{ raised: boolean; errors: number }> {
  let raised = false;
  let errors = 0;
  for (const url of urls) {
    try {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
      if (/^fastnpc_cache_(fenced|breaker_open)\{[^}]*\} 1$/m.test(text)) raised = true;
      if (/^fastnpc_http_request_duration_seconds_count\{[^}]*status="503"[^}]*\} [1-9]/m.test(text)) raised = true;
      for (const m of text.matchAll(/^fastnpc_cache_errors_total\{[^}]*\} (\d+)/gm)) errors += Number(m[1]);
    } catch {
      // a worker restarting (F7)
    }
  }
  return { raised, errors };
}

export async function runFault(
  fault: FaultDefinition,
  mode: FaultMode,
  start: () => Promise<FaultEnvironment>,
): Promise<FaultFigures> {
  const environment = await start();
  const { redisUrl, databaseUrl, control } = environment;
  const admin = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    ...(environment.redisPassword ? { password: environment.redisPassword } : {}),
  });
  admin.on('error', () => {});
  try {
    const urls = environment.workerUrls;
    const workload = await startWorkload(urls);
    const background = await startBackgroundLoad(urls, backgroundLoadWanted());
    await sleep(1_500); // warm: every entry cached on both workers
    const baseline = await scrape(urls);
    let metricsShowed = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const now = await scrape(urls);
        if (now.raised || now.errors > baseline.errors) metricsShowed = true;
        await sleep(150);
      }
    })();
    const faultStart = Date.now();
    let redisBackAt: number | undefined;
    try {
      await fault.inject({
        control,
        workerUrls: urls,
        admin,
        databaseUrl,
        workload,
        sleep,
        redisBack: () => {
          redisBackAt ??= Date.now();
        },
      });
    } finally {
      workload.resume();
    }
    const healed = Date.now();
    redisBackAt ??= healed;
    workload.freezeSlowWriters();
    let recovered: number | undefined;
    // a restarted worker (F7) needs seconds to start on a busy 2-core machine
    while (Date.now() - healed < RECOVERY_WAIT_MS) {
      recovered = workload.recoveredAt(healed);
      if (recovered !== undefined) break;
      await sleep(100);
    }
    await sleep(1_000); // after recovery: reads that would find what the fault left behind
    await workload.stop();
    await background.stop();
    watching = false;
    await watcher;
    if (mode === 'guarded') await sleep(500); // the invalidator's last deletions
    const entries = await compareEntries(redisUrl, databaseUrl, environment.redisPassword);
    const during = workload.samples.filter((s) => s.at >= faultStart);
    if (setting('FAULT_DEBUG')) {
      const back = redisBackAt;
      const line = background.probes
        .filter((p) => p.doneAt >= back - 2_000 && p.doneAt <= back + 3_000)
        .map((p) => `w${p.worker}:${p.startedAt - back}..${p.doneAt - back}:${p.cache ?? 'x'}`)
        .join(' ');
      console.log(`[fault-debug] ${fault.id} probes around Redis back: ${line}`);
    }
    return {
      id: fault.id,
      mode,
      requests: during.length,
      errors500: during.filter((s) => s.status === 500).length,
      errors5xx: during.filter((s) => s.status >= 500).length,
      unanswered: during.filter((s) => s.status === 0).length,
      stale: workload.stale.length,
      p95FaultMs: p95(workload.samples.filter((s) => s.at >= faultStart && s.at <= healed).map((s) => s.ms)),
      recoveryMs: recovered === undefined ? -1 : recovered - healed,
      firstHitMs: background.firstHitAfter(redisBackAt, 2) ?? -1,
      firstHitWorker1Ms: background.firstHitAfter(redisBackAt, 1) ?? -1,
      livenessP95Ms:
        background.livenessP95(
          redisBackAt,
          redisBackAt + Math.max(FIRST_HIT_BOUND_MS, background.firstHitAfter(redisBackAt, 2) ?? 0),
        ) ?? -1,
      backgroundRequests: background.requests,
      backgroundWrites: background.writes,
      metricsShowed,
      entries,
      faultMs: healed - faultStart,
      staleExamples: workload.stale
        .slice(0, 5)
        .map((s) => `+${s.at - faultStart} ms (heal +${healed - faultStart} ms) ${describeStaleRead(s)}`),
    };
  } finally {
    admin.disconnect();
    await environment.stop();
  }
}

/** One line of the fault table. */
export function formatFigures(f: FaultFigures): string {
  return (
    `${f.id} ${f.mode}: requests ${f.requests}, 500 ${f.errors500}, 5xx ${f.errors5xx}, unanswered ${f.unanswered}, ` +
    `stale ${f.stale}, p95 during fault ${f.p95FaultMs} ms, recovery ${f.recoveryMs} ms, first hit after Redis ` +
    `answered again ${f.firstHitMs} ms (worker 1: ${f.firstHitWorker1Ms} ms), background load ` +
    `${f.backgroundRequests} requests / ${f.backgroundWrites} writes, /metrics showed it ` +
    `${f.metricsShowed ? 'yes' : 'no'}, entries compared ${f.entries.compared}, mismatches ${f.entries.mismatches}` +
    ` (fault ${f.faultMs} ms)`
  );
}

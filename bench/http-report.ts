// What `npm run bench:http` prints and writes: the human tables (concurrency, the plan's load), the verdict on each
// goal per version (met / NOT MET / NOT JUDGED) and the same figures as JSON (--json FILE).
import { cpus } from 'node:os';
import type { LoadResult } from './http-load.ts';
import { type BenchOptions, GOAL_RATIO, PLAN_P99_MS, PLAUSIBLE_RATIO } from './http-options.ts';
import { type ConcurrencyResult, type FloorResults, type PlanResult, resultKey } from './http-phases.ts';
import { LOOP_DELAY_SAMPLING_MS } from './http-probes.ts';
import type { Route, Target } from './http-target.ts';

export interface Measured {
  table: Map<string, ConcurrencyResult>;
  misses: number[];
  plan: Map<string, PlanResult>;
  floor: FloorResults;
  /** loadavg() at the start, after the concurrency runs, at the end. */
  loads: [number[], number[], number[]];
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The loop's delay beyond the histogram's sampling interval (http-probes.ts), ms. */
const beyondSampling = (ms: number): number => Math.max(0, ms - LOOP_DELAY_SAMPLING_MS);

const percentiles = (x: LoadResult) => ({
  p50: x.p50,
  p95: x.p95,
  p99: x.p99,
  p999: x.p999,
  maxSendLagMs: x.maxSendLagMs,
  connectionsOpened: x.connectionsOpened,
});

/** The report's text and its JSON form. */
export function report(targets: Target[], options: BenchOptions, m: Measured): { text: string; json: unknown } {
  const [load1, load2, load3] = m.loads;
  const top = Math.max(...options.connections);
  const lines = [
    `Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}; load average (1/5/15 min) ${load1.map((l) => l.toFixed(2)).join(' / ')} at start, ${load2.map((l) => l.toFixed(2)).join(' / ')} after the concurrency runs, ${load3.map((l) => l.toFixed(2)).join(' / ')} at the end`,
    `Service: 2 workers on one port (node:cluster), private redis-server and PostgreSQL per version (${targets.map((t) => t.label).join(', ')}); load generator: autocannon in its own process, ${options.durationSec} s per run, median of ${options.rounds} rounds in rotating order.`,
    '',
    "| version | route | connections | requests/s | ceiling requests/s | vs ceiling | p50 ms | p95 ms | p99 ms | p99.9 ms | Redis reads (GET/MGET) per request | workers' CPU µs/request | ceiling's ÷ route's CPU | Redis CPU µs/request |",
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const json = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    loadAverage: { start: load1, afterConcurrency: load2, end: load3 },
    settings: {
      connections: options.connections,
      durationSec: options.durationSec,
      rounds: options.rounds,
      planRate: options.planRate,
      planDurationSec: options.planDurationSec,
    },
    goals: { ratioAtTopConcurrency: GOAL_RATIO, planP99Ms: PLAN_P99_MS },
    /** loopDelay*Ms figures include it; loopDelayBeyondSampling*Ms do not. */
    loopDelaySamplingMs: LOOP_DELAY_SAMPLING_MS,
    /** A bare node:http server at the plan's load, before and after the routes (bench/http-floor.ts). */
    floor: { before: percentiles(m.floor.before), after: percentiles(m.floor.after) },
    versions: [] as unknown[],
  };
  // the better of the floor's two runs: if even that is ≥ the bound, the host (not the service) made the tail
  const floorP99 = Math.min(m.floor.before.p99, m.floor.after.p99);
  const verdicts: string[] = [];
  for (const t of targets) {
    const concurrency = [];
    for (const connections of options.connections) {
      const ceiling = m.table.get(resultKey(t, t.routes[0] as Route, connections)) as ConcurrencyResult;
      for (const r of t.routes) {
        const x = m.table.get(resultKey(t, r, connections)) as ConcurrencyResult;
        const ratio = x.requestsPerSec / ceiling.requestsPerSec;
        const cpuRatio = (ceiling.workerCpuUsPerRequest ?? Number.NaN) / (x.workerCpuUsPerRequest ?? Number.NaN);
        lines.push(
          `| ${t.label} | ${r.name} | ${connections} | ${fmt(x.requestsPerSec)} | ${fmt(ceiling.requestsPerSec)} | ${ratio.toFixed(2)}× | ${fmt(x.p50, 2)} | ${fmt(x.p95, 2)} | ${fmt(x.p99, 2)} | ${fmt(x.p999, 2)} | ${(x.redisReadsPerRequest ?? Number.NaN).toFixed(2)} | ${fmt(x.workerCpuUsPerRequest ?? Number.NaN, 1)} | ${cpuRatio.toFixed(2)}× | ${fmt(x.redisCpuUsPerRequest ?? Number.NaN, 1)} |`,
        );
        concurrency.push({
          route: r.name,
          path: r.path,
          cached: r.cached,
          connections,
          requestsPerSec: x.requestsPerSec,
          ceilingRequestsPerSec: ceiling.requestsPerSec,
          ratio,
          p50: x.p50,
          p95: x.p95,
          p99: x.p99,
          p999: x.p999,
          redisReadsPerRequest: x.redisReadsPerRequest,
          workerCpuUsPerRequest: x.workerCpuUsPerRequest,
          ceilingWorkerCpuUsPerRequest: ceiling.workerCpuUsPerRequest,
          cpuRatio,
          redisCpuUsPerRequest: x.redisCpuUsPerRequest,
        });
      }
    }
    const planRows = t.routes.map((r) => {
      const x = m.plan.get(`${t.label}|${r.name}`) as PlanResult;
      return {
        route: r.name,
        path: r.path,
        cached: r.cached,
        rate: options.planRate,
        requests: x.requests,
        ...percentiles(x),
        serverWithin5ms: x.serverWithin5ms,
        loopDelayP99Ms: x.loopDelayP99Ms,
        loopDelayMaxMs: x.loopDelayMaxMs,
        loopDelayBeyondSamplingP99Ms: beyondSampling(x.loopDelayP99Ms),
        loopDelayBeyondSamplingMaxMs: beyondSampling(x.loopDelayMaxMs),
        gcCount: x.gcCount,
        gcOver1ms: x.gcOver1ms,
      };
    });
    const ratios = concurrency.filter((c) => c.cached && c.connections === top);
    const worstRatio = Math.min(...ratios.map((c) => c.ratio));
    const worstP99 = Math.max(...planRows.filter((p) => p.cached).map((p) => p.p99));
    const bestRatio = Math.max(...concurrency.filter((c) => c.cached).map((c) => c.ratio));
    const ratioJudged = bestRatio <= PLAUSIBLE_RATIO;
    const ratioMet = ratioJudged && worstRatio >= GOAL_RATIO;
    const p99Met = worstP99 < PLAN_P99_MS;
    const p99Judged = floorP99 < PLAN_P99_MS;
    const ratioVerdict = ratioJudged
      ? ratioMet
        ? 'met'
        : 'NOT MET'
      : `NOT JUDGED: a cached route ran at ${bestRatio.toFixed(2)}× the ceiling, so the ceiling's run was disturbed by other load`;
    verdicts.push(
      `${t.label}: slowest cached route at ${top} connections ${worstRatio.toFixed(3)}× the ceiling (goal ≥ ${GOAL_RATIO.toFixed(2)}×: ${ratioVerdict}); worst cached p99 at the plan's load ${worstP99.toFixed(2)} ms (goal < ${PLAN_P99_MS} ms: ${p99Met ? 'met' : p99Judged ? 'NOT MET' : `NOT JUDGED: the machine's floor, a bare node:http server, read p99 ${floorP99.toFixed(2)} ms itself`})`,
    );
    json.versions.push({
      label: t.label,
      keyspaceMisses: m.misses[targets.indexOf(t)],
      concurrency,
      planLoad: planRows,
      goals: {
        worstRatio,
        ratioJudged,
        ratioMet,
        worstPlanP99Ms: worstP99,
        planP99Judged: p99Judged,
        planP99Met: p99Met,
      },
    });
  }
  lines.push(
    '',
    `Redis keyspace misses during the timed runs: ${m.misses.join(' / ')} (list entries expire after their TTL and are reloaded).`,
    '',
    `At the plan's load (${options.planRate} requests/s evenly spaced over 10 keep-alive connections for ${options.planDurationSec} s, latency counted from each request's due instant; bench/paced-load.ts). "server ≤ 5 ms": share of the requests the workers themselves timed (onRequest → onResponse) within 5 ms:`,
    '',
    `"loop delay": the workers' event-loop delay beyond the histogram's ${LOOP_DELAY_SAMPLING_MS} ms sampling interval (an idle process reads ≈ 0–3 ms; bench/http-probes.ts). The floor: a bare node:http server (no framework, no cache) in its own process, before and after the routes (bench/http-floor.ts).`,
    '',
    "| version | route | requests | p50 ms | p95 ms | p99 ms | p99.9 ms | generator lag max ms | connections opened | server ≤ 5 ms | workers' loop delay p99 / max ms | GCs (> 1 ms) | p99 < 5 ms |",
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const [when, x] of [
    ['before', m.floor.before],
    ['after', m.floor.after],
  ] as const) {
    lines.push(
      `| — | floor: bare node:http (${when}) | ${fmt(x.requests)} | ${fmt(x.p50, 2)} | ${fmt(x.p95, 2)} | ${fmt(x.p99, 2)} | ${fmt(x.p999, 2)} | ${fmt(x.maxSendLagMs ?? Number.NaN, 2)} | ${x.connectionsOpened ?? '—'} | — | — | — | ${x.p99 < PLAN_P99_MS ? 'yes' : 'NO'} |`,
    );
  }
  for (const t of targets) {
    for (const r of t.routes) {
      const x = m.plan.get(`${t.label}|${r.name}`) as PlanResult;
      lines.push(
        `| ${t.label} | ${r.name} | ${fmt(x.requests)} | ${fmt(x.p50, 2)} | ${fmt(x.p95, 2)} | ${fmt(x.p99, 2)} | ${fmt(x.p999, 2)} | ${fmt(x.maxSendLagMs ?? Number.NaN, 2)} | ${x.connectionsOpened ?? '—'} | ${(100 * x.serverWithin5ms).toFixed(2)} % | ${fmt(beyondSampling(x.loopDelayP99Ms), 1)} / ${fmt(beyondSampling(x.loopDelayMaxMs), 1)} | ${x.gcCount} (${x.gcOver1ms}) | ${x.p99 < PLAN_P99_MS ? 'yes' : 'NO'} |`,
      );
    }
  }
  lines.push('', ...verdicts.map((v) => `- ${v}.`));
  const missed = verdicts.filter((v) => v.includes('NOT MET') || v.includes('NOT JUDGED'));
  if (missed.length > 0) {
    lines.push('', `GOALS NOT MET (or not judged) in ${missed.length} of ${verdicts.length} version(s).`);
  }
  return { text: lines.join('\n'), json };
}

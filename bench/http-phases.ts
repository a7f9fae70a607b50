// The two phases of `npm run bench:http`: every route of every version at fixed concurrency (autocannon, rounds in
// rotating order, the median round kept, with CPU and Redis reads per request), then every route at the plan's load
// (evenly spaced, the versions taking turns route by route, with what the workers saw themselves).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_V8_FLAGS } from '../src/service/cluster.ts';
import type { LoadJob, LoadResult } from './http-load.ts';
import type { BenchOptions } from './http-options.ts';
import {
  keyspaceMisses,
  processCpuSeconds,
  redisCpuSeconds,
  redisReads,
  type WorkerFigures,
  workerFigures,
} from './http-probes.ts';
import { type Route, routePattern, type Target } from './http-target.ts';

const LOAD = join(dirname(fileURLToPath(import.meta.url)), 'http-load.ts');

/** CPU figures of one run: CPU time per request of the workers and of Redis, µs. */
export interface CpuPerRequest {
  workerCpuUsPerRequest?: number;
  redisCpuUsPerRequest?: number;
}

export type ConcurrencyResult = LoadResult & CpuPerRequest;

export type PlanResult = LoadResult & { serverWithin5ms: number } & Omit<WorkerFigures, 'total' | 'within5ms'>;

/** The plan's load on the machine's floor (http-floor.ts), run before and after the routes. */
export interface FloorResults {
  before: LoadResult;
  after: LoadResult;
}

/** The key of a route's concurrency result. */
export const resultKey = (t: Target, r: Route, connections: number): string => `${t.label}|${r.name}@${connections}`;

/** Runs one load job in its own process (the job, with the session cookie, goes through stdin). */
function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // the generator's own scavenges would count as the service's latency: it gets the workers' young generation
    const child = spawn(process.execPath, [...WORKER_V8_FLAGS, '--import', 'tsx', LOAD], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with code ${code}`));
      else resolve(JSON.parse(out) as LoadResult);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

function median<T extends LoadResult>(results: T[]): T {
  const sorted = [...results].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

/** Every route of every version at each concurrency; the keyspace misses Redis counted meanwhile, per version. */
export async function runConcurrency(
  targets: Target[],
  options: BenchOptions,
): Promise<{ table: Map<string, ConcurrencyResult>; misses: number[] }> {
  const contenders = targets.flatMap((t) => t.routes.map((r) => ({ t, r })));
  const misses0 = await Promise.all(targets.map((t) => keyspaceMisses(t.redis)));
  const table = new Map<string, ConcurrencyResult>();
  for (const connections of options.connections) {
    const perRoute = new Map<string, ConcurrencyResult[]>();
    for (let round = 0; round < options.rounds; round += 1) {
      for (let i = 0; i < contenders.length; i += 1) {
        const { t, r } = contenders[(i + round) % contenders.length] as (typeof contenders)[number];
        const reads0 = await redisReads(t.redis);
        const redisCpu0 = await redisCpuSeconds(t.redis);
        const workerCpu0 = processCpuSeconds(t.workerPids);
        const result: ConcurrencyResult = await runLoad({
          url: t.service.baseUrl + r.path,
          headers: { cookie: t.cookie },
          connections,
          durationSec: options.durationSec,
        });
        if (result.non2xx || result.errors) {
          throw new Error(
            `${t.label} ${r.name} at ${connections} connections: ${result.non2xx} non-2xx, ${result.errors} errors`,
          );
        }
        result.redisReadsPerRequest = ((await redisReads(t.redis)) - reads0) / result.requests;
        result.workerCpuUsPerRequest = ((processCpuSeconds(t.workerPids) - workerCpu0) * 1e6) / result.requests;
        result.redisCpuUsPerRequest = (((await redisCpuSeconds(t.redis)) - redisCpu0) * 1e6) / result.requests;
        const k = resultKey(t, r, connections);
        perRoute.set(k, [...(perRoute.get(k) ?? []), result]);
      }
    }
    for (const [k, results] of perRoute) table.set(k, median(results));
  }
  const misses = (await Promise.all(targets.map((t) => keyspaceMisses(t.redis)))).map((m, i) => m - misses0[i]!);
  return { table, misses };
}

/**
 * Every route at the plan's load, the versions taking turns route by route (keyed `label|route name`), with the
 * machine's floor (a bare node:http server at `floorUrl`) before and after them.
 */
export async function runPlan(
  targets: Target[],
  options: BenchOptions,
  floorUrl: string,
): Promise<{ plan: Map<string, PlanResult>; floor: FloorResults }> {
  const floorRun = async (): Promise<LoadResult> => {
    const result = await runLoad({
      url: floorUrl,
      headers: {},
      connections: 10,
      durationSec: options.planDurationSec,
      overallRate: options.planRate,
    });
    if (result.non2xx || result.errors) throw new Error(`the floor server at the plan's load: ${result.errors} errors`);
    return result;
  };
  const before = await floorRun();
  const plan = new Map<string, PlanResult>();
  for (const r of targets[0]?.routes ?? []) {
    for (const t of targets) {
      const route = t.routes.find((x) => x.name === r.name) as Route;
      const before = await workerFigures(t, routePattern(route.path));
      const result = await runLoad({
        url: t.service.baseUrl + route.path,
        headers: { cookie: t.cookie },
        connections: 10,
        durationSec: options.planDurationSec,
        overallRate: options.planRate,
      });
      if (result.non2xx || result.errors) {
        throw new Error(`${t.label} ${r.name} at the plan's load: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      const after = await workerFigures(t, routePattern(route.path));
      const timed = after.total - before.total;
      plan.set(`${t.label}|${r.name}`, {
        ...result,
        serverWithin5ms: timed > 0 ? (after.within5ms - before.within5ms) / timed : Number.NaN,
        loopDelayP99Ms: after.loopDelayP99Ms,
        loopDelayMaxMs: after.loopDelayMaxMs,
        gcCount: after.gcCount - before.gcCount,
        gcOver1ms: after.gcOver1ms - before.gcOver1ms,
      });
    }
  }
  return { plan, floor: { before, after: await floorRun() } };
}

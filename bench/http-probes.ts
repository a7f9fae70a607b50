// What `npm run bench:http` reads beside the load generator's figures: CPU time of the workers (/proc) and of Redis
// (INFO cpu), the read commands and keyspace misses Redis counted, and what the workers saw themselves (/metrics).
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Target } from './http-target.ts';

/** User + system CPU seconds of these processes so far (/proc/<pid>/stat, clock ticks of 10 ms). */
export function processCpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      return Number.NaN; // not Linux, or the process is gone
    }
  }
  return ticks / 100;
}

export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(info.match(new RegExp(`^${name}:([0-9.]+)`, 'm'))?.[1] ?? Number.NaN);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/**
 * Read commands (GET + MGET) Redis has executed so far (INFO commandstats). Reads only: the workers' background
 * commands (fence refresh, statistics flush, the invalidator) would otherwise blur the per-request figure.
 */
export async function redisReads(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(?:get|mget):calls=(\d+)/gm)) calls += Number(m[1]);
  return calls;
}

export async function keyspaceMisses(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(info.match(/keyspace_misses:(\d+)/)?.[1] ?? Number.NaN);
}

/**
 * The sampling interval of the workers' event-loop delay histogram (prom-client's default
 * `eventLoopMonitoringPrecision`, handed to `monitorEventLoopDelay({ resolution })`). Node records the whole time
 * between two ticks of that timer, so an idle process reads ≈ 10 ms at p50 and 11–13 ms at p99 (its timer's ms
 * granularity and wake-up): the loop's real delay is the figure minus this interval.
 */
export const LOOP_DELAY_SAMPLING_MS = 10;

/**
 * What the workers saw of `route`, from their /metrics: requests they timed themselves (onRequest → onResponse) in
 * total and within 5 ms — set beside the client's figures it tells time in the handler from time queued — the
 * event loop's delay as prom-client reports it (it resets it at each scrape: the figures after a run are the run's;
 * they include the sampling interval, LOOP_DELAY_SAMPLING_MS) and GC.
 */
export interface WorkerFigures {
  total: number;
  within5ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcCount: number;
  gcOver1ms: number;
}

export async function workerFigures(target: Target, route: string): Promise<WorkerFigures> {
  const f: WorkerFigures = { total: 0, within5ms: 0, loopDelayP99Ms: 0, loopDelayMaxMs: 0, gcCount: 0, gcOver1ms: 0 };
  for (const url of target.service.workerUrls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split('\n')) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (line.startsWith('fastnpc_http_request_duration_seconds_bucket{') && line.includes(`route="${route}"`)) {
        if (line.includes('le="+Inf"')) f.total += value;
        else if (line.includes('le="0.005"')) f.within5ms += value;
      } else if (line.startsWith('nodejs_eventloop_lag_p99_seconds{')) {
        f.loopDelayP99Ms = Math.max(f.loopDelayP99Ms, value * 1e3);
      } else if (line.startsWith('nodejs_eventloop_lag_max_seconds{')) {
        f.loopDelayMaxMs = Math.max(f.loopDelayMaxMs, value * 1e3);
      } else if (line.startsWith('nodejs_gc_duration_seconds_bucket{')) {
        if (line.includes('le="+Inf"')) {
          f.gcCount += value;
          f.gcOver1ms += value;
        } else if (line.includes('le="0.001"')) f.gcOver1ms -= value;
      }
    }
  }
  return f;
}

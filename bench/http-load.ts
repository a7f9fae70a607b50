// The load generator of `npm run bench:http`, run as its own process so it never shares an event loop with the
// service: reads one job (JSON) on stdin, drives it with autocannon and prints one result (JSON) on stdout.
// The job carries the session cookie, so it travels on stdin, never in argv.
import autocannon from 'autocannon';
import { runPaced } from './paced-load.ts';

export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  /** Fixed overall request rate (requests/s), evenly spaced (bench/paced-load.ts); absent = as fast as the
   * connections allow (autocannon). */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  requestsPerSec: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  /** Filled in by the bench: Redis read commands (GET/MGET) executed per request during the run. */
  redisReadsPerRequest?: number;
  /** Paced runs only: the generator's largest lag behind a request's due instant, ms. */
  maxSendLagMs?: number;
  /** Paced runs only: TCP connections the generator opened (beyond its 10: idle keep-alive sockets the server closed). */
  connectionsOpened?: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function readJob(): Promise<LoadJob> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return JSON.parse(text) as LoadJob;
}

async function main(): Promise<void> {
  const job = await readJob();
  if (job.overallRate) {
    const paced = await runPaced({ ...job, rate: job.overallRate });
    const sorted = paced.latencies.sort((a, b) => a - b);
    const out: LoadResult = {
      requests: paced.requests,
      requestsPerSec: paced.requests / job.durationSec,
      non2xx: paced.non2xx,
      errors: paced.errors,
      timeouts: 0,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      p999: quantile(sorted, 0.999),
      maxSendLagMs: paced.maxSendLagMs,
      connectionsOpened: paced.connectionsOpened,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  // autocannon's own percentiles stop at p90 / p97.5; every response time is kept to compute p95 exactly.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        headers: job.headers,
        connections: job.connections,
        duration: job.durationSec,
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  const out: LoadResult = {
    requests: result.requests.total,
    requestsPerSec: result.requests.total / (result.duration || job.durationSec),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    p999: quantile(latencies, 0.999),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: unknown) => {
  console.error(`bench:http load: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

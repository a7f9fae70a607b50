// npm run bench:http — the reference service's cached reads (settings, character list, profile) on two workers,
// side by side with GET /health/live on the same workers (no cache, no database: the framework's ceiling here),
// loaded by autocannon from a separate process at fixed concurrency. Reports requests/s, p50/p95/p99 and the
// ratio cached/ceiling per concurrency, then the cached routes at the plan's load (a fixed request rate).
//
// Settings (environment): BENCH_HTTP_CONNECTIONS (default "8,64"), BENCH_HTTP_DURATION seconds per run (5),
// BENCH_HTTP_ROUNDS (2; contenders rotate order each round, the median round is reported), BENCH_HTTP_PLAN_RATE
// requests/s for the plan's load (50 = 100 users × 10 messages/min × 3 cached reads per message, rounded up).
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startService } from '../src/service/cluster.ts';
import { startLocalStack } from '../src/stack/index.ts';
import type { LoadJob, LoadResult } from './http-load.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const LOAD = join(HERE, 'http-load.ts');

const CONNECTIONS = (process.env.BENCH_HTTP_CONNECTIONS ?? '8,64').split(',').map(Number);
const DURATION_SEC = Number(process.env.BENCH_HTTP_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 2);
const PLAN_RATE = Number(process.env.BENCH_HTTP_PLAN_RATE ?? 50);
/** The plan's bound on a cached read. */
const PLAN_P99_MS = 5;

for (const [name, n] of [
  ['BENCH_HTTP_CONNECTIONS', Math.min(...CONNECTIONS)],
  ['BENCH_HTTP_DURATION', DURATION_SEC],
  ['BENCH_HTTP_ROUNDS', ROUNDS],
  ['BENCH_HTTP_PLAN_RATE', PLAN_RATE],
] as const) {
  if (!Number.isFinite(n) || n < 1) {
    console.error(`bench:http: ${name} must be a positive number`);
    process.exit(2);
  }
}

interface Route {
  name: string;
  path: string;
  cached: boolean;
}

/** Runs one load job in its own process (the job, with the session cookie, goes through stdin). */
function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', LOAD], { stdio: ['pipe', 'pipe', 'inherit'] });
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

function median(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.requestsPerSec - b.requestsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)] as LoadResult;
}

/**
 * Read commands (GET + MGET) Redis has executed so far (INFO commandstats). Reads only: the workers' background
 * commands (fence refresh, statistics flush, the invalidator) would otherwise blur the per-request figure.
 */
async function redisReads(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(?:get|mget):calls=(\d+)/gm)) calls += Number(m[1]);
  return calls;
}

async function keyspaceMisses(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(info.match(/keyspace_misses:(\d+)/)?.[1] ?? Number.NaN);
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const stack = await startLocalStack({ redis: true, postgres: true });
  const service = await startService({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    seed: { users: 10, characters: 3, memories: 10 },
  });
  const redis = new Redis(stack.redisUrl);
  try {
    const user = service.seed?.users[0];
    if (!user) throw new Error('the seed created no user');
    const login = await fetch(`${service.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    if (login.status !== 200 || !cookie) throw new Error(`login answered ${login.status}`);
    const role = encodeURIComponent(user.characters[0] as string);
    const routes: Route[] = [
      { name: 'ceiling: GET /health/live', path: '/health/live', cached: false },
      { name: 'cached settings', path: '/api/me/settings', cached: true },
      { name: 'cached character list', path: '/api/characters', cached: true },
      { name: 'cached profile (structured)', path: `/api/characters/${role}/structured`, cached: true },
    ];
    // Every cached route must really be served from the cache on both workers before it is timed.
    for (const r of routes.filter((r) => r.cached)) {
      for (const base of [...service.workerUrls, ...service.workerUrls]) {
        const res = await fetch(base + r.path, { headers: { cookie } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${r.path} answered ${res.status}`);
      }
      for (const base of service.workerUrls) {
        const res = await fetch(base + r.path, { headers: { cookie } });
        await res.arrayBuffer();
        if (res.headers.get('x-cache') !== 'hit') throw new Error(`${r.path} on ${base} was not a cache hit`);
      }
    }

    const load1 = loadavg()[0] ?? 0;
    const misses0 = await keyspaceMisses(redis);
    const table = new Map<string, LoadResult>();
    for (const connections of CONNECTIONS) {
      const perRoute = new Map<string, LoadResult[]>();
      for (let round = 0; round < ROUNDS; round += 1) {
        for (let i = 0; i < routes.length; i += 1) {
          const r = routes[(i + round) % routes.length] as Route;
          const reads0 = await redisReads(redis);
          const result = await runLoad({
            url: service.baseUrl + r.path,
            headers: { cookie },
            connections,
            durationSec: DURATION_SEC,
          });
          if (result.non2xx || result.errors) {
            throw new Error(
              `${r.name} at ${connections} connections: ${result.non2xx} non-2xx, ${result.errors} errors`,
            );
          }
          result.redisReadsPerRequest = ((await redisReads(redis)) - reads0) / result.requests;
          perRoute.set(r.name, [...(perRoute.get(r.name) ?? []), result]);
        }
      }
      for (const [name, results] of perRoute) table.set(`${name}@${connections}`, median(results));
    }
    const misses = (await keyspaceMisses(redis)) - misses0;

    const planRuns = new Map<string, LoadResult>();
    for (const r of routes.filter((r) => r.cached)) {
      const result = await runLoad({
        url: service.baseUrl + r.path,
        headers: { cookie },
        connections: 10,
        durationSec: Math.max(DURATION_SEC, 10),
        overallRate: PLAN_RATE,
      });
      if (result.non2xx || result.errors) {
        throw new Error(`${r.name} at the plan's load: ${result.non2xx} non-2xx, ${result.errors} errors`);
      }
      planRuns.set(r.name, result);
    }
    const load2 = loadavg()[0] ?? 0;

    const lines = [
      `Machine: ${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? 'unknown CPU'}; Node ${process.version}; load average (1 min) ${load1.toFixed(2)} before, ${load2.toFixed(2)} after`,
      `Service: 2 workers on one port (node:cluster), private redis-server and PostgreSQL; load generator: autocannon in its own process, ${DURATION_SEC} s per run, median of ${ROUNDS} rounds in rotating order.`,
      '',
      '| route | connections | requests/s | p50 ms | p95 ms | p99 ms | Redis reads (GET/MGET) per request | vs ceiling |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ];
    for (const connections of CONNECTIONS) {
      const ceiling = table.get(`${routes[0]?.name}@${connections}`) as LoadResult;
      for (const r of routes) {
        const x = table.get(`${r.name}@${connections}`) as LoadResult;
        lines.push(
          `| ${r.name} | ${connections} | ${fmt(x.requestsPerSec)} | ${fmt(x.p50, 2)} | ${fmt(x.p95, 2)} | ${fmt(x.p99, 2)} | ${(x.redisReadsPerRequest ?? Number.NaN).toFixed(2)} | ${(x.requestsPerSec / ceiling.requestsPerSec).toFixed(2)}× |`,
        );
      }
    }
    lines.push(
      '',
      `Redis keyspace misses during the timed runs: ${misses} (list entries expire after their TTL and are reloaded).`,
      '',
      `At the plan's load (${PLAN_RATE} requests/s evenly spaced over 10 keep-alive connections, latency counted from each request's due instant; bench/paced-load.ts):`,
      '',
      '| route | requests | p50 ms | p95 ms | p99 ms | generator lag max ms | p99 < 5 ms |',
      '|---|---:|---:|---:|---:|---:|---|',
      ...[...planRuns].map(
        ([name, x]) =>
          `| ${name} | ${fmt(x.requests)} | ${fmt(x.p50, 2)} | ${fmt(x.p95, 2)} | ${fmt(x.p99, 2)} | ${fmt(x.maxSendLagMs ?? Number.NaN, 2)} | ${x.p99 < PLAN_P99_MS ? 'yes' : 'NO'} |`,
      ),
    );
    const top = Math.max(...CONNECTIONS);
    const ceilingTop = table.get(`${routes[0]?.name}@${top}`) as LoadResult;
    const worst = Math.min(
      ...routes.filter((r) => r.cached).map((r) => (table.get(`${r.name}@${top}`) as LoadResult).requestsPerSec),
    );
    lines.push(
      '',
      `Slowest cached route at ${top} connections: ${(worst / ceilingTop.requestsPerSec).toFixed(2)}× the ceiling (goal ≥ 0.80×: ${worst / ceilingTop.requestsPerSec >= 0.8 ? 'met' : 'NOT met'}).`,
    );
    console.log(lines.join('\n'));
  } finally {
    redis.disconnect();
    await service.stop();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:http: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

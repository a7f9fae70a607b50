// npm run bench:request-cost — what one cached read costs a worker in CPU, beside the framework's ceiling
// (GET /health/live), for this checkout and any others (BENCH_COST_VERSIONS=label=dir,…: dir holds src/ of another
// version), all in ONE process taking turns slice by slice. Each version runs one worker in this process (its own
// app, cache and pool) on a shared private redis-server and PostgreSQL; requests go through Fastify's inject
// (no sockets: what is measured is the app's own work), `BENCH_COST_INFLIGHT` at a time so the cache batches reads
// as under concurrency. The figure is this process's CPU time per request (process.cpuUsage), median over slices:
// other processes on a busy machine lengthen the wall time, far less the CPU time of this one.

import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { seed } from '../src/service/store/seed.ts';
import { privateRedisPassword, startLocalStack } from '../src/stack/index.ts';

const HELP = `npm run bench:request-cost [-- --help]

CPU time per request of one worker (in this process, through Fastify's inject) for the cached routes and the
ceiling (GET /health/live), for this checkout and the versions in BENCH_COST_VERSIONS, taking turns.

Environment:
  BENCH_COST_VERSIONS   other checkouts, label=dir,… (dir holds src/, e.g. git archive <commit> src | tar -x -C dir)
  BENCH_COST_SLICES     slices per contender (40)
  BENCH_COST_SLICE      requests per slice (400)
  BENCH_COST_INFLIGHT   requests in flight (32)`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const unknownArgs = process.argv.slice(2).filter((a) => a !== '--');
if (unknownArgs.length > 0) {
  console.error(`bench:request-cost: unknown argument ${unknownArgs[0]} (see --help)`);
  process.exit(2);
}
const SLICES = Number(process.env.BENCH_COST_SLICES ?? 40);
const SLICE = Number(process.env.BENCH_COST_SLICE ?? 400);
const INFLIGHT = Number(process.env.BENCH_COST_INFLIGHT ?? 32);
for (const [name, n] of [
  ['BENCH_COST_SLICES', SLICES],
  ['BENCH_COST_SLICE', SLICE],
  ['BENCH_COST_INFLIGHT', INFLIGHT],
] as const) {
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:request-cost: ${name} must be a positive integer`);
    process.exit(2);
  }
}
const VERSIONS = [
  { label: 'now', dir: resolve(import.meta.dirname, '..') },
  ...(process.env.BENCH_COST_VERSIONS ?? '')
    .split(',')
    .filter((v) => v.includes('='))
    .map((v) => {
      const [label, dir] = v.split('=') as [string, string];
      return { label, dir: resolve(dir) };
    }),
];

interface RunningWorker {
  app: FastifyInstance;
  close(): Promise<void>;
}

interface Contender {
  version: string;
  route: string;
  app: FastifyInstance;
  url: string;
  cookie: string;
  cpuUs: number[];
  /** Cached requests that were not hits (a Redis stall on a busy machine): reported beside the figure. */
  notHits: number;
}

async function slice(c: Contender): Promise<number> {
  const start = process.cpuUsage();
  let next = 0;
  const lane = async () => {
    while (next < SLICE) {
      next += 1;
      const res = await c.app.inject({ method: 'GET', url: c.url, headers: { cookie: c.cookie } });
      if (res.statusCode !== 200) throw new Error(`${c.version} ${c.route}: ${res.statusCode}`);
      if (c.route !== 'ceiling' && res.headers['x-cache'] !== 'hit') c.notHits += 1;
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, lane));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / SLICE;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;

async function main(): Promise<void> {
  const stack = await startLocalStack({
    redis: true,
    postgres: true,
    redisServer: { password: privateRedisPassword() },
  });
  const workers: RunningWorker[] = [];
  try {
    const seeded = await seed(stack.databaseUrl, { users: 2, characters: 3, memories: 10 });
    const user = seeded.users[0];
    if (!user) throw new Error('the seed created no user');
    const role = encodeURIComponent(user.characters[0] as string);
    const contenders: Contender[] = [];
    for (const v of VERSIONS) {
      const { startWorker } = (await import(pathToFileURL(join(v.dir, 'src/service/worker.ts')).href)) as {
        startWorker(options: { env: NodeJS.ProcessEnv }): Promise<RunningWorker>;
      };
      const worker = await startWorker({
        env: {
          DATABASE_URL: stack.databaseUrl,
          REDIS_URL: stack.redisUrl,
          CACHE_MODE: 'on',
          // each version its own entries: versions with different value formats would otherwise rewrite each
          // other's (an older one drops a newer format as corrupt and refills its own)
          CACHE_NAMESPACE: `bench_${v.label}`,
          FASTNPC_INVALIDATOR: 'off',
          FASTNPC_SECRET: 'bench-secret-0123456789abcdef',
          PORT: '0',
          HOST: '127.0.0.1',
          WORKER_INDEX: '0',
          LOG_LEVEL: 'warn',
          // a busy machine stalls Redis past the 100 ms default now and then: a miss would blur the figure
          CACHE_COMMAND_TIMEOUT_MS: '1000',
        },
      });
      workers.push(worker);
      const login = await worker.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: user.username, password: user.password },
      });
      const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
      if (login.statusCode !== 200) throw new Error(`${v.label}: login answered ${login.statusCode}`);
      for (const [route, url] of [
        ['ceiling', '/health/live'],
        ['settings', '/api/me/settings'],
        ['list', '/api/characters'],
        ['profile', `/api/characters/${role}/structured`],
      ] as const) {
        for (let i = 0; i < 3; i++) await worker.app.inject({ method: 'GET', url, headers: { cookie } });
        contenders.push({ version: v.label, route, app: worker.app, url, cookie, cpuUs: [], notHits: 0 });
      }
    }
    const load0 = loadavg();
    for (const c of contenders) await slice(c); // warm-up
    for (let s = 0; s < SLICES; s += 1) {
      for (let i = 0; i < contenders.length; i += 1) {
        const c = contenders[(i + s) % contenders.length] as Contender;
        c.cpuUs.push(await slice(c));
      }
    }
    const load1 = loadavg();
    const lines = [
      `Machine: ${cpus().length} CPUs, ${cpus()[0]?.model}; Node ${process.version}; load average (1/5/15 min) ${load0.map((l) => l.toFixed(2)).join(' / ')} at start, ${load1.map((l) => l.toFixed(2)).join(' / ')} at the end`,
      `${SLICES} slices of ${SLICE} requests per contender, ${INFLIGHT} in flight, turns rotating; CPU time of this process per request, median over slices (and the spread: quartiles).`,
      '',
      '| version | route | CPU µs/request | quartiles | above the ceiling, µs | ceiling ÷ route | not hits |',
      '|---|---|---:|---|---:|---:|---:|',
    ];
    for (const v of VERSIONS) {
      const ceiling = median(
        (contenders.find((c) => c.version === v.label && c.route === 'ceiling') as Contender).cpuUs,
      );
      for (const c of contenders.filter((x) => x.version === v.label)) {
        const sorted = [...c.cpuUs].sort((a, b) => a - b);
        const q = (p: number) => (sorted[Math.floor(p * (sorted.length - 1))] as number).toFixed(1);
        const m = median(c.cpuUs);
        lines.push(
          `| ${v.label} | ${c.route} | ${m.toFixed(1)} | ${q(0.25)}–${q(0.75)} | ${(m - ceiling).toFixed(1)} | ${(ceiling / m).toFixed(2)}× | ${c.notHits} |`,
        );
      }
    }
    console.log(lines.join('\n'));
  } finally {
    for (const w of workers) await w.close().catch(() => {});
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:request-cost: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

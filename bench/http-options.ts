// What `npm run bench:http` is asked to do: its command line (--json, --help), its environment (concurrency levels,
// durations, rounds, the plan's rate, other versions to run side by side) and the goals it judges.
import { resolve } from 'node:path';

/** The plan's bound on a cached read, ms (p99 at the plan's load). */
export const PLAN_P99_MS = 5;
/** Goal of issue 20: every cached route at the top concurrency ≥ this × the ceiling. */
export const GOAL_RATIO = 0.85;
/**
 * A cached route does all the ceiling's work and more, so it cannot really be faster: a ratio above this means the
 * ceiling's run met a burst of load from elsewhere, and the ratio goal of that version is not judged.
 */
export const PLAUSIBLE_RATIO = 1.1;

const HELP = `npm run bench:http [-- --json FILE] [-- --help]

The reference service's cached reads (settings, character list, profile) on two workers, side by side with
GET /health/live on the same workers (the framework's ceiling), at fixed concurrency (autocannon, own process);
then every route at the plan's load, evenly spaced (bench/paced-load.ts). Prints a table and whether each goal is
met: every cached route ≥ ${GOAL_RATIO.toFixed(2)}× the ceiling at the top concurrency; p99 < ${PLAN_P99_MS} ms at the plan's load.
A cached route above ${PLAUSIBLE_RATIO.toFixed(2)}× the ceiling means other load disturbed the ceiling's run: the ratio goal is then
NOT JUDGED (run again on a quiet machine). Likewise the p99 goal is NOT JUDGED when the machine's floor — a bare
node:http server (no framework, no cache) at the plan's load, before and after the routes — reads p99 ≥ ${PLAN_P99_MS} ms itself.

Options:
  --json FILE   also write the figures as JSON: per route and concurrency requests/s of the route and of the
                ceiling, the ratio, p50/p95/p99/p99.9; per route p50/p95/p99/p99.9 at the plan's load
  --help        this text

Environment:
  BENCH_HTTP_CONNECTIONS  concurrency levels, comma-separated (8,64)
  BENCH_HTTP_DURATION     seconds per run (5)
  BENCH_HTTP_ROUNDS       rounds in rotating order, the median is reported (2)
  BENCH_HTTP_PLAN_RATE    requests/s of the plan's load (50 = 100 users × 10 messages/min × 3 cached reads)
  BENCH_HTTP_PLAN_DURATION seconds of each plan's-load run (20)
  BENCH_HTTP_VERSIONS     other checkouts to run side by side, label=dir,… (dir holds src/service of another
                          version, e.g. git archive <commit> src | tar -x -C .tmp/v0); each on its own stack`;

export interface BenchOptions {
  /** --json FILE */
  json?: string;
  connections: number[];
  durationSec: number;
  rounds: number;
  planRate: number;
  planDurationSec: number;
  /** 'now' (this checkout) first, then BENCH_HTTP_VERSIONS. */
  versions: { label: string; dir: string }[];
}

export function fail(message: string): never {
  console.error(`bench:http: ${message}`);
  process.exit(2);
}

/** --help prints the help and exits 0; a bad argument or setting exits 2 with one line. */
export function readOptions(argv: string[], env: NodeJS.ProcessEnv, root: string): BenchOptions {
  let json: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--') continue;
    if (arg === '--help' || arg === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    if (arg === '--json' || arg.startsWith('--json=')) {
      const file = arg === '--json' ? argv[++i] : arg.slice('--json='.length);
      if (!file || file.startsWith('--')) fail('--json needs a file name');
      json = file;
      continue;
    }
    fail(`unknown argument ${arg} (see --help)`);
  }
  const options: BenchOptions = {
    connections: (env.BENCH_HTTP_CONNECTIONS ?? '8,64').split(',').map(Number),
    durationSec: Number(env.BENCH_HTTP_DURATION ?? 5),
    rounds: Number(env.BENCH_HTTP_ROUNDS ?? 2),
    planRate: Number(env.BENCH_HTTP_PLAN_RATE ?? 50),
    planDurationSec: Number(env.BENCH_HTTP_PLAN_DURATION ?? 20),
    versions: [
      { label: 'now', dir: root },
      ...(env.BENCH_HTTP_VERSIONS ?? '')
        .split(',')
        .filter((v) => v.includes('='))
        .map((v) => {
          const [label, dir] = v.split('=') as [string, string];
          return { label, dir: resolve(dir) };
        }),
    ],
  };
  if (json !== undefined) options.json = json;
  for (const [name, n] of [
    ['BENCH_HTTP_CONNECTIONS', Math.min(...options.connections)],
    ['BENCH_HTTP_DURATION', options.durationSec],
    ['BENCH_HTTP_ROUNDS', options.rounds],
    ['BENCH_HTTP_PLAN_RATE', options.planRate],
    ['BENCH_HTTP_PLAN_DURATION', options.planDurationSec],
  ] as const) {
    if (!Number.isFinite(n) || n < 1) fail(`${name} must be a positive number`);
  }
  return options;
}

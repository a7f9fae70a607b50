/**
 * `npm run serve`: the reference service as N workers on one port. It stops its workers and the stack it started
 * (private redis-server / PostgreSQL) on SIGTERM, SIGINT and SIGHUP — also when the signal arrives during start-up —
 * and when the process that started it (npm, a shell) dies. Exit codes: 0 stopped cleanly, 1 failed to start or
 * stop, 2 usage error (docs/exit-codes.md).
 */

import { CLI_EXIT, parseFlags, runCli, UsageError, wholeNumber } from './cli-args.ts';
import { survivePipeLoss } from './closed-output.ts';
import { runPrimary } from './cluster.ts';
import { ConfigError, serviceStart } from './config.ts';
import { DEFAULT_SEED } from './store/seed.ts';
import { warmUpFromEnv } from './warm-up.ts';
import { watchParents } from './watch-parents.ts';

const HELP = `usage: npm run serve -- [--workers 2] [--port 8000] [--seed | --no-seed] [--users N] [--characters N] [--memories N]
                         [--warm-up-days N]

Runs the FastNPC-compatible reference service: N workers sharing --port, worker i also on port + i.
Without REDIS_URL / DATABASE_URL it starts a private redis-server / PostgreSQL and seeds it (--users, --characters,
--memories: whole numbers; defaults ${DEFAULT_SEED.users} / ${DEFAULT_SEED.characters} / ${DEFAULT_SEED.memories}).
--warm-up-days N (or FASTNPC_WARM_UP_DAYS): once the workers answer, preload the settings of the users active in the
last N days (npm run warm does the same on its own; off by default).
Stops everything it started on SIGTERM, SIGINT, SIGHUP or when its parent process dies.
Environment: see docs/service.md (DATABASE_URL, REDIS_URL, CACHE_MODE, FASTNPC_SECRET, FASTNPC_ADMIN_USER, …).
Exit codes: 0 stopped cleanly, 1 failed, 2 usage error (docs/exit-codes.md).`;

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

async function main(argv: string[]): Promise<number> {
  survivePipeLoss();
  const values = parseFlags(argv, {
    workers: { type: 'string' },
    port: { type: 'string' },
    seed: { type: 'boolean' },
    'no-seed': { type: 'boolean' },
    users: { type: 'string' },
    characters: { type: 'string' },
    memories: { type: 'string' },
    'warm-up-days': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return CLI_EXIT.ok;
  }
  if (values.seed && values['no-seed']) throw new UsageError('--seed and --no-seed contradict each other');
  const start = serviceStart();
  const workers = wholeNumber('--workers', values.workers ?? String(start.values.WORKERS), 2, 1, 32);
  const port = wholeNumber('--port', values.port ?? String(start.values.PORT), 8000, 1, 65_535 - workers);
  const counts = {
    users: wholeNumber('--users', values.users, DEFAULT_SEED.users, 0, 100_000),
    characters: wholeNumber('--characters', values.characters, DEFAULT_SEED.characters, 0, 1_000),
    memories: wholeNumber('--memories', values.memories, DEFAULT_SEED.memories, 0, 10_000),
  };
  const warmUpDays = wholeNumber(
    '--warm-up-days',
    values['warm-up-days'] ?? String(start.values.FASTNPC_WARM_UP_DAYS),
    0,
    0,
    3_650,
  );
  // --no-seed: never; --seed: always; neither: only a database this process started itself.
  const seedMode = values['no-seed'] ? 'never' : values.seed ? 'always' : 'auto';

  // Signals are handled from the first moment: one arriving during start-up stops what has started so far.
  let stopRequested: string | undefined;
  let stopNow: ((reason: string) => void) | undefined;
  const request = (reason: string): void => {
    if (stopRequested) return;
    stopRequested = reason;
    stopNow?.(reason);
  };
  for (const s of SIGNALS) process.on(s, () => request(s));
  const unwatch = watchParents(() => request('parent process died'));

  const primary = await runPrimary({ workers, port, seedMode, seedCounts: counts, env: start.env });
  const stopped = new Promise<number>((resolve) => {
    stopNow = (reason) => {
      console.log(`${reason}: stopping workers and the local stack…`);
      unwatch();
      primary.stop().then(
        () => resolve(CLI_EXIT.ok),
        (error: unknown) => {
          console.error(`fastnpc serve: stop failed: ${(error as Error).message}`);
          resolve(CLI_EXIT.fail);
        },
      );
    };
  });
  if (stopRequested) stopNow?.(stopRequested);
  else {
    console.log(`FastNPC reference service: ${primary.baseUrl} (${workers} workers)`);
    for (const [i, url] of primary.workerUrls.entries()) console.log(`  worker ${i + 1}: ${url}`);
    if (warmUpDays > 0) await warmAtStart(primary.env, warmUpDays);
  }
  return await stopped;
}

/** The opt-in warm-up at start: a failure is reported, never fatal (the cache fills on demand as without it). */
async function warmAtStart(env: Readonly<NodeJS.ProcessEnv>, days: number): Promise<void> {
  if ((env.CACHE_MODE ?? 'on').toLowerCase() === 'off' || !env.DATABASE_URL) return;
  try {
    const r = await warmUpFromEnv(env, { days, concurrency: 4 });
    console.log(
      `warm-up: settings of ${r.users} user(s) active in the last ${days} day(s): ${r.loaded} loaded, ${r.alreadyCached} already cached (${r.ms} ms)`,
    );
  } catch (error) {
    console.error(`fastnpc serve: warm-up failed (the cache fills on demand): ${(error as Error).message}`);
  }
}

runCli('fastnpc serve', main, (error) => error instanceof ConfigError);

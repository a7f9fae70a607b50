/**
 * `npm run warm -- [--days N]`: preloads the settings of the users active in the last N days (src/service/warm-up.ts)
 * into the cache at REDIS_URL (REDIS_PASSWORD, CACHE_NAMESPACE, CACHE_FENCE as the service reads them) from the
 * database at DATABASE_URL. Exit codes: 0 done, 1 failed, 2 usage error, 3 Redis or the database cannot be reached
 * (docs/exit-codes.md).
 */
import { createCache } from '../cache/index.ts';
import { cacheOptionsFromEnv } from '../cache/options.ts';
import { CLI_EXIT, CliUsageError, parseFlags, wholeNumber } from './cli-args.ts';
import { createDatabase } from './db.ts';
import { WARM_UP_DEFAULTS, warmUp } from './warm-up.ts';

const HELP = `usage: DATABASE_URL=postgres://… REDIS_URL=redis://… npm run warm -- [--days N] [--concurrency N]

Preloads user_settings of every user with a message in the last N days, through the cache's leased fill (a settings
write racing the warm-up always wins). REDIS_PASSWORD, CACHE_NAMESPACE and CACHE_FENCE as for the service.
  --days N          whole number of days (default ${WARM_UP_DEFAULTS.days})
  --concurrency N   fills in flight (default ${WARM_UP_DEFAULTS.concurrency})
Exit codes: 0 done, 1 failed, 2 usage error, 3 Redis or the database cannot be reached (docs/exit-codes.md).`;

async function main(argv: string[]): Promise<number> {
  const values = parseFlags(argv, {
    days: { type: 'string' },
    concurrency: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return CLI_EXIT.ok;
  }
  const days = wholeNumber('--days', values.days, WARM_UP_DEFAULTS.days, 1, 3_650);
  const concurrency = wholeNumber('--concurrency', values.concurrency, WARM_UP_DEFAULTS.concurrency, 1, 256);
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new CliUsageError('DATABASE_URL is required (postgres://user@host:port/db)');
  if (!process.env.REDIS_URL && !process.env.REDIS_TOPOLOGY) {
    throw new CliUsageError('REDIS_URL is required (redis://host:port; the password in REDIS_PASSWORD)');
  }
  const cache = createCache(cacheOptionsFromEnv(process.env));
  const db = createDatabase({ connectionString: databaseUrl, max: concurrency });
  try {
    if (!(await cache.ping())) {
      console.error('fastnpc warm: cannot reach Redis at REDIS_URL (or the password was refused)');
      return CLI_EXIT.unreachable;
    }
    if (!(await db.ping())) {
      console.error('fastnpc warm: cannot reach the database at DATABASE_URL');
      return CLI_EXIT.unreachable;
    }
    const result = await warmUp({ cache, db, days, concurrency });
    console.log(
      `warmed the settings of ${result.users} user(s) active in the last ${days} day(s): ${result.loaded} loaded, ` +
        `${result.alreadyCached} already cached, in ${result.ms} ms`,
    );
    return CLI_EXIT.ok;
  } finally {
    await cache.close();
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliUsageError) {
      console.error(`fastnpc warm: ${error.message} (see --help)`);
      process.exit(CLI_EXIT.usage);
    }
    console.error(`fastnpc warm: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(CLI_EXIT.fail);
  },
);

/**
 * `npm run warm -- [--days N]`: preloads the settings of the users active in the last N days (src/service/warm-up.ts)
 * into the cache at REDIS_URL (REDIS_PASSWORD, CACHE_NAMESPACE, CACHE_FENCE as the service reads them) from the
 * database at DATABASE_URL. Exit codes: 0 done, 1 failed, 2 usage error, 3 Redis or the database cannot be reached
 * (docs/exit-codes.md).
 */

import { CLI_EXIT, parseFlags, runCli, UsageError, wholeNumber } from './cli-args.ts';
import { ConfigError, serviceStart } from './config.ts';
import { WARM_UP_DEFAULTS, WarmUpUnreachableError, warmUpFromEnv } from './warm-up.ts';

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
  const { values: settings, env } = serviceStart();
  const databaseUrl = settings.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is required (postgres://user@host:port/db)');
  if (!settings.REDIS_URL && settings.REDIS_TOPOLOGY === 'single') {
    throw new UsageError('REDIS_URL is required (redis://host:port; the password in REDIS_PASSWORD)');
  }
  try {
    const result = await warmUpFromEnv(env, { days, concurrency });
    console.log(
      `warmed the settings of ${result.users} user(s) active in the last ${days} day(s): ${result.loaded} loaded, ` +
        `${result.alreadyCached} already cached, in ${result.ms} ms`,
    );
    return CLI_EXIT.ok;
  } catch (error) {
    if (!(error instanceof WarmUpUnreachableError)) throw error;
    console.error(`fastnpc warm: ${error.message}`);
    return CLI_EXIT.unreachable;
  }
}

runCli('fastnpc warm', main, (error) => error instanceof ConfigError);

/**
 * `npm run seed -- --users 100 --characters 10 --memories 20`: a deterministic seed of the database at DATABASE_URL.
 * Exit codes: 0 seeded, 1 failed, 2 usage error, 3 the database cannot be reached (docs/exit-codes.md).
 */
import { writeFileSync } from 'node:fs';
import { CLI_EXIT, parseFlags, runCli, UsageError, wholeNumber } from './cli-args.ts';
import { ConfigError, serviceStart } from './config.ts';
import { DEFAULT_SEED, seed } from './store/seed.ts';

const HELP = `usage: DATABASE_URL=postgres://… npm run seed -- [--users N] [--characters N] [--memories N] [--out FILE]

Seeds the database at DATABASE_URL (migrated first) with N users × characters × memories, deterministically.
  --users N        whole number (default ${DEFAULT_SEED.users})
  --characters N   per user (default ${DEFAULT_SEED.characters})
  --memories N     per character (default ${DEFAULT_SEED.memories})
  --out FILE       write the seeded users' credentials (test data) to FILE, mode 0600
Exit codes: 0 seeded, 1 failed, 2 usage error, 3 the database cannot be reached (docs/exit-codes.md).`;

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

async function main(argv: string[]): Promise<number> {
  const values = parseFlags(argv, {
    users: { type: 'string' },
    characters: { type: 'string' },
    memories: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return CLI_EXIT.ok;
  }
  const counts = {
    users: wholeNumber('--users', values.users, DEFAULT_SEED.users, 0, 100_000),
    characters: wholeNumber('--characters', values.characters, DEFAULT_SEED.characters, 0, 1_000),
    memories: wholeNumber('--memories', values.memories, DEFAULT_SEED.memories, 0, 10_000),
  };
  const { values: settings } = serviceStart();
  const databaseUrl = settings.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is required (postgres://user@host:port/db)');
  try {
    new URL(databaseUrl);
  } catch {
    throw new UsageError('DATABASE_URL is not a URL (postgres://user@host:port/db)');
  }
  const started = Date.now();
  let result: Awaited<ReturnType<typeof seed>>;
  try {
    result = await seed(databaseUrl, counts, {
      password: settings.SEED_PASSWORD,
      adminUser: settings.FASTNPC_ADMIN_USER,
      adminPassword: settings.FASTNPC_ADMIN_PASSWORD,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code && UNREACHABLE.has(code)) {
      console.error(`fastnpc seed: cannot reach the database at DATABASE_URL (${code})`);
      return CLI_EXIT.unreachable;
    }
    throw error;
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2), { mode: 0o600 });
  console.log(
    `seeded ${result.users.length} users × ${counts.characters} characters × ${counts.memories} memories in ${Date.now() - started} ms` +
      (values.out ? `; credentials (test data) in ${values.out}` : ''),
  );
  return CLI_EXIT.ok;
}

runCli('fastnpc seed', main, (error) => error instanceof ConfigError);

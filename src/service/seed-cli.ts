import { parseArgs } from 'node:util';
import { DEFAULT_SEED, seed } from './store/seed.ts';

/** npm run seed -- --users 100 --characters 10 --memories 20 (DATABASE_URL required). */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: String(DEFAULT_SEED.users) },
      characters: { type: 'string', default: String(DEFAULT_SEED.characters) },
      memories: { type: 'string', default: String(DEFAULT_SEED.memories) },
      out: { type: 'string' },
    },
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (postgres://user@host:port/db)');
  const counts = {
    users: Number(values.users),
    characters: Number(values.characters),
    memories: Number(values.memories),
  };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be an integer >= 0`);
  }
  const started = Date.now();
  const result = await seed(databaseUrl, counts);
  if (values.out) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(values.out, JSON.stringify(result, null, 2), { mode: 0o600 });
  }
  console.log(
    `seeded ${result.users.length} users × ${counts.characters} characters × ${counts.memories} memories in ${Date.now() - started} ms` +
      (values.out ? `; credentials (test data) in ${values.out}` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(`fastnpc seed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

import { parseArgs } from 'node:util';
import { runPrimary } from './cluster.ts';
import { ConfigError, DEFAULTS } from './config.ts';
import { DEFAULT_SEED } from './store/seed.ts';

const HELP = `npm run serve -- [--workers 2] [--port 8000] [--seed] [--no-seed] [--users N --characters N --memories N]

Runs the FastNPC-compatible reference service: N workers sharing --port, worker i also on port + i.
Without REDIS_URL / DATABASE_URL it starts a private redis-server / PostgreSQL and seeds it.
Environment: see docs/service.md (DATABASE_URL, REDIS_URL, CACHE_MODE, FASTNPC_SECRET, FASTNPC_ADMIN_USER, …).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string', default: process.env.WORKERS ?? '2' },
      port: { type: 'string', default: process.env.PORT ?? String(DEFAULTS.port) },
      seed: { type: 'boolean', default: false },
      'no-seed': { type: 'boolean', default: false },
      users: { type: 'string' },
      characters: { type: 'string' },
      memories: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const workers = Number(values.workers);
  const port = Number(values.port);
  if (!Number.isInteger(workers) || workers < 1 || workers > 32) throw new ConfigError('--workers must be 1–32');
  if (!Number.isInteger(port) || port < 1 || port > 65_535 - workers)
    throw new ConfigError('--port must be a free TCP port');
  const counts = {
    users: Number(values.users ?? DEFAULT_SEED.users),
    characters: Number(values.characters ?? DEFAULT_SEED.characters),
    memories: Number(values.memories ?? DEFAULT_SEED.memories),
  };
  // --no-seed: never; --seed: always; neither: only a database this process started itself.
  const seedMode = values['no-seed'] ? 'never' : values.seed ? 'always' : 'auto';
  const primary = await runPrimary({ workers, port, seedMode, seedCounts: counts });
  console.log(`FastNPC reference service: ${primary.baseUrl} (${workers} workers)`);
  for (const [i, url] of primary.workerUrls.entries()) console.log(`  worker ${i + 1}: ${url}`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping workers…`);
    await primary.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`fastnpc serve: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

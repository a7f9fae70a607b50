import { type ChildProcess, spawn } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisTopology, RedisTopologyError, topologyEnv, topologyFromEnv } from '../redis/topology.ts';
import { onProcessExit } from '../stack/cleanup.ts';
import { inheritedEnv } from '../stack/config.ts';
import { freePortBlock, privateRedisPassword, type StartedLocalStack, startLocalStack } from '../stack/index.ts';
import { ConfigError, invalidatorMode, parseServiceEnv, serviceLogWanted } from './config.ts';
import { createDatabase } from './db.ts';
import { parseDefects, withoutCommitLogInvalidator } from './defects.ts';
import { superviseInvalidator } from './invalidator-process.ts';
import { program, programArgs, programExecArgv } from './programs.ts';
import { migrate } from './store/migrations.ts';
import { DEFAULT_SEED, type SeedCounts, type SeedResult, seed } from './store/seed.ts';
import { consoleLogger } from './worker.ts';

const CLI = 'src/service/cli.ts';
const WORKER_MAIN = 'src/service/worker-main.ts';

// ───────────────────────────── primary (npm run serve) ─────────────────────────────

export interface PrimaryOptions {
  workers: number;
  port: number;
  /** 'auto': seed only a database this process started itself; 'always'; 'never'. */
  seedMode: 'auto' | 'always' | 'never';
  seedCounts?: SeedCounts;
  /** The environment to run with (`serviceStart()`'s copy of the process's); the workers get it with their own. */
  env: NodeJS.ProcessEnv;
}

export interface RunningPrimary {
  baseUrl: string;
  workerUrls: string[];
  /** The environment the workers run with (the started stack's REDIS_URL / DATABASE_URL): in memory, never printed. */
  env: Readonly<NodeJS.ProcessEnv>;
  stop(): Promise<void>;
}

/**
 * The process `npm run serve` runs: starts the local stack when REDIS_URL / DATABASE_URL are missing (and seeds
 * it), migrates, forks `workers` workers sharing `port` (worker i also on port + i), restarts a worker that dies,
 * and on SIGTERM stops them gracefully. The session secret reaches the workers through their env, never argv.
 */
export async function runPrimary(options: PrimaryOptions): Promise<RunningPrimary> {
  const env = { ...options.env };
  const production = env.NODE_ENV === 'production';
  if (production && (env.FASTNPC_SECRET ?? '').length < 16) {
    throw new ConfigError('NODE_ENV=production requires FASTNPC_SECRET (at least 16 characters) to sign sessions');
  }
  // every variable checked before anything starts (the CLI did already; a test calling this directly too)
  parseServiceEnv(env);
  // An unknown emulated defect stops here with one message, not in a restart loop of dying workers.
  // defects emulating an app without the commit-log invalidator (FastNPC) run none
  if (withoutCommitLogInvalidator(parseDefects(env.FASTNPC_EMULATE_DEFECTS, production)))
    env.FASTNPC_INVALIDATOR = 'off';
  const cacheOff = (env.CACHE_MODE ?? 'on').toLowerCase() === 'off';
  const needDb = !env.DATABASE_URL;
  // REDIS_URL, or a Sentinel / Cluster topology (REDIS_TOPOLOGY): then no local redis-server is needed
  let given: RedisTopology | undefined;
  try {
    given = topologyFromEnv(env);
  } catch (error) {
    throw error instanceof RedisTopologyError ? new ConfigError(error.message) : error;
  }
  const needRedis = !cacheOff && !given;
  let stack: StartedLocalStack | undefined;
  if (needDb || needRedis) {
    console.log(
      `starting the local stack (${[needDb && 'PostgreSQL', needRedis && 'redis-server'].filter(Boolean).join(' + ')})…`,
    );
    stack = await startLocalStack({
      redis: needRedis,
      postgres: needDb,
      ...(needDb ? {} : { databaseUrl: env.DATABASE_URL }),
      // the private redis-server gets a generated password from its start (a file, never argv): no open Redis
      ...(needRedis ? { redisServer: { password: privateRedisPassword() } } : { redisUrl: env.REDIS_URL }),
    });
    if (needDb) env.DATABASE_URL = stack.databaseUrl;
    if (needRedis) env.REDIS_URL = stack.redisUrl;
  }
  const databaseUrl = env.DATABASE_URL!;
  const db = createDatabase({ connectionString: databaseUrl, max: 1 });
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  const seedCounts = options.seedCounts ?? DEFAULT_SEED;
  if (options.seedMode === 'always' || (options.seedMode === 'auto' && needDb)) {
    const result = await seed(databaseUrl, seedCounts, {
      password: env.SEED_PASSWORD,
      adminUser: env.FASTNPC_ADMIN_USER,
      adminPassword: env.FASTNPC_ADMIN_PASSWORD,
    });
    const dir = join(tmpdir(), `fastnpc-service-${options.port}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'seed-credentials.json');
    writeFileSync(file, JSON.stringify(result, null, 2), { mode: 0o600 });
    chmodSync(file, 0o600);
    console.log(
      `seeded ${result.users.length} users × ${seedCounts.characters} characters × ${seedCounts.memories} memories; credentials (test data) in ${file}`,
    );
  }
  const secret = env.FASTNPC_SECRET || randomBytes(32).toString('hex');
  // The commit-log invalidator runs beside the workers (restarted when it dies); FASTNPC_INVALIDATOR=off is the
  // control without it, `external` when it runs elsewhere.
  const invalidator =
    invalidatorMode(env) === 'on' ? superviseInvalidator({ env, execArgv: process.execArgv }) : undefined;

  cluster.setupPrimary({
    exec: program(WORKER_MAIN).file,
    execArgv: [...programExecArgv(WORKER_MAIN, process.execArgv), ...WORKER_V8_FLAGS],
    silent: false,
  });
  let stopping = false;
  const workers = new Map<number, Worker>();
  // however the primary ends (a crash, process.exit before the graceful stop finished), no worker outlives it: a
  // worker that does not answer (stopped, hung) would otherwise keep its port and memory for good
  process.once('exit', () => {
    for (const worker of workers.values()) if (!worker.isDead()) worker.process.kill('SIGKILL');
  });
  const restarts = new Map<number, number>();
  const workerEnv = (index: number): NodeJS.ProcessEnv => ({
    ...env,
    WORKER_INDEX: String(index),
    PORT: String(options.port),
    FASTNPC_SECRET: secret,
  });
  const fork = (index: number): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(workerEnv(index));
      workers.set(index, worker);
      let ready = false;
      worker.on('message', (message: { type?: string; urls?: string[] }) => {
        if (message?.type === 'ready') {
          ready = true;
          restarts.delete(index);
          resolve(message.urls ?? []);
        }
      });
      worker.on('exit', (code, signal) => {
        if (!ready) reject(new Error(`worker ${index} exited during start-up (code ${code}, signal ${signal})`));
        if (stopping || workers.get(index) !== worker) return;
        // Back off while a worker keeps dying (e.g. PostgreSQL gone): 0.5 s, 1 s, 2 s … 10 s; reset once one is ready.
        const delay = Math.min(10_000, 500 * 2 ** (restarts.get(index) ?? 0));
        restarts.set(index, (restarts.get(index) ?? 0) + 1);
        consoleLogger.warn({ worker: index, code, signal, restartInMs: delay }, 'worker died; restarting it');
        setTimeout(() => {
          if (!stopping) fork(index).catch(() => {});
        }, delay).unref();
      });
    });

  const stopWorkers = async (): Promise<void> => {
    stopping = true;
    await Promise.all(
      [...workers.values()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), 12_000);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    await invalidator?.stop();
    await stack?.stop();
  };

  let urls: string[][];
  try {
    urls = await Promise.all(Array.from({ length: options.workers }, (_, i) => fork(i + 1)));
  } catch (error) {
    await stopWorkers();
    throw error;
  }
  const baseUrl = urls[0]?.[0] ?? `http://127.0.0.1:${options.port}`;
  return { baseUrl, workerUrls: urls.map((u) => u[1] ?? u[0] ?? ''), env, stop: stopWorkers };
}

/**
 * V8 flags of the workers. A young generation of 16 MB from the start instead of V8's 1 MB: at a low, even rate the
 * heap never grows it, so a worker scavenged every second or so and a request that met a scavenge waited for it (the
 * tail at the plan's load, docs/benchmarks.md). A scavenge costs what survives it, not the space's size, so each
 * pause stays as short and they come ≈ 16× less often; the pages are committed only when used.
 */
export const WORKER_V8_FLAGS = ['--min-semi-space-size=16'];

// ───────────────────────────── startService (tests, acceptance, gate) ─────────────────────────────

export interface StartServiceOptions {
  /** Shared port; worker i also listens on port + i. 0 or undefined = a free block of ports. */
  port?: number;
  /** @default 2 */
  workers?: number;
  redisUrl?: string;
  /** Redis behind Sentinel or a Cluster (wins over redisUrl); handed to the workers as REDIS_TOPOLOGY & co. */
  redisTopology?: RedisTopology;
  databaseUrl: string;
  /** @default 'on' */
  cacheMode?: 'on' | 'off';
  /** Extra environment of the service (FASTNPC_SECRET, CACHE_TTL_*, LLM_LATENCY_MS, …). */
  env?: NodeJS.ProcessEnv;
  /** Seed the database before start (in this process). @default DEFAULT_SEED (100 × 10 × 20); false = no seed */
  seed?: SeedCounts | false;
  /** How long to wait for every worker's /health. @default 60_000 */
  startTimeoutMs?: number;
}

export interface StartedService {
  /** The shared port (either worker answers). */
  baseUrl: string;
  /** One URL per worker: worker i on port + i. */
  workerUrls: string[];
  /** What the seed created (credentials of test data), when it ran. */
  seed?: SeedResult;
  /** The child process running the primary. */
  pid: number;
  /** SIGTERM and wait (graceful), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/**
 * Starts the two-worker service as a child process (`node --import tsx src/service/cli.ts`, or its pre-built bundle:
 * programs.ts), waits until every worker answers /health, and returns its URLs. Used by the service tests, the
 * acceptance suites and the gate.
 */
export async function startService(options: StartServiceOptions): Promise<StartedService> {
  const workers = options.workers ?? 2;
  const port = options.port || (await freePortBlock(workers));
  const cacheMode = options.cacheMode ?? 'on';
  // this process's environment under the service's own (a test's, the gate's): the seed and the service read the same
  const env: NodeJS.ProcessEnv = {
    ...inheritedEnv(options.env),
    DATABASE_URL: options.databaseUrl,
    CACHE_MODE: cacheMode,
  };
  const seeded =
    options.seed === false
      ? undefined
      : await seed(options.databaseUrl, options.seed ?? DEFAULT_SEED, {
          password: env.SEED_PASSWORD,
          adminUser: env.FASTNPC_ADMIN_USER,
          adminPassword: env.FASTNPC_ADMIN_PASSWORD,
        });
  if (options.redisTopology && cacheMode !== 'off') {
    delete env.REDIS_URL;
    Object.assign(env, topologyEnv(options.redisTopology));
  } else if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  else if (cacheMode === 'off') delete env.REDIS_URL;
  const child: ChildProcess = spawn(
    process.execPath,
    programArgs(CLI, ['--workers', String(workers), '--port', String(port), '--no-seed']),
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const showLog = serviceLogWanted();
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
    if (showLog) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // when this process ends before stop() (a signal, vitest exiting on Ctrl-C), the service still stops its workers
  const forget = onProcessExit(() => child.kill('SIGTERM'));

  const stop = async (): Promise<void> => {
    forget();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const host = '127.0.0.1';
  const baseUrl = `http://${host}:${port}`;
  const workerUrls = Array.from({ length: workers }, (_, i) => `http://${host}:${port + i + 1}`);
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let failure: string | undefined;
  void exited.then((code) => {
    failure = `service exited with code ${code} during start-up:\n${output.trim().slice(-3_000)}`;
  });
  for (const url of [...workerUrls, baseUrl]) {
    for (;;) {
      if (failure) throw new Error(failure);
      try {
        const response = await fetch(`${url}/health`);
        if (response.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`service did not answer ${url}/health in time:\n${output.trim().slice(-3_000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // With the invalidator on, a worker serves no entry from Redis until the invalidator has caught up once (the
  // fence starts closed): wait for that too, so the first reads of a test or the gate are not all `bypass`.
  for (const url of workerUrls) {
    for (;;) {
      if (failure) throw new Error(failure);
      const metrics = await fetch(`${url}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      if (metrics && !/^fastnpc_cache_fenced\{[^}]*\} 1$/m.test(metrics)) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `the cache of ${url} stayed fenced (is the invalidator running?):\n${output.trim().slice(-3_000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { baseUrl, workerUrls, ...(seeded ? { seed: seeded } : {}), pid: child.pid ?? 0, stop };
}

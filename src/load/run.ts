// `npm run load -- <scenario> [k6 run flags…]`: runs one k6 scenario of load/ and writes reports/load-<scenario>.*.
//
// Without BASE_URL it starts what the scenario needs — a private Redis and PostgreSQL (startLocalStack) and the
// two-worker service (startService) with CACHE_MODE per scenario (off for cache-off-baseline) — and stops all of it
// afterwards. With BASE_URL (and optionally WORKER1_URL / WORKER2_URL) it runs against that target and starts nothing.
// Targets and the seed password reach k6 through its environment, never its command line.
// Exit codes (docs/exit-codes.md): 0 every threshold held; 1 k6 failed (99 = a threshold; k6's code is printed);
// 2 usage error; 3 no k6 to run, or the local target could not start; 130 interrupted.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/registry.ts';
import { maskUrlCredentials } from '../secrets/redact.ts';
import { startService } from '../service/cluster.ts';
import { privateRedisPassword, startLocalStack } from '../stack/index.ts';
import { checkLoadEnv, loadEnv } from './config.ts';
import { K6_NOT_FOUND_MESSAGE } from './k6-binary.ts';
import { DEFAULT_SEED_PASSWORD, givenTarget, k6Env, type LoadTarget, reportPaths, seedUserCount } from './k6-env.ts';
import { type ContainerRuntime, chooseK6Runner, K6_IMAGE } from './k6-runner.ts';
import { tcpProbe } from './reachable.ts';
import { parseScenario, SCENARIO_NAMES, SCENARIOS, type ScenarioName, UnknownScenarioError } from './scenarios.ts';
import { mergeIntoReport, readCounters, type ServerEndpoints, serverFigures } from './server-figures.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REPORT_DIR = 'reports';

const HELP = `usage: npm run load -- <scenario> [k6 run flags]

scenarios: ${SCENARIO_NAMES.join(', ')}

environment:
  BASE_URL, WORKER1_URL, WORKER2_URL  run against this target instead of starting the local stack and service
  PROFILE=smoke|average|stress        load profile (default smoke); DURATION / STAGE_DURATION override its times
  SEED_PASSWORD                       password of the seeded users user001… (default '${DEFAULT_SEED_PASSWORD}')
  USERS, RATES, WRITERS, READERS, WRITE_RATE, READ_RATE   scenario knobs (docs/load.md)
  REDIS_URL, REDIS_PASSWORD, DATABASE_URL   with BASE_URL: where the server-side hit rate and statements are read
k6: on PATH or in .bin/, else the ${K6_IMAGE} image through a container runtime (docs/load.md)
reports: ${REPORT_DIR}/load-<scenario>.json, .junit.xml, .html
exit codes: 0 thresholds held, 1 failed, 2 usage error, 3 no k6 / target unreachable, 130 interrupted (docs/exit-codes.md)`;

/** A started target and how to stop it (nothing to stop when BASE_URL was given). */
interface RunningTarget {
  target: LoadTarget;
  /** Its Redis and database, for the server-side hit rate and statements (what is known of them). */
  servers: ServerEndpoints;
  stop(): Promise<void>;
}

/** Starts the local stack and the two-worker service for a scenario. */
export async function startLocalTarget(
  scenario: ScenarioName,
  seedPassword: string,
  env: NodeJS.ProcessEnv,
): Promise<RunningTarget> {
  const cacheMode = SCENARIOS[scenario].cacheMode;
  // Redis runs in both modes: the baseline differs from the cached run by CACHE_MODE alone, as it would in production.
  // the private redis-server has a generated password from its start (a 0600 file, never argv): no open Redis
  const stack = await startLocalStack({ redisServer: { password: privateRedisPassword() } });
  try {
    const service = await startService({
      port: 0,
      workers: 2,
      redisUrl: stack.redisUrl,
      databaseUrl: stack.databaseUrl,
      cacheMode,
      env: { SEED_PASSWORD: seedPassword },
      seed: { users: seedUserCount(env), characters: 3, memories: 5 },
    });
    const [worker1Url = service.baseUrl, worker2Url = service.baseUrl] = service.workerUrls;
    return {
      target: { baseUrl: service.baseUrl, worker1Url, worker2Url },
      servers: { redisUrl: stack.redisUrl || undefined, databaseUrl: stack.databaseUrl || undefined },
      stop: async () => {
        await service.stop().finally(() => stack.stop());
      },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** k6's command line: flags given after the scenario name, then the script. No targets, no credentials. */
export function k6Args(scenario: ScenarioName, flags: string[]): string[] {
  return ['run', ...flags, SCENARIOS[scenario].script];
}

/** The runner; `env`, `repoRoot` and `probeRuntime` (the container runtime) are seams for tests. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = loadEnv(),
  repoRoot = REPO_ROOT,
  probeRuntime?: () => Promise<ContainerRuntime | string>,
): Promise<number> {
  const [name, ...k6Flags] = argv[0] === '--' ? argv.slice(1) : argv;
  if (name === '--help' || name === '-h') {
    console.log(HELP);
    return 0;
  }
  let scenario: ScenarioName;
  try {
    scenario = parseScenario(name);
  } catch (error) {
    if (!(error instanceof UnknownScenarioError)) throw error;
    console.error(error.message);
    return 2;
  }
  try {
    checkLoadEnv(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`load: ${error.message}`);
    return 2;
  }
  const choice = await chooseK6Runner({ repoRoot, path: env.PATH, probeRuntime });
  if ('none' in choice) {
    console.error(`${K6_NOT_FOUND_MESSAGE}; ${choice.none}`);
    return 3;
  }
  const k6 = choice.runner;

  const seedPassword = env.SEED_PASSWORD || DEFAULT_SEED_PASSWORD;
  const given = givenTarget(env);
  if (given) {
    for (const url of new Set([given.baseUrl, given.worker1Url, given.worker2Url])) {
      try {
        await tcpProbe(url);
      } catch (error) {
        console.error(`cannot reach ${maskUrlCredentials(url)}: ${(error as Error).message} — nothing was run`);
        return 3;
      }
    }
  }
  let running: RunningTarget;
  try {
    running = given
      ? {
          target: given,
          servers: { redisUrl: env.REDIS_URL, redisPassword: env.REDIS_PASSWORD, databaseUrl: env.DATABASE_URL },
          stop: async () => {},
        }
      : await startLocalTarget(scenario, seedPassword, env);
  } catch (error) {
    console.error(`could not start the local target for ${scenario}: ${(error as Error).message}`);
    return 3;
  }
  try {
    mkdirSync(resolve(repoRoot, REPORT_DIR), { recursive: true });
    const childEnv = k6Env({ scenario, target: running.target, seedPassword, reportDir: REPORT_DIR, baseEnv: env });
    console.log(`load ${scenario} → ${maskUrlCredentials(running.target.baseUrl)} (${k6.description})`);
    const before = await readCounters(running.servers);
    const code = await k6.run({ args: k6Args(scenario, k6Flags), env: childEnv, repoRoot, reportDir: REPORT_DIR });
    const paths = reportPaths(scenario, REPORT_DIR);
    const figures = serverFigures(before, await readCounters(running.servers));
    const merged = mergeIntoReport(resolve(repoRoot, paths.json), figures, SCENARIOS[scenario].gatesHitRate);
    const rate = figures.cacheHitRate === null ? 'n/a' : `${(figures.cacheHitRate * 100).toFixed(1)} %`;
    console.log(
      `server side: keyspace hit rate ${rate}, PostgreSQL statements ${figures.dbStatements ?? 'n/a'}` +
        (figures.notes.length ? ` (${figures.notes.join('; ')})` : ''),
    );
    console.log(`reports: ${paths.json}, ${paths.junit}, ${paths.html}`);
    if (code === 130) return code;
    if (code === 0 && merged !== false) return 0;
    console.error(
      code === 0
        ? `a threshold on the server-side figures failed (hit rate ${rate}): see ${paths.json}`
        : `k6 exited with ${code}${code === 99 ? ' (a threshold failed)' : ''}`,
    );
    return 1;
  } finally {
    await running.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`load run failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

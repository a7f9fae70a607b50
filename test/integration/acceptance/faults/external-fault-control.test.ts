/**
 * An "external" target that is really a local stack this test starts, with fault control granted the way an
 * operator grants it: --allow-faults=F1 and shell commands that kill Redis and start it again on its data
 * directory (no handle on the process objects). F1 runs through the external fault environment — the gate's
 * settings check, the target description, the commands — and must hold its bounds (0 stale, 0 mismatches).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { externalFaultEnvironment } from '../../../../acceptance/faults/support/external-environment.ts';
import { checkFaultControl, grantedRows } from '../../../../acceptance/faults/support/fault-control.ts';
import { formatFigures, runFault } from '../../../../acceptance/faults/support/fault-run.ts';
import { faultDefinition } from '../../../../acceptance/faults/support/faults.ts';
import { externalTarget } from '../../../../acceptance/target/external.ts';
import { applyToEnv, parseArgs } from '../../../../src/gate/args.ts';
import { type StartedService, startService } from '../../../../src/service/cluster.ts';
import { findBinary } from '../../../../src/stack/binaries.ts';
import { REPOSITORY_REDIS_CONF, type StartedLocalStack, startLocalStack } from '../../../../src/stack/index.ts';

let stack: StartedLocalStack;
let service: StartedService;

beforeAll(async () => {
  stack = await startLocalStack({ redis: true, postgres: true, redisUrl: '', databaseUrl: '' });
  service = await startService({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    seed: { users: 1, characters: 1, memories: 2 },
    env: { LOG_LEVEL: 'fatal', FASTNPC_INVALIDATOR: 'on', CACHE_COMMAND_TIMEOUT_MS: '250' },
    startTimeoutMs: 150_000,
  });
}, 240_000);

afterAll(async () => {
  await service?.stop();
  // the Redis the start command launched (daemonized) is not the stack's child: stop it through its pidfile
  const pidFile = join(stack.redis!.dir, 'redis.pid');
  if (existsSync(pidFile)) spawnSync('kill', ['-KILL', readFileSync(pidFile, 'utf8').trim()]);
  await stack?.stop();
});

test('F1 on an external target with fault control granted: commands drive the fault, 0 stale, 0 mismatches', async () => {
  const redis = stack.redis!;
  const pidFile = join(redis.dir, 'redis.pid');
  const server = findBinary('redis-server', 'redis-server');
  const cli = findBinary('redis-cli', 'redis-server');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ACCEPTANCE_ALLOW_CREATE: '1',
    FAULT_REDIS_KILL_CMD: `kill -KILL "$(cat '${pidFile}')"`,
    FAULT_REDIS_START_CMD:
      `'${server}' '${REPOSITORY_REDIS_CONF}' --port ${redis.port} --dir '${redis.dir}' --pidfile '${pidFile}' ` +
      `--logfile '${redis.logFile}' --daemonize yes && ` +
      `for i in $(seq 100); do '${cli}' -p ${redis.port} ping >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1`,
  };
  const args = parseArgs([
    '--target',
    'external',
    '--base-url',
    service.baseUrl,
    '--worker1-url',
    service.workerUrls[0]!,
    '--worker2-url',
    service.workerUrls[1]!,
    '--redis-url',
    stack.redisUrl,
    '--database-url',
    stack.databaseUrl,
    '--allow-faults=F1',
  ]);
  applyToEnv(args, env);
  checkFaultControl('external', env); // what the gate's preflight runs
  expect(grantedRows(env)).toEqual(['F1']);
  const info = externalTarget(
    {
      kind: 'external',
      explicit: true,
      baseUrl: env.BASE_URL,
      workerUrls: [env.WORKER1_URL!, env.WORKER2_URL!],
      redisUrl: env.REDIS_URL,
      databaseUrl: env.DATABASE_URL,
      profile: 'reference',
      defects: [],
    },
    env,
  ).info;
  const pidBefore = redis.pid();
  const f = await runFault(faultDefinition('F1'), 'guarded', async () => externalFaultEnvironment(info, env));
  console.log(`[fault-table] external ${formatFigures(f)}`);
  // the commands really ran: the stack's own child was killed and another redis-server now serves
  expect(redis.pid()).toBeUndefined();
  expect(Number(readFileSync(pidFile, 'utf8').trim())).not.toBe(pidBefore);
  expect(f.requests).toBeGreaterThan(0);
  expect({ stale: f.stale, mismatches: f.entries.mismatches, errors500: f.errors500 }).toEqual({
    stale: 0,
    mismatches: 0,
    errors500: 0,
  });
  expect(f.recoveryMs).toBeGreaterThanOrEqual(0);
}, 240_000);

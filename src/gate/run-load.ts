/**
 * Step 3 of the gate: a short k6 run of load/chat-100-users.ts against the target — k6 from PATH or .bin/, else the
 * grafana/k6 image through a container runtime (src/load/k6-runner.ts). With neither the row reads SKIP with the
 * reason (a failure under --require-load). Hit rate and statements are also measured on the servers (Redis INFO,
 * pg_stat_statements) and merged into the summary, so a target without X-Cache is still judged on its hit rate.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetInfo } from '../../acceptance/target/index.ts';
import { readVariable } from '../config/registry.ts';
import { k6Env } from '../load/k6-env.ts';
import { type ContainerRuntime, chooseK6Runner } from '../load/k6-runner.ts';
import { mergeIntoReport, readCounters, serverFigures } from '../load/server-figures.ts';
import { gateEnv, gateRegistry } from './config.ts';
import type { LoadOutcome } from './verdict.ts';

export const LOAD_SCENARIO = 'chat-100-users';
export const LOAD_SCRIPT = `load/${LOAD_SCENARIO}.ts`;

export async function runLoad(options: {
  root: string;
  target: TargetInfo;
  reportsDir: string;
  skip: boolean;
  /** Test seams. */
  path?: string;
  probeRuntime?: () => Promise<ContainerRuntime | string>;
}): Promise<LoadOutcome> {
  const bound = 'k6 thresholds';
  if (options.skip) return { status: 'skip', figure: '—', bound, detail: 'load step skipped (--skip-load)' };
  if (!existsSync(join(options.root, LOAD_SCRIPT))) {
    return { status: 'fail', figure: '—', bound, detail: `${LOAD_SCRIPT} not found` };
  }
  // read now, never at import: the gate's environment (GATE_LOAD_DURATION, PATH, SEED_PASSWORD)
  const gate = gateEnv();
  const duration = readVariable(gateRegistry, 'GATE_LOAD_DURATION', gate);
  const choice = await chooseK6Runner({
    repoRoot: options.root,
    path: options.path ?? gate.PATH,
    probeRuntime: options.probeRuntime,
  });
  if ('none' in choice) return { status: 'skip', figure: '—', bound, detail: choice.none };
  const user = options.target.users[0];
  const env = k6Env({
    scenario: LOAD_SCENARIO,
    target: {
      baseUrl: options.target.baseUrl,
      worker1Url: options.target.workerUrls[0] ?? options.target.baseUrl,
      worker2Url: options.target.workerUrls[1] ?? options.target.baseUrl,
    },
    seedPassword: user?.password ?? gate.SEED_PASSWORD ?? '',
    reportDir: options.reportsDir,
    baseEnv: { ...gate, DURATION: duration },
  });
  const servers = {
    redisUrl: options.target.redisUrl,
    redisPassword: options.target.redisPassword,
    databaseUrl: options.target.databaseUrl,
  };
  const before = await readCounters(servers);
  const code = await choice.runner.run({
    args: ['run', '--quiet', LOAD_SCRIPT],
    env,
    repoRoot: options.root,
    reportDir: options.reportsDir,
    output: 'ignore',
  });
  const figures = serverFigures(before, await readCounters(servers));
  const summary = join(options.reportsDir, `load-${LOAD_SCENARIO}.json`);
  const merged = mergeIntoReport(summary, figures, true);
  let figure = `exit ${code}`;
  try {
    const data = JSON.parse(readFileSync(summary, 'utf8')) as {
      fastnpc?: { cacheHitRate?: number | null; failedRequestRate?: number | null };
    };
    const hit = data.fastnpc?.cacheHitRate;
    const failed = data.fastnpc?.failedRequestRate;
    if (typeof hit === 'number') {
      figure = `hit rate ${(hit * 100).toFixed(1)} %${typeof failed === 'number' ? `, failed ${(failed * 100).toFixed(2)} %` : ''}`;
    }
  } catch {}
  const how = `${choice.runner.description}, ${duration}`;
  if (merged === undefined) {
    return { status: 'fail', figure, bound, detail: `k6 exited with ${code} and wrote no summary (${how})` };
  }
  if (code === 0 && merged) return { status: 'pass', figure, bound, detail: how };
  return {
    status: 'fail',
    figure,
    bound,
    detail:
      code === 0
        ? `a threshold on the server-side figures failed (${how})`
        : code === 99
          ? `a k6 threshold failed (${how})`
          : `k6 exited with ${code} (${how})`,
  };
}

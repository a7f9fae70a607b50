/**
 * Step 3 of the gate (optional): a short k6 run of load/chat-100-users.ts against the target, only when a k6
 * binary is on PATH or in .bin/. k6 cannot be installed from npm; without it the step is skipped, not failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetInfo } from '../../acceptance/target/index.ts';
import type { LoadOutcome } from './verdict.ts';

export const LOAD_SCRIPT = 'load/chat-100-users.ts';
/** Length of the gate's smoke load run. @default '20s' */
export const DEFAULT_LOAD_DURATION = process.env.GATE_LOAD_DURATION ?? '20s';

export function findK6(root: string, path = process.env.PATH ?? ''): string | undefined {
  const dirs = [join(root, '.bin'), join(root, 'node_modules', '.bin'), ...path.split(':').filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, 'k6');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export async function runLoad(options: {
  root: string;
  target: TargetInfo;
  reportsDir: string;
  skip: boolean;
}): Promise<LoadOutcome> {
  const bound = 'k6 thresholds';
  if (options.skip) return { status: 'skip', figure: '—', bound, detail: 'load step skipped (--skip-load)' };
  const k6 = findK6(options.root);
  if (!k6) return { status: 'skip', figure: '—', bound, detail: 'k6 not installed: load step skipped' };
  const script = join(options.root, LOAD_SCRIPT);
  if (!existsSync(script))
    return { status: 'skip', figure: '—', bound, detail: `${LOAD_SCRIPT} not found: load step skipped` };
  const summary = join(options.reportsDir, 'load-chat-100-users.json');
  const user = options.target.users[0];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BASE_URL: options.target.baseUrl,
    WORKER1_URL: options.target.workerUrls[0] ?? '',
    WORKER2_URL: options.target.workerUrls[1] ?? '',
    DURATION: DEFAULT_LOAD_DURATION,
    REPORT_DIR: options.reportsDir,
    ...(user ? { SEED_PASSWORD: user.password } : {}),
  };
  const code = await new Promise<number>((resolve) => {
    const child = spawn(k6, ['run', '--quiet', script], {
      cwd: options.root,
      env,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.on('error', () => resolve(127));
    child.on('exit', (c) => resolve(c ?? 1));
  });
  let figure = `exit ${code}`;
  try {
    // written by the scenario's handleSummary (load/lib/summary.ts)
    const data = JSON.parse(readFileSync(summary, 'utf8')) as {
      fastnpc?: { cacheHitRate?: number | null; failedRequestRate?: number | null };
    };
    const hit = data.fastnpc?.cacheHitRate;
    const failed = data.fastnpc?.failedRequestRate;
    if (typeof hit === 'number') {
      figure = `hit rate ${(hit * 100).toFixed(1)} %${typeof failed === 'number' ? `, failed ${(failed * 100).toFixed(2)} %` : ''}`;
    }
  } catch {}
  if (code === 0) return { status: 'pass', figure, bound, detail: `k6 ${DEFAULT_LOAD_DURATION}` };
  return {
    status: 'fail',
    figure,
    bound,
    detail: code === 99 ? 'a k6 threshold failed' : `k6 exited with ${code}`,
  };
}

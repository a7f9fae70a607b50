/** The process tree a test started, so it can show what ran and prove that none of it outlived the run. */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { procStat } from '../../src/stack/ownership.ts';

/** Pids of the processes whose parent chain includes `root` (deepest first). */
export { descendantsOf as descendants } from '../../src/stack/ownership.ts';

/** PostgreSQL runs detached (pg_ctl): its postmaster, found by the port in the DATABASE_URL of any of `pids`. */
export function postgresOf(pids: number[]): number[] {
  const ports = new Set<string>();
  for (const pid of pids) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const url = env.find((e) => e.startsWith('DATABASE_URL='))?.slice('DATABASE_URL='.length);
      if (url) ports.add(new URL(url).port);
    } catch {}
  }
  const ps = spawnSync('ps', ['-eo', 'pid=,cmd='], { encoding: 'utf8' }).stdout;
  return ps
    .trim()
    .split('\n')
    .filter((line) => [...ports].some((port) => line.includes('postgres -D') && line.includes(` -p ${port} `)))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

/** The command lines of `pids` (those still running), one per line. */
export function commandsOf(pids: number[]): string {
  if (pids.length === 0) return '';
  return spawnSync('ps', ['-o', 'cmd=', '-p', pids.join(',')], { encoding: 'utf8' }).stdout;
}

/** True while `pid` runs (a zombie, dead but not yet reaped by its parent, counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return procStat(pid)?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A child `node` process (TypeScript through tsx) running the ES module `script`, and the JSON it prints after
 * `marker` once it is ready. The child itself is the one process (no tsx wrapper), so killing it kills the owner.
 */
export function runReporting<T>(
  script: string,
  marker: string,
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { child: ChildProcess; report: Promise<T> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const report = new Promise<T>((resolve, reject) => {
    child.stdout?.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith(`${marker} `));
      if (line) resolve(JSON.parse(line.slice(marker.length + 1)) as T);
    });
    child.stderr?.on('data', (c) => (out += c));
    child.on('exit', (code) => reject(new Error(`the child exited (${code}) before it reported ${marker}: ${out}`)));
  });
  report.catch(() => {}); // a kill after the report is expected
  return { child, report };
}

/** The process tree a test started, so it can show what ran and prove that none of it outlived the run. */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Pids of the processes whose parent chain includes `root`. */
export function descendants(root: number): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of ps.trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

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

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

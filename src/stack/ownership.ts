/**
 * Who owns a private server's temp folder. A process killed with SIGKILL (a vitest worker killed, a CI job or a
 * gate timed out) runs no exit hook, so its redis-server, PostgreSQL or systemd host would stay until reboot. Each
 * such folder names its owner — pid plus start time, so a reused pid is not taken for the process that made it —
 * and the next start removes the folders whose owner is gone (`orphanedDirs`).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OWNER_FILE = 'owner.json';

export interface Ownership {
  pid: number;
  /** The owner's start time (field 22 of /proc/<pid>/stat, clock ticks since boot). */
  started: string;
}

/**
 * The fields of /proc/<pid>/stat after the command name ("pid (comm) state ppid …": comm may hold spaces and
 * parentheses, so the split starts after the last ')'): [0] state, [1] ppid, [19] start time. Undefined when gone.
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process's start time, or undefined when it is gone. */
export function startTime(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** Records that this process owns `dir`, with whatever its reaper needs to know (`details`). */
export function claimDir<T extends object>(dir: string, details?: T): void {
  const owner: Ownership = { pid: process.pid, started: startTime(process.pid) ?? '' };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify({ ...details, ...owner }));
}

/** True while the process that claimed a folder runs. */
export function ownerAlive(owner: Ownership): boolean {
  const now = startTime(owner.pid);
  return now !== undefined && (owner.started === '' || now === owner.started);
}

/**
 * The folders in `base` whose name starts with `prefix` and whose owner is gone, with what the owner recorded.
 * A folder without an owner file is being created right now (or is not ours to judge) and is left alone.
 */
export function orphanedDirs<T extends object>(
  prefix: string,
  base = tmpdir(),
): Array<{ dir: string; owner: T & Ownership }> {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const out: Array<{ dir: string; owner: T & Ownership }> = [];
  for (const name of names) {
    const dir = join(base, name);
    try {
      const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as T & Ownership;
      if (!ownerAlive(owner)) out.push({ dir, owner });
    } catch {}
  }
  return out;
}

/** Processes whose command line names a path inside `dir` (a server started on it, an SSH master using it). */
export function processesNaming(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`)) out.push(pid);
    } catch {}
  }
  return out;
}

/** Pids whose parent chain includes `root`, deepest first. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    const ppid = Number.isInteger(pid) ? Number(procStat(pid)?.[1]) : Number.NaN;
    if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    for (const c of children.get(pid) ?? []) {
      walk(c);
      out.push(c);
    }
  };
  walk(root);
  return out;
}

/** SIGKILL to `pid` and everything below it (deepest first); gone processes are ignored. */
export function killTree(pid: number): void {
  for (const p of [...descendantsOf(pid), pid]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
}

/**
 * Systemd hosts whose test process died without cleaning up (a vitest worker killed with SIGKILL, a timed-out CI
 * job): their systemd-nspawn, container, veth or bridge and overlay mount would stay until the machine reboots.
 * Every host (and host group) writes who owns it into its temp directory; before booting a new one, the hosts of
 * owners that are gone are stopped and removed. An owner is a pid plus its start time, so a reused pid is not taken
 * for the process that made the host.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prefix of every temp directory a systemd host or host group lives in. */
export const HOST_DIR_PREFIX = 'fastnpc-systemd-host';
const OWNER_FILE = 'owner.json';

interface Ownership {
  pid: number;
  /** The owner's start time (field 22 of /proc/<pid>/stat, clock ticks since boot). */
  started: string;
  /** Network links to delete (the host's veth, or the group's bridge). */
  links: string[];
  /** The overlay mount the container runs on (hosts only). */
  merged?: string;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Records that this process owns the host or group in `dir`. */
export function claimHostDir(dir: string, links: string[], merged?: string): void {
  const owner: Ownership = { pid: process.pid, started: startTime(process.pid) ?? '', links, merged };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
}

/** Pids whose parent chain includes `root`, deepest first. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {}
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

/** Processes whose command line names a path inside `dir`: its systemd-nspawn (-D <dir>/root), its SSH masters. */
function processesNaming(dir: string): number[] {
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

const kill = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(pid, signal);
  } catch {}
};

/** Stops and removes what `owner` left: its container and SSH masters, links, mount, files. */
function reap(dir: string, owner: Ownership): void {
  // the container's processes (below its systemd-nspawn) first, then nspawn and the SSH masters themselves
  for (const pid of processesNaming(dir)) for (const p of [...descendants(pid), pid]) kill(p, 'SIGKILL');
  for (const link of owner.links) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
  if (owner.merged && spawnSync('umount', [owner.merged], { stdio: 'ignore' }).status !== 0) {
    spawnSync('umount', ['-l', owner.merged], { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Removes the hosts and groups whose owner process is gone; returns their directories. */
export function reapOrphanedHosts(base = tmpdir()): string[] {
  const reaped: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(HOST_DIR_PREFIX));
  } catch {
    return reaped;
  }
  for (const name of names) {
    const dir = join(base, name);
    let owner: Ownership;
    try {
      owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Ownership;
    } catch {
      continue; // being created right now, or not ours to judge
    }
    const now = startTime(owner.pid);
    if (now !== undefined && (owner.started === '' || now === owner.started)) continue; // its owner still runs
    reap(dir, owner);
    reaped.push(dir);
  }
  return reaped;
}

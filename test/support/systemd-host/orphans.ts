/**
 * Systemd hosts whose test process died without cleaning up (a vitest worker killed with SIGKILL, a timed-out CI
 * job): their systemd-nspawn, container, SSH masters, veth or bridge and overlay mount would stay until the machine
 * reboots. Every host (and host group) claims its temp folder (src/stack/ownership.ts); before booting a new one,
 * the hosts of owners that are gone are stopped and removed.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { claimDir, killTree, orphanedDirs, processesNaming } from '../../../src/stack/ownership.ts';

/** Prefix of every temp directory a systemd host or host group lives in. */
export const HOST_DIR_PREFIX = 'fastnpc-systemd-host';

interface HostDetails {
  /** Network links to delete (the host's veth, or the group's bridge). */
  links: string[];
  /** The overlay mount the container runs on (hosts only). */
  merged?: string;
}

/** Records that this process owns the host or group in `dir`. */
export function claimHostDir(dir: string, links: string[], merged?: string): void {
  claimDir<HostDetails>(dir, { links, merged });
}

/** Removes the hosts and groups whose owner process is gone; returns their directories. */
export function reapOrphanedHosts(base = tmpdir()): string[] {
  const reaped: string[] = [];
  for (const { dir, owner } of orphanedDirs<HostDetails>(HOST_DIR_PREFIX, base)) {
    // the container (below its systemd-nspawn, which names <dir>/root) and the SSH masters (<dir>/cm-…)
    for (const pid of processesNaming(dir)) killTree(pid);
    for (const link of owner.links ?? []) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
    if (owner.merged && spawnSync('umount', [owner.merged], { stdio: 'ignore' }).status !== 0) {
      spawnSync('umount', ['-l', owner.merged], { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

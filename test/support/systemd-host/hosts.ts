import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from '../../../src/stack/cleanup.ts';
import { type AptProxy, startAptProxy } from './apt-proxy.ts';
import { type SystemdHost, startSystemdHost } from './host.ts';
import { claimHostDir, HOST_DIR_PREFIX, reapOrphanedHosts } from './orphans.ts';
import { sshConfigBlock } from './ssh-config.ts';

/** Several systemd hosts on one Linux bridge: they reach each other (one /24), and this machine at `.1` only. */
export interface SystemdHostGroup {
  readonly hosts: SystemdHost[];
  /** One ssh_config for every host of the group (the CLI's --ssh-config). */
  readonly sshConfig: string;
  readonly bridge: string;
  readonly proxy: AptProxy;
  stop(): Promise<void>;
}

/** A free /24 in 10.215.0.0/16 that no interface of this machine uses. */
function pickSubnet(): string {
  const used = spawnSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' }).stdout;
  for (;;) {
    const prefix = `10.215.${randomBytes(1)[0]!}`;
    if (!used.includes(` ${prefix}.`)) return prefix;
  }
}

/**
 * Boots `count` fresh hosts (overlays over the cached root, as startSystemdHost) on a new bridge `fbr-<hex>` with
 * addresses <net>.2, .3 …; the bridge holds <net>.1, where the one apt proxy (restricted to the mirror) listens. No
 * forwarding or NAT: the hosts reach each other and this machine, nothing else. `stop()` removes everything.
 */
export async function startSystemdHosts(
  count: number,
  cached: { root: string; key: string; mirrorHost: string },
): Promise<SystemdHostGroup> {
  const bridge = `fbr-${randomBytes(3).toString('hex')}`;
  const net = pickSubnet();
  const gateway = `${net}.1`;
  reapOrphanedHosts();
  const temp = mkdtempSync(join(tmpdir(), `${HOST_DIR_PREFIX}s-`));
  chmodSync(temp, 0o700);
  claimHostDir(temp, [bridge]);
  const removeBridge = (): void => {
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  };
  const unregister = onProcessExit(() => {
    removeBridge();
    rmSync(temp, { recursive: true, force: true });
  });
  for (const args of [
    ['link', 'add', bridge, 'type', 'bridge'],
    ['addr', 'add', `${gateway}/24`, 'dev', bridge],
    ['link', 'set', bridge, 'up'],
  ]) {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) {
      removeBridge();
      unregister();
      throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
    }
  }
  const proxy = await startAptProxy(gateway, cached.mirrorHost);
  const sshConfig = join(temp, 'ssh_config');
  writeFileSync(sshConfig, sshConfigBlock(`${net}.*`, cached.key, `${temp}/cm-%r@%h`));
  const hosts: SystemdHost[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(hosts.map((h) => h.stop()));
    for (const h of hosts) spawnSync('ssh', ['-F', sshConfig, '-O', 'exit', `root@${h.address}`], { stdio: 'ignore' });
    await proxy.close();
    removeBridge();
    rmSync(temp, { recursive: true, force: true });
    unregister();
  };
  try {
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        startSystemdHost({
          ...cached,
          bridge: { name: bridge, address: `${net}.${i + 2}`, prefixLength: 24, gateway, proxy },
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') hosts.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await stop();
    throw error;
  }
  hosts.sort((a, b) => Number(a.address.split('.')[3]) - Number(b.address.split('.')[3]));
  return { hosts, sshConfig, bridge, proxy, stop };
}

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onProcessExit } from '../../../src/stack/cleanup.ts';
import { runCaptured } from '../run-captured.ts';
import { type AptProxy, startAptProxy } from './apt-proxy.ts';
import { claimHostDir, HOST_DIR_PREFIX, reapOrphanedHosts } from './orphans.ts';
import { sshConfigBlock } from './ssh-config.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '../../..');

/** Where the Debian roots are built once per machine (env FASTNPC_SYSTEMD_HOST_CACHE). */
export const CACHE_DIR = process.env.FASTNPC_SYSTEMD_HOST_CACHE ?? '/var/cache/fastnpc-harness';
const BOOT_TIMEOUT_MS = 90_000;

/**
 * The Debian releases a test host can run: 12 (Redis 7.0.15, systemd 252) and 11 (Redis 6.0.16 — the version Ubuntu
 * 22.04 ships —, systemd 247).
 */
export const HOST_RELEASES = {
  debian12: { suite: 'bookworm', title: 'Debian 12', redis: '7.0' },
  debian11: { suite: 'bullseye', title: 'Debian 11', redis: '6.0' },
} as const;
export type HostRelease = keyof typeof HOST_RELEASES;

/** Why a systemd-nspawn host cannot run here, or undefined when it can. */
export function systemdHostUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: systemd-nspawn and debootstrap need root';
  for (const bin of ['systemd-nspawn', 'debootstrap', 'ssh', 'ssh-keygen', 'ip', 'flock', 'chroot']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) {
      return `${bin} is not installed (bash scripts/install-system-deps.sh installs systemd-container debootstrap openssh-client)`;
    }
  }
  return undefined;
}

/** Builds the cached root of a release when missing or left half-built by an interrupted run (build-root.sh). */
export function ensureRoot(
  release: HostRelease = 'debian12',
  cacheDir = CACHE_DIR,
): { root: string; key: string; log: string } {
  const result = spawnSync('bash', [join(HERE, 'build-root.sh'), cacheDir, HOST_RELEASES[release].suite], {
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (result.status !== 0) {
    throw new Error(`building the systemd host root failed: ${(result.stderr || result.stdout).trim().slice(-2000)}`);
  }
  return {
    root: join(cacheDir, `${release}-root`),
    key: join(cacheDir, `${release}-id_ed25519`),
    log: result.stdout.trim(),
  };
}

/** What every host boots from: the cached root (built on first use), its SSH key, the apt mirror hosts may reach. */
export function hostInputs(release: HostRelease = 'debian12'): { root: string; key: string; mirrorHost: string } {
  const { root, key } = ensureRoot(release);
  const mirrorHost = execFileSync('node', [join(HERE, 'apt-mirror.mjs'), 'host'], { encoding: 'utf8' }).trim();
  return { root, key, mirrorHost };
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A bridge several hosts share (hosts.ts): its name, the host's address on it, the bridge's own address, the proxy. */
export interface HostBridge {
  name: string;
  address: string;
  prefixLength: number;
  gateway: string;
  proxy: AptProxy;
}

/** A Debian machine booted with systemd as PID 1, reachable only over its own veth /30 (or a shared bridge). */
export interface SystemdHost {
  /** The container's address (the one target the tests may use). */
  readonly address: string;
  /** The machine-side veth address (the apt proxy listens there). */
  readonly gateway: string;
  /** An ssh_config for the CLI's --ssh-config: the host's key, no known_hosts pollution. */
  readonly sshConfig: string;
  readonly proxy: AptProxy;
  /** Runs a shell command on the host over SSH (as `user`, default root). */
  ssh(command: string, options?: { user?: string; input?: string; timeoutMs?: number }): Promise<SshResult>;
  /** The host-side PID of the container's systemd (for nsenter). */
  initPid(): number | undefined;
  /** `systemctl poweroff` over SSH and wait for the machine to stop; `boot()` starts it again on the same root. */
  poweroff(): Promise<number>;
  boot(): Promise<number>;
  /** Stops the machine, the proxy and removes the temp files (safe to call twice). */
  stop(): Promise<void>;
}

function runSsh(
  config: string,
  destination: string,
  command: string,
  input = '',
  timeoutMs = 120_000,
): Promise<SshResult> {
  return runCaptured('ssh', ['-F', config, '--', destination, command], { input, timeoutMs });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A free /30 in 10.214.0.0/16 that no interface of this machine uses. */
function pickSubnet(): { gateway: string; address: string } {
  const used = spawnSync('ip', ['-4', '-o', 'addr'], { encoding: 'utf8' }).stdout;
  for (;;) {
    const x = randomBytes(1)[0]!;
    const block = (randomBytes(1)[0]! % 63) * 4;
    const gateway = `10.214.${x}.${block + 1}`;
    const address = `10.214.${x}.${block + 2}`;
    if (!used.includes(`10.214.${x}.${block + 1}/`) && !used.includes(`10.214.${x}.${block + 2}/`)) {
      return { gateway, address };
    }
  }
}

/**
 * Boots a fresh host: an overlay over the cached root (which stays pristine, so every host starts as a fresh server
 * and runs on one machine never share one), `systemd-nspawn -b` on it (systemd as its PID 1; `--keep-unit
 * --register=no` because this machine has no systemd of its own), a veth /30, an apt proxy restricted to the mirror;
 * waits for sshd and a running system. The overlay survives `poweroff()` + `boot()`; `stop()` removes everything.
 */
export async function startSystemdHost(options: {
  root: string;
  key: string;
  mirrorHost: string;
  /** Join this bridge (several hosts on one segment, hosts.ts) instead of a veth /30 of its own. */
  bridge?: HostBridge;
  /**
   * A cgroup v1 memory directory (memory-cgroup.ts) the machine runs in: nspawn joins it before it boots, so the
   * whole host — its systemd, services and their children — is capped by its limit.
   */
  memoryCgroup?: string;
}): Promise<SystemdHost> {
  const name = `fnpc${randomBytes(3).toString('hex')}`;
  const { bridge } = options;
  const veth = bridge ? `vb-${name}` : `ve-${name}`;
  const { gateway, address } = bridge ? { gateway: bridge.gateway, address: bridge.address } : pickSubnet();
  reapOrphanedHosts();
  const temp = mkdtempSync(join(tmpdir(), `${HOST_DIR_PREFIX}-`));
  chmodSync(temp, 0o700);
  const merged = join(temp, 'root');
  claimHostDir(temp, [veth], merged);
  for (const dir of ['upper', 'work', 'root']) mkdirSync(join(temp, dir));
  const mount = spawnSync(
    'mount',
    ['-t', 'overlay', 'overlay', '-o', `lowerdir=${options.root},upperdir=${temp}/upper,workdir=${temp}/work`, merged],
    { encoding: 'utf8' },
  );
  if (mount.status !== 0) {
    rmSync(temp, { recursive: true, force: true });
    throw new Error(`cannot mount an overlay over ${options.root}: ${mount.stderr.trim()}`);
  }
  const sshConfig = join(temp, 'ssh_config');
  writeFileSync(sshConfig, sshConfigBlock(address, options.key, `${temp}/cm-%r`));
  const networkFile = join(merged, 'etc/systemd/network/10-host0.network');
  mkdirSync(dirname(networkFile), { recursive: true });
  writeFileSync(
    networkFile,
    `[Match]\nName=host0\n\n[Network]\nAddress=${address}/${bridge ? bridge.prefixLength : 30}\nLinkLocalAddressing=no\n`,
  );

  let machine: ChildProcess | undefined;
  let machineLog = '';
  let proxy: AptProxy | undefined;
  let stopped = false;

  const closeMasters = (): void => {
    for (const user of ['root', 'ops']) {
      spawnSync('ssh', ['-F', sshConfig, '-O', 'exit', `${user}@${address}`], { stdio: 'ignore', timeout: 5_000 });
    }
  };
  const killMachine = (): void => {
    closeMasters();
    if (machine && machine.exitCode === null && machine.signalCode === null) machine.kill('SIGKILL');
    spawnSync('ip', ['link', 'del', veth], { stdio: 'ignore' });
  };
  const removeOverlay = (): void => {
    if (spawnSync('umount', [merged]).status !== 0) spawnSync('umount', ['-l', merged]);
    rmSync(temp, { recursive: true, force: true });
  };
  const unregister = onProcessExit(() => {
    killMachine();
    removeOverlay();
  });

  const boot = async (): Promise<number> => {
    const started = Date.now();
    machineLog = '';
    const nspawnArgs = [
      '-q',
      '-b',
      '-D',
      merged,
      '-M',
      name,
      '--register=no',
      '--keep-unit',
      ...(bridge ? [`--network-bridge=${bridge.name}`] : ['--network-veth']),
      '--link-journal=no',
      '--console=passive',
    ];
    // in a memory cgroup: the shell joins it, then becomes nspawn (same pid, so kill/exit handling is unchanged)
    machine = options.memoryCgroup
      ? spawn(
          'sh',
          [
            '-c',
            'echo $$ > "$1/cgroup.procs" && shift && exec systemd-nspawn "$@"',
            'sh',
            options.memoryCgroup,
            ...nspawnArgs,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        )
      : spawn('systemd-nspawn', nspawnArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    machine.stdout?.on('data', (c: Buffer) => {
      machineLog += c.toString();
    });
    machine.stderr?.on('data', (c: Buffer) => {
      machineLog += c.toString();
    });
    const deadline = started + BOOT_TIMEOUT_MS;
    const alive = (): boolean => machine?.exitCode === null && machine?.signalCode === null;
    while (spawnSync('ip', ['link', 'show', veth], { stdio: 'ignore' }).status !== 0) {
      if (!alive() || Date.now() > deadline) throw new Error(`systemd-nspawn did not create ${veth}: ${machineLog}`);
      await sleep(50);
    }
    if (!bridge) spawnSync('ip', ['addr', 'replace', `${gateway}/30`, 'dev', veth]);
    spawnSync('ip', ['link', 'set', veth, 'up']);
    for (;;) {
      const r = await runSsh(sshConfig, `root@${address}`, 'systemctl is-system-running --wait', '', 30_000);
      if (r.code === 0 || /degraded|running/.test(r.stdout)) break;
      if (!alive() || Date.now() > deadline) {
        throw new Error(
          `the systemd host did not come up on ${address}: ${r.stderr.trim()} ${machineLog.slice(-1500)}`,
        );
      }
      await sleep(300);
    }
    return Date.now() - started;
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (machine && machine.exitCode === null && machine.signalCode === null) {
      const exited = new Promise<void>((r) => machine?.once('exit', () => r()));
      machine.kill('SIGTERM'); // nspawn asks the container's systemd for an orderly shutdown
      await Promise.race([exited, sleep(15_000)]);
    }
    killMachine();
    if (!bridge) await proxy?.close(); // a bridge's proxy belongs to the group (hosts.ts)
    removeOverlay();
    unregister();
  };

  try {
    await bootNetworkAndProxy();
  } catch (error) {
    await stop();
    throw error;
  }

  async function bootNetworkAndProxy(): Promise<void> {
    const first = boot();
    let bootError: unknown;
    first.catch((error: unknown) => {
      bootError = error;
    });
    if (bridge) {
      proxy = bridge.proxy;
      writeProxyConf();
      await first;
      return;
    }
    // The proxy needs the veth address, which exists once nspawn made the link: wait for it, then listen.
    while (
      spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', veth], { encoding: 'utf8' }).stdout.indexOf(gateway) < 0
    ) {
      if (bootError) throw bootError;
      if (machine?.exitCode !== null || machine?.signalCode !== null) await first; // throws the boot's reason
      await sleep(50);
    }
    proxy = await startAptProxy(gateway, options.mirrorHost);
    writeProxyConf();
    await first;
  }

  function writeProxyConf(): void {
    writeFileSync(
      join(merged, 'etc/apt/apt.conf.d/01fastnpc-proxy'),
      `Acquire::http::Proxy "${proxy?.url}";\nAcquire::https::Proxy "DIRECT";\n`,
    );
  }

  return {
    address,
    gateway,
    sshConfig,
    get proxy() {
      return proxy as AptProxy;
    },
    ssh: (command, opts = {}) =>
      runSsh(sshConfig, `${opts.user ?? 'root'}@${address}`, command, opts.input ?? '', opts.timeoutMs),
    initPid: () => {
      if (!machine?.pid) return undefined;
      // nspawn's child is the container's init (systemd, PID 1 inside).
      const out = spawnSync('pgrep', ['-P', String(machine.pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')[0];
      return out ? Number(out) : undefined;
    },
    poweroff: async () => {
      const started = Date.now();
      const exited = new Promise<void>((r) => {
        if (machine?.exitCode !== null || machine?.signalCode !== null) r();
        else machine?.once('exit', () => r());
      });
      await runSsh(sshConfig, `root@${address}`, 'systemctl poweroff', '', 15_000);
      await Promise.race([exited, sleep(30_000)]);
      closeMasters(); // their connections died with the machine's network
      if (machine?.exitCode === null && machine?.signalCode === null)
        throw new Error('the systemd host did not power off');
      return Date.now() - started;
    },
    boot,
    stop,
  };
}

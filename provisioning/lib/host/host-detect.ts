import { ProvisionError } from '../command/errors.ts';
import type { Layout } from './layout.ts';
import { readText, type Target } from './target.ts';

/** The hosts we provision and the Redis their archive ships. */
export const SUPPORTED_HOSTS = [
  { id: 'ubuntu', versionId: '24.04', redis: '7.0' },
  { id: 'debian', versionId: '12', redis: '7.0' },
  { id: 'ubuntu', versionId: '22.04', redis: '6.0' },
  // the same Redis 6.0.16 as Ubuntu 22.04: the one 6.0 host CI can boot (docs/operations.md)
  { id: 'debian', versionId: '11', redis: '6.0' },
] as const;

export interface HostInfo {
  /** PRETTY_NAME of os-release. */
  pretty: string;
  id: string;
  versionId: string;
  /** Major.minor of redis-server: the installed one, else what the archive ships. */
  redisVersion: string;
  /** Full version of an installed redis-server (undefined before it is installed). */
  installedRedis?: string;
  /** systemd runs the host (PID 1 is systemd: /run/systemd/system exists and systemctl is there). */
  systemd: boolean;
  /** MemTotal, or the host's memory cgroup limit when lower (a container capped below the machine's RAM). */
  totalRamBytes: number;
  /** 'MemTotal' or 'memory cgroup limit'. */
  ramSource: string;
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    out[match[1]!] = match[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** The supported entry for an os-release, or E_UNSUPPORTED_HOST naming what we do support. */
export function supportedHost(osRelease: Record<string, string>) {
  const id = (osRelease.ID ?? '').toLowerCase();
  const versionId = osRelease.VERSION_ID ?? '';
  const entry = SUPPORTED_HOSTS.find((h) => h.id === id && h.versionId === versionId);
  if (!entry) {
    const name = osRelease.PRETTY_NAME ?? (`${id} ${versionId}`.trim() || 'an unknown OS');
    throw new ProvisionError(
      'E_UNSUPPORTED_HOST',
      `${name} is not supported: provisioning targets Ubuntu 24.04 and Debian 12 (Redis 7.0), Ubuntu 22.04 and Debian 11 (Redis 6.0)`,
    );
  }
  return entry;
}

export function parseRedisVersion(output: string): string | undefined {
  return /\bv=(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export function parseMemTotal(meminfo: string): number {
  const kb = /^MemTotal:\s+(\d+)\s+kB/m.exec(meminfo)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** A memory cgroup limit (v1 memory.limit_in_bytes or v2 memory.max) in bytes; undefined for none ("max", huge). */
export function parseCgroupLimit(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (!value || !/^\d+$/.test(value)) return undefined;
  const bytes = Number(value);
  return bytes >= 2 ** 62 ? undefined : bytes; // v1 writes "no limit" as 9223372036854771712
}

export async function detectHost(target: Target, layout: Layout): Promise<HostInfo> {
  const osText = await readText(target, layout.osRelease);
  if (osText === undefined) {
    throw new ProvisionError(
      'E_UNSUPPORTED_HOST',
      `${layout.osRelease} not found on ${target.name}: cannot tell the OS`,
    );
  }
  const osRelease = parseOsRelease(osText);
  const entry = supportedHost(osRelease);
  const version = await target.exec(['sh', '-c', 'command -v redis-server >/dev/null && redis-server --version']);
  const installedRedis = version.exitCode === 0 ? parseRedisVersion(version.stdout) : undefined;
  const systemd =
    (await target.exec(['sh', '-c', 'test -d "$1" && command -v systemctl >/dev/null', 'sh', layout.systemdMarker]))
      .exitCode === 0;
  const meminfo = (await readText(target, '/proc/meminfo')) ?? '';
  const memTotal = parseMemTotal(meminfo);
  // a container sees the machine's MemTotal; its own cgroup (namespaced: the root here) holds its real limit
  const limit =
    parseCgroupLimit(
      await readText(target, `${layout.root.replace(/\/$/, '')}/sys/fs/cgroup/memory/memory.limit_in_bytes`),
    ) ?? parseCgroupLimit(await readText(target, `${layout.root.replace(/\/$/, '')}/sys/fs/cgroup/memory.max`));
  const capped = limit !== undefined && (memTotal === 0 || limit < memTotal);
  return {
    pretty: osRelease.PRETTY_NAME ?? `${entry.id} ${entry.versionId}`,
    id: entry.id,
    versionId: entry.versionId,
    redisVersion: installedRedis ? installedRedis.split('.').slice(0, 2).join('.') : entry.redis,
    installedRedis,
    systemd,
    totalRamBytes: capped ? limit : memTotal,
    ramSource: capped ? 'memory cgroup limit' : 'MemTotal',
  };
}

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ProvisionError } from '../command/errors.ts';
import { isValidDestination } from '../host/ssh.ts';

export const ROLES = ['primary', 'replica', 'sentinel'] as const;
export type Role = (typeof ROLES)[number];

/** One host of a Sentinel topology: how to reach it over SSH, the address the others reach it on, its roles. */
export interface TopologyHost {
  /** `user@server` for SSH (also the host's name in every line of output). */
  ssh: string;
  /** The host's own address: Redis and Sentinel bind it (beside loopback) and the other hosts connect to it. */
  address: string;
  roles: Role[];
}

export interface Inventory {
  /** The Sentinel master name. @default 'fastnpc' */
  master: string;
  hosts: TopologyHost[];
}

export const DEFAULT_MASTER = 'fastnpc';
const MASTER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const usage = (message: string): ProvisionError => new ProvisionError('E_USAGE', message);

function parseRoles(text: string, where: string): Role[] {
  const roles = text.split('+').map((r) => r.trim());
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw usage(`${where}: unknown role "${role}" (roles: ${ROLES.join(', ')}, joined with "+")`);
    }
  }
  return [...new Set(roles)] as Role[];
}

/** The address part of `user@server` (an IP literal, possibly in brackets). */
function addressOf(ssh: string): string {
  return ssh.slice(ssh.lastIndexOf('@') + 1).replace(/^\[(.*)\]$/, '$1');
}

/** `--host primary+sentinel@ops@10.0.0.2` → one host (its address is the SSH destination's, an IP literal). */
export function parseHostSpec(spec: string): TopologyHost {
  const at = spec.indexOf('@');
  if (at <= 0) throw usage(`--host ${spec}: expected ROLE[+ROLE]@USER@ADDRESS (e.g. primary+sentinel@ops@10.0.0.2)`);
  const roles = parseRoles(spec.slice(0, at), `--host ${spec}`);
  const ssh = spec.slice(at + 1);
  if (!isValidDestination(ssh)) throw usage(`--host ${spec}: "${ssh}" is not user@server`);
  return { ssh, address: addressOf(ssh), roles };
}

/**
 * `--inventory FILE`: `{ "master": "fastnpc", "hosts": [{ "ssh": "ops@10.0.0.2", "address": "10.0.0.2",
 * "roles": ["primary", "sentinel"] }, …] }` (`address` defaults to the SSH destination's; `roles` may be "a+b").
 */
export function readInventoryFile(file: string): Partial<Inventory> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw usage(`--inventory ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const doc = raw as { master?: unknown; hosts?: unknown };
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.hosts)) {
    throw usage(`--inventory ${file}: expected { "hosts": [ { "ssh", "address", "roles" } … ] }`);
  }
  const hosts = doc.hosts.map((h: unknown, i: number): TopologyHost => {
    const where = `--inventory ${file}: hosts[${i}]`;
    const entry = h as { ssh?: unknown; address?: unknown; roles?: unknown };
    if (typeof entry?.ssh !== 'string' || !isValidDestination(entry.ssh))
      throw usage(`${where}: "ssh" must be user@server`);
    const roles = Array.isArray(entry.roles) ? entry.roles.join('+') : entry.roles;
    if (typeof roles !== 'string') throw usage(`${where}: "roles" must list ${ROLES.join(' / ')}`);
    const address = entry.address === undefined ? addressOf(entry.ssh) : entry.address;
    if (typeof address !== 'string') throw usage(`${where}: "address" must be an IP address`);
    return { ssh: entry.ssh, address, roles: parseRoles(roles, where) };
  });
  if (doc.master !== undefined && typeof doc.master !== 'string')
    throw usage(`--inventory ${file}: "master" is a name`);
  return { master: doc.master as string | undefined, hosts };
}

/**
 * Checks the topology: one primary, at least one replica, on different hosts; an odd number (≥ 3) of Sentinels, one
 * per host; every address an IP literal and unique. Throws a usage error naming the first problem.
 */
export function validateInventory(inventory: Inventory): Inventory {
  const { hosts } = inventory;
  if (!MASTER_NAME.test(inventory.master)) throw usage(`master name "${inventory.master}": letters, digits, _ . -`);
  const seen = new Set<string>();
  for (const h of hosts) {
    if (isIP(h.address) === 0) throw usage(`${h.ssh}: address "${h.address}" is not an IP address`);
    if (seen.has(h.ssh) || seen.has(h.address)) throw usage(`${h.ssh} (${h.address}) is listed twice`);
    seen.add(h.ssh);
    seen.add(h.address);
    if (h.roles.includes('primary') && h.roles.includes('replica')) {
      throw usage(`${h.ssh}: a host is the primary or a replica, not both`);
    }
  }
  const count = (role: Role): number => hosts.filter((h) => h.roles.includes(role)).length;
  if (count('primary') !== 1) throw usage(`a topology has exactly one primary (found ${count('primary')})`);
  if (count('replica') < 1) throw usage('a topology needs at least one replica (role "replica")');
  const sentinels = count('sentinel');
  if (sentinels < 3 || sentinels % 2 === 0) {
    throw usage(
      `${sentinels} Sentinel(s): use an odd number, at least 3, one per host (a majority must survive one host's loss)`,
    );
  }
  return inventory;
}

/** The inventory from `--inventory FILE` and/or repeated `--host ROLE@USER@ADDRESS`, validated. */
export function loadInventory(file: string | undefined, specs: readonly string[], master?: string): Inventory {
  const fromFile = file ? readInventoryFile(file) : { hosts: [] };
  const hosts = [...(fromFile.hosts ?? []), ...specs.map(parseHostSpec)];
  if (hosts.length === 0) throw usage('no hosts: give --inventory FILE or --host ROLE@USER@ADDRESS (see --help)');
  return validateInventory({ master: master ?? fromFile.master ?? DEFAULT_MASTER, hosts });
}

/** Sentinel's quorum: a majority of the Sentinels. */
export function quorumOf(inventory: Inventory): number {
  return Math.floor(inventory.hosts.filter((h) => h.roles.includes('sentinel')).length / 2) + 1;
}

export const primaryOf = (inventory: Inventory): TopologyHost =>
  inventory.hosts.find((h) => h.roles.includes('primary')) as TopologyHost;

export const dataNodesOf = (inventory: Inventory): TopologyHost[] =>
  inventory.hosts.filter((h) => h.roles.includes('primary') || h.roles.includes('replica'));

import { parseListeners } from '../checks/audit.ts';
import type { Check } from '../checks/verify.ts';
import { readText, type Target } from '../host/target.ts';
import { dataNodesOf, type Inventory, primaryOf, type TopologyHost } from './inventory.ts';
import { REPLICATION_USER, type ReplicationSettings } from './replication.ts';
import { SENTINEL_PORT } from './sentinel.ts';

/** One command through redis-cli on the host (AUTH on stdin, never argv); its raw reply, the AUTH line removed. */
export async function cliRaw(target: Target, port: number, password: string | undefined, command: string) {
  const input = `${password ? `AUTH ${password}\n` : ''}${command}\n`;
  const r = await target.exec(['redis-cli', '--no-auth-warning', '-h', '127.0.0.1', '-p', String(port)], {
    input,
    timeoutMs: 15_000,
  });
  const out = r.stdout.replaceAll('\r', '');
  return password ? out.replace(/^OK\n/, '') : out;
}

const field = (info: string, name: string): string | undefined =>
  new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();

export interface TopologyAuditInput {
  inventory: Inventory;
  targets: Map<string, Target>;
  /** The data nodes' requirepass and the Sentinels' password. */
  password: string;
  sentinelPassword: string;
  port: number;
  settings: ReplicationSettings;
}

/** Only loopback and the host's own address may listen on the port (read from the host's /proc/net/tcp*). */
async function socketsCheck(target: Target, host: TopologyHost, port: number, what: string): Promise<Check> {
  const text = `${(await readText(target, '/proc/net/tcp')) ?? ''}\n${(await readText(target, '/proc/net/tcp6')) ?? ''}`;
  const listening = parseListeners(text, port);
  const allowed = ['127.0.0.1', '::1', host.address];
  const ok = listening.length > 0 && listening.every((a) => allowed.includes(a));
  return {
    setting: `${host.ssh} ${what} listens on`,
    expected: `only ${allowed.join(' ')}`,
    actual: listening.join(' ') || '(nothing)',
    ok,
  };
}

/**
 * The topology as it runs: exactly one primary among the data nodes (the inventory's, or the one Sentinel promoted),
 * every other data node replicating from it with the link up, min-replicas-to-write and masteruser as provisioned,
 * every Sentinel answering only with its password, agreeing on that primary and able to reach quorum (CKQUORUM), and
 * each host listening on loopback and its own address only.
 */
export async function auditTopology(input: TopologyAuditInput): Promise<Check[]> {
  const { inventory, targets, port } = input;
  const checks: Check[] = [];
  const add = (setting: string, expected: string, actual: string, ok = expected === actual, note?: string): void => {
    checks.push({ setting, expected, actual, ok, ...(note ? { note } : {}) });
  };
  const nodes = dataNodesOf(inventory);
  const infos = new Map<string, string>();
  for (const h of nodes) infos.set(h.ssh, await cliRaw(targets.get(h.ssh)!, port, input.password, 'INFO replication'));
  const masters = nodes.filter((h) => field(infos.get(h.ssh)!, 'role') === 'master');
  const primary = masters.length === 1 ? masters[0]! : undefined;
  add(
    'primary',
    'exactly one data node is master',
    masters.map((h) => h.ssh).join(', ') || '(none)',
    primary !== undefined,
    primary && primary !== primaryOf(inventory)
      ? `Sentinel promoted ${primary.ssh} (inventory: ${primaryOf(inventory).ssh})`
      : undefined,
  );
  for (const h of nodes) {
    const info = infos.get(h.ssh)!;
    const target = targets.get(h.ssh)!;
    if (h === primary) {
      const replicas = nodes.length - 1;
      add(`${h.ssh} connected replicas`, String(replicas), field(info, 'connected_slaves') ?? info.trim().slice(0, 80));
    } else {
      const link = `${field(info, 'master_host') ?? '?'}:${field(info, 'master_port') ?? '?'} ${field(info, 'master_link_status') ?? info.trim().slice(0, 80)}`;
      add(`${h.ssh} replication`, `${primary?.address ?? '(primary)'}:${port} up`, link);
    }
    const minReplicas = await cliRaw(target, port, input.password, 'CONFIG GET min-replicas-to-write');
    add(
      `${h.ssh} min-replicas-to-write`,
      String(input.settings.minReplicasToWrite),
      minReplicas.split('\n')[1] ?? minReplicas.trim(),
    );
    const masterUser = await cliRaw(target, port, input.password, 'CONFIG GET masteruser');
    add(`${h.ssh} masteruser`, REPLICATION_USER, masterUser.split('\n')[1] ?? masterUser.trim());
    checks.push(await socketsCheck(target, h, port, 'redis-server'));
  }
  for (const h of inventory.hosts.filter((x) => x.roles.includes('sentinel'))) {
    const target = targets.get(h.ssh)!;
    const quorum = (
      await cliRaw(target, SENTINEL_PORT, input.sentinelPassword, `SENTINEL CKQUORUM ${inventory.master}`)
    ).trim();
    add(`${h.ssh} sentinel quorum`, 'OK (CKQUORUM)', quorum, /^OK \d+ usable Sentinels/.test(quorum));
    const addr = (
      await cliRaw(
        target,
        SENTINEL_PORT,
        input.sentinelPassword,
        `SENTINEL GET-MASTER-ADDR-BY-NAME ${inventory.master}`,
      )
    )
      .trim()
      .split('\n')
      .join(':');
    add(`${h.ssh} sentinel's primary`, primary ? `${primary.address}:${port}` : '(one primary)', addr);
    const anonymous = (await cliRaw(target, SENTINEL_PORT, undefined, 'PING')).trim();
    add(
      `${h.ssh} sentinel auth`,
      'NOAUTH without password',
      /NOAUTH/.test(anonymous) ? 'NOAUTH without password' : anonymous,
    );
    checks.push(await socketsCheck(target, h, SENTINEL_PORT, 'redis-sentinel'));
  }
  return checks;
}

/** Audits until every check passes or `waitMs` is over (a fresh replica syncs and Sentinels discover each other). */
export async function auditTopologyUntil(input: TopologyAuditInput, waitMs: number): Promise<Check[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const checks = await auditTopology(input);
    if (checks.every((c) => c.ok) || Date.now() >= deadline) return checks;
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

import { ok, say, step, warn } from '../command/report.ts';
import type { Layout } from '../host/layout.ts';
import { installPackages } from '../host/packages.ts';
import { must, rateLimitNote, readText, restartUnit, type Target, writeFileAtomic } from '../host/target.ts';
import { dataNodesOf, type Inventory, primaryOf, quorumOf, type TopologyHost } from './inventory.ts';
import { bindFor, SENTINEL_USER, type TopologySecrets } from './replication.ts';

export const SENTINEL_PORT = 26379;
export const SENTINEL_UNIT = 'redis-sentinel';
export const SENTINEL_PACKAGE = 'redis-sentinel';
/** Seconds of silence before a Sentinel calls the primary down, and the failover timeout. */
export const DOWN_AFTER_MS = 5_000;
export const FAILOVER_TIMEOUT_MS = 60_000;

export const sentinelConfigPath = (layout: Layout): string => `${layout.configDir}/sentinel.conf`;

/**
 * The Sentinel's config. Sentinel rewrites this file itself (myid, epochs, the replicas and Sentinels it discovers,
 * the primary's address after a failover), so a later run compares the managed settings, never the bytes.
 */
export function renderSentinel(
  inventory: Inventory,
  host: TopologyHost,
  secrets: TopologySecrets,
  port = 6379,
): string {
  const m = inventory.master;
  return [
    '# Installed by `npm run provision-topology` (docs/operations.md "Provisioning Sentinel"). Sentinel rewrites this',
    '# file itself (myid, epochs, known replicas and Sentinels, the primary after a failover); provisioning compares only',
    '# the settings below and leaves the rest to Sentinel.',
    `port ${SENTINEL_PORT}`,
    `bind ${bindFor(host).join(' ')}`,
    'daemonize no',
    'pidfile /run/sentinel/redis-sentinel.pid',
    'logfile /var/log/redis/redis-sentinel.log',
    'dir /var/lib/redis',
    `requirepass ${secrets.sentinel}`,
    `sentinel sentinel-pass ${secrets.sentinel}`,
    `sentinel monitor ${m} ${primaryOf(inventory).address} ${port} ${quorumOf(inventory)}`,
    `sentinel auth-user ${m} ${SENTINEL_USER}`,
    `sentinel auth-pass ${m} ${secrets.sentinel}`,
    `sentinel down-after-milliseconds ${m} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${m} ${FAILOVER_TIMEOUT_MS}`,
    'sentinel deny-scripts-reconfig yes',
    '',
  ].join('\n');
}

const unquote = (word: string): string => word.replace(/^"(.*)"$/, '$1');

/** The managed settings of a sentinel.conf: key → value (quotes removed; `sentinel monitor`'s address apart). */
export function managedSettings(text: string, master: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const words = raw.trim().split(/\s+/).map(unquote);
    const [first = '', second = '', third = ''] = words;
    if (first.startsWith('#') || first === '') continue;
    const key = first.toLowerCase();
    if (['port', 'bind', 'requirepass'].includes(key)) out.set(key, words.slice(1).join(' '));
    if (key !== 'sentinel') continue;
    const sub = second.toLowerCase();
    if (sub === 'sentinel-pass') out.set('sentinel sentinel-pass', words.slice(2).join(' '));
    else if (
      third === master &&
      ['auth-user', 'auth-pass', 'down-after-milliseconds', 'failover-timeout'].includes(sub)
    )
      out.set(`sentinel ${sub}`, words.slice(3).join(' '));
    else if (sub === 'monitor' && third === master) {
      out.set('sentinel monitor address', words[3] ?? '');
      out.set('sentinel monitor port quorum', words.slice(4).join(' '));
    }
  }
  return out;
}

const SECRET_KEYS = new Set(['requirepass', 'sentinel sentinel-pass', 'sentinel auth-pass']);

/**
 * What differs between the live file and the wanted one, secrets shown as ********. The monitored address may be any
 * data node of the inventory: after a failover Sentinel itself moved it, which is not drift.
 */
export function sentinelDrift(live: string | undefined, want: string, inventory: Inventory): string[] {
  if (live === undefined) return ['no sentinel.conf'];
  const have = managedSettings(live, inventory.master);
  const wanted = managedSettings(want, inventory.master);
  const out: string[] = [];
  const dataAddresses = dataNodesOf(inventory).map((h) => h.address);
  for (const [key, value] of wanted) {
    const actual = have.get(key);
    if (key === 'sentinel monitor address') {
      if (!actual || !dataAddresses.includes(actual)) out.push(`${key}: ${actual ?? '(none)'} → ${value}`);
      continue;
    }
    if (actual !== value) {
      out.push(SECRET_KEYS.has(key) ? `${key}: ******** → ********` : `${key}: ${actual ?? '(none)'} → ${value}`);
    }
  }
  return out;
}

export interface SentinelPlan {
  installed: boolean;
  live?: string;
  want: string;
  drift: string[];
  running: boolean;
  enabled: boolean;
  pid?: number;
  changes: string[];
}

async function unitState(target: Target): Promise<{ running: boolean; enabled: boolean; pid?: number }> {
  const running = (await target.exec(['systemctl', 'is-active', '--quiet', SENTINEL_UNIT])).exitCode === 0;
  const enabled = (await target.exec(['systemctl', 'is-enabled', '--quiet', SENTINEL_UNIT])).exitCode === 0;
  const pid = Number((await target.exec(['systemctl', 'show', '-p', 'MainPID', '--value', SENTINEL_UNIT])).stdout);
  return { running, enabled, pid: pid > 0 ? pid : undefined };
}

export async function planSentinel(
  target: Target,
  layout: Layout,
  inventory: Inventory,
  host: TopologyHost,
  secrets: TopologySecrets,
): Promise<SentinelPlan> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
  const pkg = await target.exec(['dpkg-query', '-W', '-f=${Status}', SENTINEL_PACKAGE]);
  const installed = pkg.exitCode === 0 && pkg.stdout.trim() === 'install ok installed';
  const live = installed ? await readText(target, sentinelConfigPath(layout)) : undefined;
  const want = renderSentinel(inventory, host, secrets);
  const drift = installed ? sentinelDrift(live, want, inventory) : ['not installed'];
  const state = installed ? await unitState(target) : { running: false, enabled: false };
  const changes: string[] = [];
  if (!installed) changes.push(`apt-get install ${SENTINEL_PACKAGE}`);
  if (drift.length > 0 && installed) changes.push(`write ${sentinelConfigPath(layout)}: ${drift.join('; ')}`);
  if (!installed) changes.push(`write ${sentinelConfigPath(layout)}`);
  if (!state.running || drift.length > 0) changes.push(`${state.running ? 'restart' : 'start'} ${SENTINEL_UNIT}`);
  if (!state.enabled) changes.push(`systemctl enable ${SENTINEL_UNIT}`);
  return { installed, live, want, drift, ...state, changes };
}

export function printSentinelPlan(plan: SentinelPlan): void {
  if (plan.changes.length === 0) {
    ok(`sentinel: no changes (port ${SENTINEL_PORT}, pid ${plan.pid})`);
    return;
  }
  say(`sentinel: ${plan.changes.length} change(s):`);
  for (const c of plan.changes) say(`  ~ [sentinel] ${c}`);
}

/** Installs the package, writes the file (the old one kept under the backup dir), restarts, enables. */
export async function applySentinel(target: Target, layout: Layout, plan: SentinelPlan): Promise<number | undefined> {
  if (!plan.installed) {
    step(`sentinel: apt-get install ${SENTINEL_PACKAGE}`);
    await installPackages(target, [SENTINEL_PACKAGE]);
  }
  let pid = plan.pid;
  if (!plan.installed || plan.drift.length > 0 || !plan.running) {
    if (plan.installed || plan.drift.length > 0) {
      const path = sentinelConfigPath(layout);
      await must(target, 'backing up sentinel.conf', [
        'sh',
        '-c',
        'test -e "$1" || exit 0; install -d -m 0700 "$2" && cp -p -- "$1" "$2/sentinel.conf.$(date -u +%Y%m%dT%H%M%SZ)"',
        'sh',
        path,
        layout.backupDir,
      ]);
      await writeFileAtomic(target, path, plan.want, { owner: 'redis', group: 'redis', mode: '0640' });
      ok(`sentinel: installed ${path} (redis:redis 0640; the previous file kept under ${layout.backupDir})`);
    }
    if (await restartUnit(target, SENTINEL_UNIT)) warn(rateLimitNote(SENTINEL_UNIT));
    pid = (await unitState(target)).pid;
    ok(`sentinel: ${SENTINEL_UNIT} running, pid ${pid}`);
  }
  if (!(await unitState(target)).enabled) {
    await must(target, `systemctl enable ${SENTINEL_UNIT}`, ['systemctl', 'enable', '--quiet', SENTINEL_UNIT]);
    ok(`sentinel: ${SENTINEL_UNIT} enabled at boot`);
  }
  if (plan.changes.length === 0) ok(`sentinel: no changes; ${SENTINEL_UNIT} (pid ${pid}) not restarted`);
  else if (pid === undefined) warn(`sentinel: ${SENTINEL_UNIT} has no MainPID after the restart`);
  return pid;
}

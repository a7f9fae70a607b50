#!/usr/bin/env -S npx tsx
/**
 * npm run provision-topology -- --check | --yes --inventory hosts.json
 * A primary, its replica(s) and three Sentinels on separate hosts: each host through the single-host pipeline
 * (render, validate, install, verify) plus its replication/Sentinel settings, then the topology audited as a whole.
 */
import { chalk } from 'zx';
import { changesExit, EXIT, FLEET_CHILD_CHANGES, ProvisionError } from '../lib/command/errors.ts';
import { fleetExit, runEachHost } from '../lib/command/fleet.ts';
import { parseProvisionArgs, parseStrict } from '../lib/command/options.ts';
import { fail, ok, registerSecret, runMain, say, warn } from '../lib/command/report.ts';
import { readSecret } from '../lib/command/secrets.ts';
import { type ProvisionVariable, provisionSetting } from '../lib/command/variables.ts';
import { detectHost } from '../lib/host/host-detect.ts';
import { layoutFor } from '../lib/host/layout.ts';
import { sshTarget, type Target } from '../lib/host/target.ts';
import { apply, describeHost, printChanges } from '../lib/plan/apply.ts';
import { makePlan } from '../lib/plan/plan.ts';
import { sentinelsPrimary, withPrimary } from '../lib/topology/current-primary.ts';
import { type Inventory, loadInventory, primaryOf, type TopologyHost } from '../lib/topology/inventory.ts';
import {
  bindFor,
  ensureOwnAddress,
  REPLICATION_DEFAULTS,
  type ReplicationSettings,
  replicationLines,
  type TopologySecrets,
} from '../lib/topology/replication.ts';
import { applySentinel, planSentinel, printSentinelPlan, SENTINEL_PACKAGE } from '../lib/topology/sentinel.ts';
import { auditTopologyUntil } from '../lib/topology/topology-audit.ts';

export const HELP = `Usage: npm run provision-topology -- (--check | --yes) --inventory hosts.json [options]

A Sentinel topology: one primary, its replica(s) and an odd number (>= 3) of Sentinels, one per host. Every data node
goes through provision's pipeline (the repository's redis.conf, validated on a throwaway server, installed, verified)
with: bind loopback + the host's own address, an ACL user for replication (masteruser/masterauth) and one for
Sentinel, min-replicas-to-write, replicaof on replicas. Every Sentinel host gets redis-sentinel with requirepass,
sentinel auth-user/auth-pass and a quorum of the majority. Hosts run in parallel; then the whole topology is
audited: one primary, replication links up, CKQUORUM on every Sentinel, only own addresses listening.

  --check | --yes                  preview (exit 0 nothing to change, 1 changes or audit drift) | apply
  --inventory FILE                 {"master":"fastnpc","hosts":[{"ssh":"ops@10.0.0.2","address":"10.0.0.2",
                                   "roles":["primary","sentinel"]}, ...]}
  --host ROLE[+ROLE]@USER@ADDRESS  a host on the command line (repeatable; with or instead of --inventory);
                                   roles: primary, replica, sentinel
  --master NAME                    Sentinel's name for the primary (default: the inventory's, else fastnpc)
  --password-file FILE             the data nodes' requirepass (or REDIS_PASSWORD)
  --replication-password-file F    the replication user's password (or REDIS_REPLICATION_PASSWORD)
  --sentinel-password-file F       Sentinel's password and its user's on the data nodes (or REDIS_SENTINEL_PASSWORD)
  --app-user NAME                  the app's ACL user on the data nodes, password from
  --app-password-file F            F (or REDIS_APP_PASSWORD)
  --min-replicas-to-write N        (default 0: see docs/operations.md "Provisioning Sentinel")
  --sudo, --ssh-config FILE        as for provision
  --only USER@SERVER               one host of the inventory, no topology audit (what the parallel children run)
  -h, --help

Exit codes (docs/exit-codes.md): 0 applied / nothing to change and the topology audit passed, 1 changes to apply
(--check), a failed step or an audit row that failed, 2 bad input (nothing ran), 3 a host cannot be reached.`;

interface TopologyArgs {
  check: boolean;
  yes: boolean;
  inventory: Inventory;
  only?: string;
  sudo: boolean;
  sshConfig?: string;
  appUser?: string;
  appPasswordFile?: string;
  passwordFile?: string;
  settings: ReplicationSettings;
  secrets: TopologySecrets & { password: string; appPassword?: string };
}

function parseArgs(argv: string[]): TopologyArgs | undefined {
  const a = parseStrict(argv, {
    boolean: ['help', 'check', 'yes', 'sudo'],
    string: [
      'inventory',
      'host',
      'master',
      'only',
      'password-file',
      'replication-password-file',
      'sentinel-password-file',
      'app-user',
      'app-password-file',
      'min-replicas-to-write',
      'ssh-config',
    ],
    alias: { h: 'help' },
    repeatable: ['host'],
  });
  if (a.help) return undefined;
  const str = (name: string): string | undefined => (a[name] === undefined ? undefined : String(a[name]));
  if (Boolean(a.check) === Boolean(a.yes)) throw new ProvisionError('E_USAGE', 'say --check or --yes (see --help)');
  const specs = a.host === undefined ? [] : (Array.isArray(a.host) ? a.host : [a.host]).map(String);
  const inventory = loadInventory(str('inventory'), specs, str('master'));
  const only = str('only');
  if (only !== undefined && !inventory.hosts.some((h) => h.ssh === only)) {
    throw new ProvisionError('E_USAGE', `--only ${only}: not a host of the inventory`);
  }
  const min = Number(str('min-replicas-to-write') ?? REPLICATION_DEFAULTS.minReplicasToWrite);
  if (!Number.isInteger(min) || min < 0 || min > 16) {
    throw new ProvisionError('E_USAGE', `--min-replicas-to-write ${str('min-replicas-to-write')}: 0 to 16`);
  }
  const need = (what: string, file: string | undefined, env: ProvisionVariable, flag: string): string => {
    const value = readSecret(what, file, env);
    if (value === undefined) throw new ProvisionError('E_SECRET', `${what} is required: ${flag} FILE or ${env}`);
    registerSecret(value);
    return value;
  };
  const password = need('the Redis password', str('password-file'), 'REDIS_PASSWORD', '--password-file');
  const replication = need(
    'the replication password',
    str('replication-password-file'),
    'REDIS_REPLICATION_PASSWORD',
    '--replication-password-file',
  );
  const sentinel = need(
    'the Sentinel password',
    str('sentinel-password-file'),
    'REDIS_SENTINEL_PASSWORD',
    '--sentinel-password-file',
  );
  if (new Set([password, replication, sentinel]).size !== 3) {
    throw new ProvisionError('E_SECRET', 'the Redis, replication and Sentinel passwords must differ');
  }
  const appUser = str('app-user');
  const appPassword = appUser
    ? need('the app user password', str('app-password-file'), 'REDIS_APP_PASSWORD', '--app-password-file')
    : undefined;
  return {
    check: Boolean(a.check),
    yes: Boolean(a.yes),
    inventory,
    only,
    sudo: Boolean(a.sudo),
    sshConfig: str('ssh-config') ?? provisionSetting('PROVISION_SSH_CONFIG'),
    appUser,
    settings: { ...REPLICATION_DEFAULTS, minReplicasToWrite: min },
    secrets: { password, replication, sentinel, appPassword },
  };
}

const targetOf = (args: TopologyArgs, host: TopologyHost): Target =>
  sshTarget({ destination: host.ssh, sudo: args.sudo, configFile: args.sshConfig });

/**
 * The inventory as the Sentinels run it: after a failover the promoted replica is rendered as the primary and the
 * inventory's primary as its replica (current-primary.ts); a fresh topology is the inventory itself.
 */
async function runningInventory(args: TopologyArgs): Promise<Inventory> {
  const current = await sentinelsPrimary(args.inventory, (h) => targetOf(args, h), args.secrets.sentinel);
  if (!current || current === primaryOf(args.inventory)) return args.inventory;
  warn(
    `the Sentinels name ${current.ssh} as primary (inventory: ${primaryOf(args.inventory).ssh}): rendering for the ` +
      'running topology; update the inventory to make it the primary for good',
  );
  return withPrimary(args.inventory, current);
}

/** One host: its data-node role through provision's pipeline, then its Sentinel. Returns the number of changes. */
async function provisionHost(args: TopologyArgs, inventoryHost: TopologyHost): Promise<number> {
  const inventory = await runningInventory(args);
  const host = inventory.hosts.find((h) => h.ssh === inventoryHost.ssh)!;
  const target = targetOf(args, host);
  const layout = layoutFor('/');
  say(`${chalk.bold('topology host')} ${host.ssh}: ${host.roles.join(' + ')} on ${host.address}`);
  await ensureOwnAddress(target, host);
  let changes = 0;
  if (host.roles.includes('primary') || host.roles.includes('replica')) {
    const options = parseProvisionArgs(
      [args.check ? '--check' : '--yes', ...(args.appUser ? ['--app-user', args.appUser] : [])],
      {},
    );
    options.bind = bindFor(host);
    // one apt-get for the server and the Sentinel on a host with both roles
    if (host.roles.includes('sentinel')) options.extraPackages = [SENTINEL_PACKAGE];
    const given = { password: args.secrets.password, appPassword: args.secrets.appPassword };
    // the Redis version decides the ACL syntax (channels from 6.2)
    const info = await detectHost(target, layout);
    options.replication = replicationLines(
      inventory,
      host,
      args.secrets,
      info.installedRedis ?? info.redisVersion,
      options.port,
      args.settings,
    );
    const plan = await makePlan(target, layout, options, given);
    for (const secret of plan.hidden) registerSecret(secret);
    describeHost(plan, target);
    printChanges(plan);
    if (plan.blocker) warn(plan.blocker);
    changes += plan.changes.length;
    if (args.yes) await apply(target, layout, options, plan);
  }
  if (host.roles.includes('sentinel')) {
    const plan = await planSentinel(target, layout, inventory, host, args.secrets);
    printSentinelPlan(plan);
    changes += plan.changes.length;
    if (args.yes) await applySentinel(target, layout, plan);
  }
  return changes;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (!args) {
    say(HELP);
    return EXIT.OK;
  }
  if (args.only) {
    const host = args.inventory.hosts.find((h) => h.ssh === args.only)!;
    const changes = await provisionHost(args, host);
    if (args.check) return changes > 0 ? changesExit() : EXIT.OK;
    ok(changes === 0 ? `${host.ssh}: no changes` : `${host.ssh}: applied ${changes} change(s)`);
    return EXIT.OK;
  }
  // every host in parallel, each in its own process (the fleet runner), then the topology as a whole
  const hosts = args.inventory.hosts.map((h) => h.ssh);
  const childArgv = argv.filter((a, i) => !(a === '--only' || argv[i - 1] === '--only'));
  const results = await runEachHost(childArgv, hosts, (base, host) => [...base, '--only', host]);
  const outcomes = results.map((o) => o.exitCode);
  const code = fleetExit(results);
  if (outcomes.some((c) => c !== EXIT.OK && c !== FLEET_CHILD_CHANGES)) return code;
  const targets = new Map(args.inventory.hosts.map((h) => [h.ssh, targetOf(args, h)]));
  const fresh = outcomes.every((c) => c === FLEET_CHILD_CHANGES);
  if (args.check && fresh) {
    say('topology audit: skipped (no host is provisioned yet)');
    return EXIT.DRIFT;
  }
  say(chalk.bold('topology audit'));
  const checks = await auditTopologyUntil(
    {
      inventory: args.inventory,
      targets,
      password: args.secrets.password,
      sentinelPassword: args.secrets.sentinel,
      port: 6379,
      settings: args.settings,
    },
    args.yes ? 120_000 : 0,
  );
  for (const c of checks) {
    say(
      `  ${c.ok ? chalk.green('ok  ') : chalk.red('FAIL')} ${c.setting}: ${c.actual}${c.ok ? '' : ` (expected ${c.expected})`}${c.note ? ` — ${c.note}` : ''}`,
    );
  }
  const bad = checks.filter((c) => !c.ok);
  if (bad.length > 0) {
    fail(`topology audit: ${bad.length} of ${checks.length} checks failed: ${bad.map((c) => c.setting).join('; ')}`);
    return EXIT.FAILED;
  }
  ok(`topology audit: ${checks.length} checks passed`);
  return code;
}

await runMain(main);

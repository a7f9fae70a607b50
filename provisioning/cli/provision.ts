#!/usr/bin/env -S npx tsx
/**
 * npm run provision -- --check | --yes [options]
 * Installs, configures, hardens and verifies the FastNPC Redis on this host (or over SSH), one step module each.
 */
import { changesExit, EXIT, ProvisionError } from '../lib/command/errors.ts';
import { runOnEachHost } from '../lib/command/fleet.ts';
import { type ProvisionOptions, parseProvisionArgs } from '../lib/command/options.ts';
import { registerSecret, runMain, say, warn } from '../lib/command/report.ts';
import { readSecret } from '../lib/command/secrets.ts';
import { layoutFor } from '../lib/host/layout.ts';
import { localTarget, sshTarget } from '../lib/host/target.ts';
import { apply, describeHost, printChanges } from '../lib/plan/apply.ts';
import { makePlan, type Secrets } from '../lib/plan/plan.ts';

export const HELP = `Usage: npm run provision -- (--check | --yes) [options]

Installs redis-server + redis-tools, renders /etc/redis/redis.conf from the repository's redis.conf plus the
options, validates the candidate on a throwaway redis-server, backs up and installs it (redis:redis 0640), tunes the
kernel (vm.overcommit_memory=1, somaxconn >= tcp-backlog, transparent huge pages off), restarts only on change,
enables at boot, then verifies. Without systemd, redis-server is supervised directly on the same file.

  --check                 show what would change (unified diffs); exit 0 = nothing, 1 = something would change
  --yes                   apply
  --maxmemory SIZE        Redis memory limit (default 200mb; refused beyond the plan's 2 GB budget or half of RAM)
  --policy POLICY         maxmemory-policy (default allkeys-lru)
  --port PORT             (default 6379)
  --bind "ADDR ..."       loopback addresses only (default "127.0.0.1 -::1")
  --password-file FILE    requirepass from FILE (or REDIS_PASSWORD); never on the command line. Without it the
                          host's own requirepass is kept; a host with none is refused (exit 2) unless
  --allow-no-auth         waives the password explicitly (a Redis anyone on the host can use without one)
  --app-user NAME         ACL user limited to keys "<namespace>:*", no dangerous commands; its password from
  --app-password-file F   F (or REDIS_APP_PASSWORD)
  --namespace NS          key namespace of the app user (default fastnpc)
  --no-persistence        no RDB snapshots (save "")
  --extra "DIRECTIVE"     append one raw redis.conf line (repeatable; validated like everything else)
  --host USER@SERVER      run every step over SSH on that host; --sudo prefixes commands with sudo -n. Repeat it
                          for several hosts: they run in parallel, one summary line each; exit 1 if any failed,
                          else 3 if any is unreachable, else 1 if any has changes (--check), else 0
  --ssh-config FILE       ssh -F FILE for --host (env PROVISION_SSH_CONFIG)
  --root DIR              prefix for every host path (tests; env PROVISION_ROOT)
  --os-release FILE       read the OS from FILE (tests; env PROVISION_OS_RELEASE)
  -h, --help

Exit codes (docs/exit-codes.md): 0 done / nothing to change, 1 --check found changes or a step failed (unsupported
host included), 2 bad input (nothing ran), 3 the host cannot be reached over SSH.`;

function secretsFor(options: ProvisionOptions): Secrets {
  const password = readSecret('the Redis password', options.passwordFile, 'REDIS_PASSWORD');
  let appPassword: string | undefined;
  if (options.appUser) {
    appPassword = readSecret('the app user password', options.appPasswordFile, 'REDIS_APP_PASSWORD');
  } else if (options.appPasswordFile) {
    throw new ProvisionError('E_USAGE', '--app-password-file only applies with --app-user NAME');
  }
  registerSecret(password);
  registerSecret(appPassword);
  return { password, appPassword };
}

async function main(argv: string[]): Promise<number> {
  const options = parseProvisionArgs(argv);
  if (options.help) {
    say(HELP);
    return EXIT.OK;
  }
  if (!options.check && !options.yes) {
    throw new ProvisionError('E_USAGE', 'say --check to preview the changes or --yes to apply them (see --help)');
  }
  if (options.hosts.length > 1) return await runOnEachHost(argv, options.hosts);
  const secrets = secretsFor(options);
  const target = options.host
    ? sshTarget({ destination: options.host, sudo: options.sudo, configFile: options.sshConfig })
    : localTarget();
  const layout = layoutFor(options.root, options.osRelease);
  const plan = await makePlan(target, layout, options, secrets);
  for (const secret of plan.hidden) registerSecret(secret);
  describeHost(plan, target);
  printChanges(plan);
  if (plan.blocker) warn(plan.blocker);
  if (options.check) return plan.changes.length > 0 ? changesExit() : EXIT.OK;
  await apply(target, layout, options, plan);
  return EXIT.OK;
}

await runMain(main);

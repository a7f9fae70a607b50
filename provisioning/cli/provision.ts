#!/usr/bin/env -S npx tsx
/**
 * npm run provision -- --check | --yes [options]
 * Installs, configures, hardens and verifies the FastNPC Redis on this host (or over SSH), one step module each.
 */
import { chalk } from 'zx';
import { summariseCheckSystem, verifyLive } from '../lib/checks/verify.ts';
import { changesExit, EXIT, ProvisionError } from '../lib/command/errors.ts';
import { runOnEachHost } from '../lib/command/fleet.ts';
import { type ProvisionOptions, parseProvisionArgs } from '../lib/command/options.ts';
import { colourDiff, ok, registerSecret, runMain, say, step, warn } from '../lib/command/report.ts';
import { readSecret } from '../lib/command/secrets.ts';
import { backupLive, fixConfigMeta, installConfig } from '../lib/config/install-config.ts';
import { rejectCandidate, validateCandidate } from '../lib/config/validate-candidate.ts';
import { detectHost } from '../lib/host/host-detect.ts';
import { type Layout, layoutFor } from '../lib/host/layout.ts';
import { installPackages } from '../lib/host/packages.ts';
import { ensureDir, localTarget, sshTarget, type Target, writeFileAtomic } from '../lib/host/target.ts';
import { kernelPath, writeKernel } from '../lib/kernel/sysctl.ts';
import { disableThp, THP_FILES, THP_TMPFILES } from '../lib/kernel/thp.ts';
import { makePlan, type Plan, renderFor, type Secrets } from '../lib/plan/plan.ts';
import { daemonReload, enableAtBoot, serviceState, startOrRestart, UNIT_DROP_IN } from '../lib/server/service.ts';

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
  --password-file FILE    requirepass from FILE (or REDIS_PASSWORD); never on the command line
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

function describeHost(plan: Plan, target: Target): void {
  const { host } = plan;
  const redis = host.installedRedis
    ? `redis-server ${host.installedRedis}`
    : `redis-server ${host.redisVersion} (not installed yet)`;
  say(`${chalk.bold('host')}: ${host.pretty} on ${target.name}, ${redis}, ${host.systemd ? 'systemd' : 'no systemd'}`);
  if (!host.systemd) {
    say(
      '  no systemd here: redis-server is started and supervised directly (fastnpc-redis-supervise) on the same file',
    );
  }
  if (host.redisVersion === '6.0') {
    say(
      '  Redis 6.0 (Ubuntu 22.04): skipping what 6.0 lacks: optional "-::1" bind, ACL channel rules (resetchannels), ' +
        'redis-server --check-system, INFO process_supervised',
    );
  }
  for (const note of [...plan.notes, ...plan.candidate.notes]) say(`  ${note}`);
}

function printChanges(plan: Plan): void {
  for (const item of plan.readOnly) warn(`cannot be applied on this host (container?): ${item}; read-only here`);
  if (plan.changes.length === 0) {
    ok('no changes: packages, config, sysctl, transparent huge pages and service are as wanted');
    return;
  }
  say(chalk.bold(`${plan.changes.length} change(s):`));
  for (const change of plan.changes) {
    say(`  ${chalk.yellow('~')} [${change.kind}] ${change.summary}`);
    if (change.diff) say(colourDiff(change.diff).replace(/^/gm, '    '));
  }
}

async function ensureLayout(target: Target, layout: Layout): Promise<void> {
  await ensureDir(target, layout.configDir, { owner: 'redis', group: 'redis', mode: '2770' });
  await ensureDir(target, layout.dataDir, { owner: 'redis', group: 'redis', mode: '0750' });
  await ensureDir(target, layout.logDir, { owner: 'redis', group: 'adm', mode: '2750' });
  await ensureDir(target, layout.runDir, { owner: 'redis', group: 'redis', mode: '2755' });
}

/**
 * Redis 7.0's own host check (clocksource, overcommit, THP). It reads the real kernel, so it runs only when the root is
 * `/`; a warning is reported, not fatal (a container may not be allowed to change the kernel).
 */
async function checkSystem(target: Target, layout: Layout, plan: Plan): Promise<void> {
  if (plan.host.redisVersion === '6.0') {
    say('  redis-server --check-system: not in Redis 6.0, skipped');
    return;
  }
  if (layout.root !== '/') return;
  const result = await target.exec(['redis-server', '--check-system'], { timeoutMs: 30_000 });
  const summary = summariseCheckSystem(result.stdout);
  if (result.exitCode === 0) say(`  ${chalk.green('ok  ')} redis-server --check-system: ${summary}`);
  else warn(`redis-server --check-system: ${summary} (run it for the details)`);
}

async function apply(target: Target, layout: Layout, options: ProvisionOptions, plan: Plan) {
  const { secrets } = plan;
  if (plan.blocker) throw new ProvisionError('E_STEP_FAILED', `nothing changed: ${plan.blocker}`);
  const kinds = new Set(plan.changes.map((c) => c.kind));
  let candidate = plan.candidate;
  let version = plan.host.installedRedis ?? plan.host.redisVersion;

  if (kinds.has('packages')) {
    step('packages: apt-get install');
    await installPackages(
      target,
      plan.packages.filter((p) => !p.installed).map((p) => p.name),
    );
    const host = await detectHost(target, layout);
    version = host.installedRedis ?? host.redisVersion;
    candidate = renderFor(options, secrets, host, layout);
    // The package's postinst may have started (and enabled) redis-server on the package's own file: read the service
    // again, so the step below restarts it on ours instead of a no-op `start` (D1).
    plan.service = await serviceState(target, layout, host.systemd);
  }

  const configChanged = plan.live !== candidate.text;
  if (configChanged) {
    step(`validating the candidate on a throwaway redis-server ${version}`);
    const result = await validateCandidate(target, candidate.text, [secrets.password, secrets.appPassword]);
    if (!result.ok) rejectCandidate(result, version);
    ok(`candidate accepted by a throwaway redis-server (port ${result.port}, temp dir, removed)`);
  }

  await ensureLayout(target, layout);
  if (configChanged) {
    const backup = await backupLive(target, layout);
    await installConfig(target, layout, candidate.text);
    ok(`installed ${layout.config} (redis:redis 0640)${backup ? `; previous file kept as ${backup}` : ''}`);
  } else if (kinds.has('config-mode')) {
    await fixConfigMeta(target, layout);
    ok(`${layout.config}: owner and mode set to redis:redis 0640`);
  }

  if (kinds.has('sysctl-file')) {
    await writeFileAtomic(target, layout.sysctlFile, plan.sysctl.want, { owner: 'root', group: 'root', mode: '0644' });
    ok(
      `persisted ${Object.entries(plan.sysctl.values)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')} in ${layout.sysctlFile}`,
    );
  }
  for (const [key, want] of Object.entries(plan.sysctl.values)) {
    const have = plan.sysctl.live[key];
    if (plan.readOnly.some((r) => r.startsWith(`${key}:`))) continue;
    if (have === undefined) warn(`${key}: not exposed by this kernel (${kernelPath(layout, key)}); persisted only`);
    else if (have !== want) {
      if (await writeKernel(target, kernelPath(layout, key), want)) ok(`${key}: ${have} → ${want}`);
      else warn(`${key}: ${kernelPath(layout, key)} is read-only here (a container?); persisted for the host only`);
    }
  }

  if (kinds.has('thp-file')) {
    await writeFileAtomic(target, layout.tmpfilesFile, THP_TMPFILES, { owner: 'root', group: 'root', mode: '0644' });
    ok(`transparent huge pages off at boot via ${layout.tmpfilesFile}`);
  }
  for (const file of THP_FILES) {
    const have = plan.thp.live[file];
    if (plan.readOnly.some((r) => r.startsWith(`transparent_hugepage/${file}:`))) continue;
    if (have === undefined) warn(`transparent_hugepage/${file}: not exposed here; persisted only`);
    else if (have !== 'never') {
      if (await disableThp(target, layout, file)) ok(`transparent_hugepage/${file}: ${have} → never`);
      else warn(`transparent_hugepage/${file}: read-only here (a container?); persisted for the host only`);
    }
  }

  if (kinds.has('unit-drop-in')) {
    await writeFileAtomic(target, layout.unitDropIn, UNIT_DROP_IN, { owner: 'root', group: 'root', mode: '0644' });
    await daemonReload(target);
    ok(`${layout.unitDropIn}: LimitNOFILE=65536 (systemd reloaded)`);
  }

  let pid = plan.service.pid;
  const needStart =
    !plan.service.running ||
    configChanged ||
    plan.service.supervisorOutdated ||
    kinds.has('unit-drop-in') ||
    plan.serverDrift.length > 0;
  if (needStart) {
    const what = plan.service.running ? `restarting redis-server (pid ${plan.service.pid})` : 'starting redis-server';
    step(
      `${what} ${plan.service.manager === 'systemd' ? 'with systemd' : 'under fastnpc-redis-supervise (no systemd)'}`,
    );
    pid = await startOrRestart(target, layout, plan.service);
    ok(
      `redis-server running, pid ${pid}${plan.service.manager === 'supervise' ? ' (supervised directly: no systemd)' : ''}`,
    );
  }
  if (plan.service.manager === 'systemd') {
    if (!plan.service.enabled) {
      await enableAtBoot(target);
      ok('redis-server enabled at boot');
    }
  } else if (plan.changes.length > 0) {
    warn('no init system to enable redis-server at boot: run `npm run provision -- --yes` again after a reboot');
  }

  step('verifying the running server against the installed file');
  const checks = await verifyLive(target, candidate.text);
  for (const c of checks) say(`  ${c.ok ? chalk.green('ok  ') : chalk.red('FAIL')} ${c.setting}: ${c.actual}`);
  const bad = checks.filter((c) => !c.ok);
  if (bad.length > 0) {
    throw new ProvisionError(
      'E_VERIFY_FAILED',
      `verification failed: ${bad.map((c) => `${c.setting} expected ${c.expected}, got ${c.actual}`).join('; ')}`,
    );
  }
  await checkSystem(target, layout, plan);
  const readOnly =
    plan.readOnly.length > 0
      ? `; ${plan.readOnly.length} kernel setting(s) cannot be applied on this host (container?)`
      : '';
  if (plan.changes.length === 0) ok(`no changes; redis-server (pid ${pid}) not restarted${readOnly}`);
  else ok(`applied ${plan.changes.length} change(s); redis-server pid ${pid}${readOnly}`);
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

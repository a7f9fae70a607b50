/**
 * The single-host pipeline's output and apply step, shared by `provision` and `provision-topology`: describe the host,
 * print the plan's changes, apply them in order (packages, validated config, kernel, unit drop-in, service) and verify.
 */

import { chalk } from 'zx';
import { summariseCheckSystem, verifyLive } from '../checks/verify.ts';
import { ProvisionError } from '../command/errors.ts';
import type { ProvisionOptions } from '../command/options.ts';
import { colourDiff, ok, say, step, warn } from '../command/report.ts';
import { formatMb } from '../config/budget.ts';
import { backupLive, fixConfigMeta, installConfig } from '../config/install-config.ts';
import { rejectCandidate, validateCandidate } from '../config/validate-candidate.ts';
import { detectHost } from '../host/host-detect.ts';
import type { Layout } from '../host/layout.ts';
import { installPackages } from '../host/packages.ts';
import { ensureDir, type Target, writeFileAtomic } from '../host/target.ts';
import { kernelPath, writeKernel } from '../kernel/sysctl.ts';
import { disableThp, THP_FILES, THP_TMPFILES } from '../kernel/thp.ts';
import { daemonReload, enableAtBoot, serviceState, startOrRestart, UNIT_DROP_IN } from '../server/service.ts';
import { type Plan, renderFor } from './plan.ts';

export function describeHost(plan: Plan, target: Target): void {
  const { host } = plan;
  const redis = host.installedRedis
    ? `redis-server ${host.installedRedis}`
    : `redis-server ${host.redisVersion} (not installed yet)`;
  say(
    `${chalk.bold('host')}: ${host.pretty} on ${target.name}, ${redis}, ${host.systemd ? 'systemd' : 'no systemd'}, RAM ${formatMb(host.totalRamBytes)} (${host.ramSource})`,
  );
  if (!host.systemd) {
    say(
      '  no systemd here: redis-server is started and supervised directly (fastnpc-redis-supervise) on the same file',
    );
  }
  if (host.redisVersion === '6.0') {
    say(
      '  Redis 6.0 (Ubuntu 22.04, Debian 11): skipping what 6.0 lacks: optional "-::1" bind, ACL channel rules (resetchannels), ' +
        'redis-server --check-system, INFO process_supervised',
    );
  }
  for (const note of [...plan.notes, ...plan.candidate.notes]) say(`  ${note}`);
}

export function printChanges(plan: Plan): void {
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

export async function apply(target: Target, layout: Layout, options: ProvisionOptions, plan: Plan) {
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

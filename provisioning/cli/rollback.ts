#!/usr/bin/env -S npx tsx
/**
 * npm run rollback -- --yes
 * Restores the previous /etc/redis/redis.conf from its backup byte for byte, restarts redis-server, verifies.
 */
import { chalk } from 'zx';
import { secretsInConfig, verifyLive } from '../lib/checks/verify.ts';
import { EXIT, ProvisionError } from '../lib/command/errors.ts';
import { parseStrict } from '../lib/command/options.ts';
import { colourDiff, ok, registerSecret, runMain, say, step, warn } from '../lib/command/report.ts';
import { mask } from '../lib/command/secrets.ts';
import { provisionSetting } from '../lib/command/variables.ts';
import { listBackups, restoreBackup } from '../lib/config/install-config.ts';
import { rollbackLosses } from '../lib/config/rollback-losses.ts';
import { rejectCandidate, validateCandidate } from '../lib/config/validate-candidate.ts';
import { detectHost } from '../lib/host/host-detect.ts';
import { layoutFor } from '../lib/host/layout.ts';
import { isValidDestination } from '../lib/host/ssh.ts';
import { localTarget, readText, sshTarget } from '../lib/host/target.ts';
import { unifiedDiff } from '../lib/plan/diff.ts';
import { serviceState, startOrRestart } from '../lib/server/service.ts';

export const HELP = `Usage: npm run rollback -- [--check | --yes] [options]

Restores the newest backup of /etc/redis/redis.conf (kept by every provision that replaced the file) byte for byte,
with the package's owner and mode, after validating it on a throwaway redis-server; restarts redis-server and
verifies it. The replaced file is kept under <backup dir>/undone/. Without --yes it shows the diff (exit 1).

  --check                 show the diff live → backup (default); exit 0 = identical, 1 = would change
  --yes                   restore, restart, verify
  --list                  list the backups, newest last
  --host USER@SERVER      over SSH; --sudo prefixes commands with sudo -n
  --ssh-config FILE       ssh -F FILE for --host (env PROVISION_SSH_CONFIG)
  --root DIR              prefix for every host path (tests; env PROVISION_ROOT)
  --os-release FILE       (tests; env PROVISION_OS_RELEASE)
  -h, --help

Exit codes (docs/exit-codes.md): 0 done / identical, 1 would change, no backup or a step failed (unsupported host
included), 2 bad input (nothing ran), 3 the host cannot be reached over SSH.`;

async function main(argv: string[]): Promise<number> {
  const a = parseStrict(argv, {
    boolean: ['help', 'check', 'yes', 'list', 'sudo'],
    string: ['host', 'ssh-config', 'root', 'os-release'],
    alias: { h: 'help' },
  });
  if (a.help) {
    say(HELP);
    return EXIT.OK;
  }
  if (a.check && a.yes) throw new ProvisionError('E_USAGE', '--check and --yes exclude each other');
  const host = a.host === undefined ? undefined : String(a.host);
  if (host !== undefined && !isValidDestination(host))
    throw new ProvisionError('E_USAGE', `--host ${host}: expected user@server`);
  const target = host
    ? sshTarget({
        destination: host,
        sudo: Boolean(a.sudo),
        configFile: (a['ssh-config'] as string | undefined) ?? provisionSetting('PROVISION_SSH_CONFIG'),
      })
    : localTarget();
  const layout = layoutFor(
    String(a.root ?? provisionSetting('PROVISION_ROOT')),
    (a['os-release'] as string | undefined) ?? provisionSetting('PROVISION_OS_RELEASE'),
  );
  const info = await detectHost(target, layout);
  const backups = await listBackups(target, layout);
  if (a.list) {
    for (const b of backups) say(b);
    if (backups.length === 0) say(`no backups under ${layout.backupDir}`);
    return EXIT.OK;
  }
  const newest = backups.at(-1);
  if (!newest) {
    throw new ProvisionError(
      'E_NO_BACKUP',
      `no backup under ${layout.backupDir}: nothing to roll back to (provision keeps one each time it replaces the config)`,
    );
  }
  const live = await readText(target, layout.config);
  const previous = (await readText(target, newest)) ?? '';
  const hidden = [...secretsInConfig(live), ...secretsInConfig(previous)];
  for (const s of hidden) registerSecret(s);
  const diff = mask(unifiedDiff(live ?? '', previous, [`${layout.config} (live)`, `${newest} (backup)`]), hidden);
  say(`${chalk.bold('rollback')}: ${layout.config} ← ${newest}`);
  if (diff === '') say('  the backup is identical to the live file');
  else say(colourDiff(diff).replace(/^/gm, '    '));
  const losses = rollbackLosses(live, previous);
  for (const loss of losses) warn(loss);
  if (!a.yes) return diff === '' ? EXIT.OK : EXIT.DRIFT;

  const version = info.installedRedis ?? info.redisVersion;
  step(`validating the backup on a throwaway redis-server ${version}`);
  const result = await validateCandidate(target, previous, hidden);
  if (!result.ok) rejectCandidate(result, version);
  const replaced = await restoreBackup(target, layout, newest);
  ok(
    `restored ${layout.config} from ${newest} (byte for byte, redis:redis 0640); the replaced file is kept as ${replaced}`,
  );

  const service = await serviceState(target, layout, info.systemd);
  step(
    `${service.running ? `restarting redis-server (pid ${service.pid})` : 'starting redis-server'}${service.manager === 'supervise' ? ' under fastnpc-redis-supervise (no systemd)' : ''}`,
  );
  const pid = await startOrRestart(target, layout, service);
  step('verifying the running server against the restored file');
  const checks = await verifyLive(target, previous);
  for (const c of checks) say(`  ${c.ok ? chalk.green('ok  ') : chalk.red('FAIL')} ${c.setting}: ${c.actual}`);
  const bad = checks.filter((c) => !c.ok);
  if (bad.length > 0) {
    throw new ProvisionError(
      'E_VERIFY_FAILED',
      `verification after rollback failed: ${bad.map((c) => `${c.setting} expected ${c.expected}, got ${c.actual}`).join('; ')}`,
    );
  }
  ok(`rolled back; redis-server pid ${pid}`);
  // said again last, where ops read the outcome: provision --yes with the password restores it
  for (const loss of losses) warn(`${loss} (provision --yes --password-file … puts it back)`);
  return EXIT.OK;
}

await runMain(main);

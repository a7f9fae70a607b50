import type { Layout } from '../host/layout.ts';
import { ensureDir, type FileMeta, must, statFile, type Target, writeFileAtomic } from '../host/target.ts';

/** The package's ownership and mode of /etc/redis/redis.conf (it may hold requirepass). */
export const CONFIG_META: FileMeta = { owner: 'redis', group: 'redis', mode: '0640' };
/** Backups hold passwords too: root only. */
export const BACKUP_DIR_META: FileMeta = { owner: 'root', group: 'root', mode: '0700' };

const BACKUP_NAME = /^redis\.conf\.\d{8}T\d{9}Z$/;

export function backupStamp(date = new Date()): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

/** Copies the live file byte for byte (cp -p keeps owner, mode and time) into the backup dir; returns its path. */
export async function backupLive(target: Target, layout: Layout): Promise<string | undefined> {
  if (!(await statFile(target, layout.config))) return undefined;
  await ensureDir(target, layout.backupDir, BACKUP_DIR_META);
  const path = `${layout.backupDir}/redis.conf.${backupStamp()}`;
  await must(target, 'backing up the live config', ['cp', '-p', '--', layout.config, path]);
  return path;
}

export async function installConfig(target: Target, layout: Layout, text: string): Promise<void> {
  await writeFileAtomic(target, layout.config, text, CONFIG_META);
}

/** Whether the live file's owner/group/mode differ from the package's (a change even when the bytes match). */
export async function configMetaDrift(target: Target, layout: Layout): Promise<string | undefined> {
  const meta = await statFile(target, layout.config);
  if (!meta) return undefined;
  const want = `${CONFIG_META.owner}:${CONFIG_META.group} ${CONFIG_META.mode}`;
  const have = `${meta.owner}:${meta.group} ${meta.mode}`;
  return have === want ? undefined : `${layout.config} is ${have}, the package's is ${want}`;
}

export async function fixConfigMeta(target: Target, layout: Layout): Promise<void> {
  await must(target, 'setting the config owner and mode', [
    'sh',
    '-c',
    'chown "$2:$3" "$1" && chmod "$4" "$1"',
    'sh',
    layout.config,
    CONFIG_META.owner,
    CONFIG_META.group,
    CONFIG_META.mode,
  ]);
}

/** Backups, oldest first. */
export async function listBackups(target: Target, layout: Layout): Promise<string[]> {
  const result = await target.exec(['ls', '-1', '--', layout.backupDir]);
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split('\n')
    .filter((name) => BACKUP_NAME.test(name))
    .sort()
    .map((name) => `${layout.backupDir}/${name}`);
}

/**
 * Restores `backup` byte for byte as the live config (package owner and mode), keeps the replaced live file under
 * backups/undone/ and moves the used backup there too, so the next rollback goes one step further back.
 */
export async function restoreBackup(target: Target, layout: Layout, backup: string): Promise<string> {
  const undone = `${layout.backupDir}/undone`;
  await ensureDir(target, undone, BACKUP_DIR_META);
  const stamp = backupStamp();
  const replaced = `${undone}/redis.conf.${stamp}.replaced`;
  await must(target, 'keeping the replaced config', ['cp', '-p', '--', layout.config, replaced]);
  await must(target, 'restoring the backup', [
    'sh',
    '-c',
    't="$2.rollback-tmp"; cp -- "$1" "$t" && chown "$3:$4" "$t" && chmod "$5" "$t" && mv -f -- "$t" "$2"',
    'sh',
    backup,
    layout.config,
    CONFIG_META.owner,
    CONFIG_META.group,
    CONFIG_META.mode,
  ]);
  await must(target, 'retiring the used backup', [
    'mv',
    '--',
    backup,
    `${undone}/${backup.split('/').pop()}.restored-${stamp}`,
  ]);
  return replaced;
}

import { appUsersOf } from '../checks/verify.ts';
import { parseConfig } from './render-config.ts';

const hasPassword = (config: Map<string, string[]>): boolean =>
  (config.get('requirepass') ?? []).some((p) => p !== '' && p !== '""' && p !== "''");

/**
 * What restoring `previous` over `live` takes away from the server's protection: the default user's password
 * (requirepass) and the app's ACL users. `rollback --check` and `--yes` print one warning line each (the diff masks
 * the passwords, so the loss would otherwise read as a masked line among others).
 */
export function rollbackLosses(live: string | undefined, previous: string): string[] {
  if (live === undefined) return [];
  const before = parseConfig(live);
  const after = parseConfig(previous);
  const out: string[] = [];
  if (hasPassword(before) && !hasPassword(after)) {
    out.push('this rollback removes requirepass: the restored server answers without a password');
  }
  const kept = new Set(appUsersOf(after).map((u) => u.name));
  for (const user of appUsersOf(before)) {
    if (!kept.has(user.name)) {
      out.push(`this rollback removes the app user ${user.name}: the app can no longer authenticate as it`);
    }
  }
  return out;
}

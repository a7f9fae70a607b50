/** The one way a test file decides whether systemd hosts can run here (vitest only: host.ts stays free of it). */
import { canRunHere } from '../can-run.ts';
import { systemdHostUnavailable } from './host.ts';

/**
 * True when systemd hosts can run here. Otherwise registers, under `title`, a test that fails with the reason — or,
 * with FASTNPC_SYSTEMD_HOST=off (a developer machine; CI never sets it), a skip that says so — and returns false.
 */
export function systemdHostsCanRun(title: string): boolean {
  return canRunHere(
    title,
    systemdHostUnavailable(),
    'FASTNPC_SYSTEMD_HOST',
    (why) => `the real systemd host cannot run here: ${why}`,
  );
}

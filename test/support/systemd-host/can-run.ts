/** The one way a test file decides whether systemd hosts can run here (vitest only: host.ts stays free of it). */
import { describe, it } from 'vitest';
import { systemdHostUnavailable } from './host.ts';

/**
 * True when systemd hosts can run here. Otherwise registers, under `title`, a test that fails with the reason — or,
 * with FASTNPC_SYSTEMD_HOST=off (a developer machine; CI never sets it), a skip that says so — and returns false.
 */
export function systemdHostsCanRun(title: string): boolean {
  const unavailable = systemdHostUnavailable();
  if (!unavailable) return true;
  if (process.env.FASTNPC_SYSTEMD_HOST === 'off') {
    describe.skip(`${title}: skipped by FASTNPC_SYSTEMD_HOST=off (${unavailable})`, () => {
      it('skipped', () => {});
    });
  } else {
    describe(title, () => {
      it(`cannot run here: ${unavailable}`, () => {
        throw new Error(`the real systemd host cannot run here: ${unavailable}`);
      });
    });
  }
  return false;
}

/** The one way a test file that needs something of the host (root, netns, nspawn) decides whether it can run here. */
import { describe, it } from 'vitest';

/**
 * True when `unavailable` is undefined. Otherwise registers, under `title`, a test that fails with `failure` — or,
 * with `<skipSwitch>=off` (a developer machine; CI never sets it), a skip that says so — and returns false. Never a
 * silent skip: a CI machine that lost what the file needs fails instead of passing with its checks unrun.
 */
export function canRunHere(
  title: string,
  unavailable: string | undefined,
  skipSwitch: string,
  failure: (unavailable: string) => string,
): boolean {
  if (!unavailable) return true;
  if (process.env[skipSwitch] === 'off') {
    describe.skip(`${title}: skipped by ${skipSwitch}=off (${unavailable})`, () => {
      it('skipped', () => {});
    });
  } else {
    describe(title, () => {
      it(`cannot run here: ${unavailable}`, () => {
        throw new Error(failure(unavailable));
      });
    });
  }
  return false;
}

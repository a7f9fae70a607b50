/**
 * Provisioning on a REAL systemd host, as one scenario for each Debian release a test host can run (Debian 12: Redis
 * 7.0; Debian 11: Redis 6.0.16, the version Ubuntu 22.04 ships): a root built by debootstrap (cached per machine)
 * booted with `systemd-nspawn -b` (systemd as its PID 1), its own veth /30, sshd, apt through a proxy restricted to
 * this machine's Debian mirror. The project's commands reach it only over SSH (`--host root@…`, then `--host ops@…
 * --sudo`), one test per step of the scenario in docs/provisioning-tests.md. Where nspawn cannot run the file FAILS with the
 * reason (opt-out for a developer machine: FASTNPC_SYSTEMD_HOST=off, documented there; CI never sets it).
 * systemd-host.test.ts runs the two releases side by side (CI time: one vitest worker on a 2-core machine runs files
 * one after the other, so the releases share one file and run as concurrent suites).
 *
 * One file per concept under systemd-host-scenario/: the run's context (host, passwords, commands), then its steps in
 * order — provisioning, rollback, the host itself (root run only), the password and the secrets.
 */
import { beforeAll, describe } from 'vitest';
import { systemdHostsCanRun } from '../../support/systemd-host/can-run.ts';
import { type HostRelease, hostInputs } from '../../support/systemd-host/host.ts';
import { releaseFacts, ScenarioContext } from './systemd-host-scenario/context.ts';
import { hostSteps } from './systemd-host-scenario/host-steps.ts';
import { passwordSteps } from './systemd-host-scenario/password-steps.ts';
import { provisionSteps } from './systemd-host-scenario/provision-steps.ts';
import { rollbackSteps } from './systemd-host-scenario/rollback-steps.ts';

/** The whole scenario on a fresh host of `release`, as root and then as a sudo user. */
export function systemdHostScenario(release: HostRelease): void {
  const facts = releaseFacts(release);
  const { title, redis } = facts;
  if (!systemdHostsCanRun(`systemd host (${title})`)) return;
  // concurrent with the other release's suite (one file, so also on a 1-worker CI machine); its own steps stay in order
  describe.concurrent(`${title} (Redis ${redis})`, () => {
    let cached: { root: string; key: string; mirrorHost: string };
    beforeAll(() => {
      cached = hostInputs(release);
    }, 1_200_000);

    for (const as of [
      { user: 'root', sudo: false },
      { user: 'ops', sudo: true },
    ] as const) {
      describe.sequential(`${title} (Redis ${redis}): provisioning over SSH as ${as.user}${as.sudo ? ' with --sudo' : ''}`, () => {
        const ctx = new ScenarioContext(facts, as);
        ctx.hooks(() => cached);
        provisionSteps(ctx);
        rollbackSteps(ctx);
        // The sudo run keeps to one pass through provision and rollback (CI time); the root run does every step.
        if (!as.sudo) hostSteps(ctx);
        passwordSteps(ctx);
      });
    }
  });
}

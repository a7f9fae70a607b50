import { ProvisionError } from '../command/errors.ts';
import { warn } from '../command/report.ts';
import type { Layout } from '../host/layout.ts';
import { must, rateLimitNote, restartUnit, type Target } from '../host/target.ts';
import { installSupervisor, restartSupervised, startSupervised, stopSupervised, supervisorState } from './supervise.ts';

export const UNIT = 'redis-server';

/** Open-files limit for redis-server (maxclients 10000 + ~32 own descriptors; voxpupuli/puppet-redis uses 65536). */
export const UNIT_DROP_IN =
  "# Installed by `npm run provision`: room for maxclients 10000 plus Redis's own descriptors.\n[Service]\nLimitNOFILE=65536\n";

export interface ServiceState {
  manager: 'systemd' | 'supervise';
  running: boolean;
  /** Enabled at boot; undefined where there is no init system to enable it with. */
  enabled?: boolean;
  pid?: number;
  /** supervise only: the installed supervisor script differs from ours. */
  supervisorOutdated?: boolean;
}

export async function serviceState(target: Target, layout: Layout, systemd: boolean): Promise<ServiceState> {
  if (systemd) {
    const active = (await target.exec(['systemctl', 'is-active', '--quiet', UNIT])).exitCode === 0;
    const enabled = (await target.exec(['systemctl', 'is-enabled', '--quiet', UNIT])).exitCode === 0;
    const pid = Number((await target.exec(['systemctl', 'show', '-p', 'MainPID', '--value', UNIT])).stdout.trim());
    return { manager: 'systemd', running: active, enabled, pid: pid > 0 ? pid : undefined };
  }
  const state = await supervisorState(target, layout);
  return {
    manager: 'supervise',
    running: state.redisPid !== undefined,
    pid: state.redisPid,
    supervisorOutdated: !state.scriptCurrent,
  };
}

/** Starts (or restarts) redis-server; returns the new PID. */
export async function startOrRestart(target: Target, layout: Layout, state: ServiceState): Promise<number | undefined> {
  try {
    if (state.manager === 'systemd') {
      // Always `restart`: it starts an inactive unit too, and never leaves a server on an older file running.
      if (await restartUnit(target, UNIT)) warn(rateLimitNote(UNIT));
      return (await serviceState(target, layout, true)).pid;
    }
    if (state.supervisorOutdated) {
      await stopSupervised(target, layout);
      await installSupervisor(target, layout);
      return await startSupervised(target, layout);
    }
    if (state.running && state.pid) return await restartSupervised(target, layout, state.pid);
    await stopSupervised(target, layout); // a supervisor that gave up
    return await startSupervised(target, layout);
  } catch (error) {
    if (error instanceof ProvisionError) throw error;
    throw new ProvisionError(
      'E_STEP_FAILED',
      `${(error as Error).message}; see ${layout.logFile} and ${layout.supervisorLog}`,
    );
  }
}

export async function daemonReload(target: Target): Promise<void> {
  await must(target, 'systemctl daemon-reload', ['systemctl', 'daemon-reload']);
}

export async function enableAtBoot(target: Target): Promise<void> {
  await must(target, `systemctl enable ${UNIT}`, ['systemctl', 'enable', '--quiet', UNIT]);
}

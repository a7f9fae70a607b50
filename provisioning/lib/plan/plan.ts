import { appUsersOf, type Check, secretsInConfig, verifyLive } from '../checks/verify.ts';
import { ProvisionError } from '../command/errors.ts';
import type { ProvisionOptions } from '../command/options.ts';
import { mask } from '../command/secrets.ts';
import { checkMaxmemory } from '../config/budget.ts';
import { configMetaDrift } from '../config/install-config.ts';
import { parseConfig, type RenderedConfig, readTemplate, renderConfig } from '../config/render-config.ts';
import { detectHost, type HostInfo } from '../host/host-detect.ts';
import type { Layout } from '../host/layout.ts';
import { PACKAGES, type PackageState, packageStates } from '../host/packages.ts';
import { readText, type Target } from '../host/target.ts';
import { desiredSysctl, kernelPath, readKernel, renderSysctlFile } from '../kernel/sysctl.ts';
import { readThp, THP_FILES, THP_TMPFILES } from '../kernel/thp.ts';
import { type ServiceState, serviceState, UNIT_DROP_IN } from '../server/service.ts';
import { unifiedDiff } from './diff.ts';

/** One thing `--yes` would do; `--check` prints them. */
export interface Change {
  kind:
    | 'packages'
    | 'config'
    | 'config-mode'
    | 'sysctl-file'
    | 'sysctl-live'
    | 'thp-file'
    | 'thp-live'
    | 'unit-drop-in'
    | 'service';
  summary: string;
  /** A unified diff (secrets masked). */
  diff?: string;
}

export interface Secrets {
  password?: string;
  appPassword?: string;
}

/** Everything read from the host plus what it should become. */
export interface Plan {
  host: HostInfo;
  packages: PackageState[];
  candidate: RenderedConfig;
  live?: string;
  configChanged: boolean;
  sysctl: { file?: string; want: string; live: Record<string, string | undefined>; values: Record<string, string> };
  thp: { file?: string; live: Record<string, string | undefined> };
  service: ServiceState;
  changes: Change[];
  /** Why `--yes` must not start: the port is held by a server provisioning did not start (supervise path). */
  blocker?: string;
  /** The secrets this run renders with: the given ones, else the ones the host's file already has (kept). */
  secrets: Secrets;
  /** Every secret to mask: this run's, and those found in the live file. */
  hidden: string[];
  /** What the running server does differently from the live file (D2: it was not restarted after a change). */
  serverDrift: Check[];
  /** Kernel values that differ but cannot be written here (read-only /proc/sys or /sys: a container). */
  readOnly: string[];
  /** Notes for the operator (e.g. a password kept from the host's file). */
  notes: string[];
}

/**
 * The secrets to render with. A password not given this run is kept from the host's file, never silently dropped:
 * `--yes` without the password file on a passworded host would otherwise remove requirepass.
 */
export function effectiveSecrets(
  options: ProvisionOptions,
  given: Secrets,
  live: string | undefined,
): { secrets: Secrets; notes: string[] } {
  const notes: string[] = [];
  const config = live === undefined ? undefined : parseConfig(live);
  let password = given.password;
  const livePassword = config?.get('requirepass')?.[0];
  if (password === undefined && livePassword) {
    password = livePassword;
    notes.push('no --password-file / REDIS_PASSWORD: keeping the requirepass the host already has');
  }
  if (password === undefined) {
    if (!options.allowNoAuth) throw noPasswordError();
    notes.push(NO_AUTH_WAIVED);
  }
  let appPassword = given.appPassword;
  if (options.appUser && appPassword === undefined) {
    appPassword = config ? appUsersOf(config).find((u) => u.name === options.appUser)?.password : undefined;
    if (appPassword === undefined) {
      throw new ProvisionError(
        'E_SECRET',
        `--app-user ${options.appUser} needs a password: --app-password-file FILE or REDIS_APP_PASSWORD`,
      );
    }
    notes.push(`no --app-password-file / REDIS_APP_PASSWORD: keeping the password ${options.appUser} already has`);
  }
  if (!options.appUser && config && appUsersOf(config).length > 0) {
    notes.push(
      `the host's file has ACL user(s) ${appUsersOf(config)
        .map((u) => u.name)
        .join(', ')}; without --app-user the candidate drops them (see the diff)`,
    );
  }
  return { secrets: { password, appPassword }, notes };
}

/** What --check and --yes say when this run has no password: nothing is done, exit 2 (docs/operations.md). */
export function noPasswordError(): ProvisionError {
  return new ProvisionError(
    'E_NO_AUTH',
    'no password: refusing to leave a Redis that answers without one. Give --password-file FILE (or REDIS_PASSWORD), ' +
      'or waive it explicitly with --allow-no-auth',
  );
}

export const NO_AUTH_WAIVED =
  '--allow-no-auth: this Redis will answer without a password (waived explicitly; `audit` calls that drift unless it is given --allow-no-auth too)';

/** Whether a kernel file can be written here (false where /proc/sys or /sys is mounted read-only, e.g. nspawn, LXC). */
async function writable(target: Target, path: string): Promise<boolean> {
  return (await target.exec(['test', '-w', path])).exitCode === 0;
}

export function renderFor(options: ProvisionOptions, secrets: Secrets, host: HostInfo, layout: Layout): RenderedConfig {
  return renderConfig(readTemplate(), {
    maxmemory: options.maxmemory,
    policy: options.policy,
    port: options.port,
    bind: options.bind,
    persistence: options.persistence,
    password: secrets.password,
    appUser:
      options.appUser && secrets.appPassword ? { name: options.appUser, password: secrets.appPassword } : undefined,
    namespace: options.namespace,
    extra: options.extra,
    replication: options.replication,
    redisVersion: host.redisVersion,
    paths: { dataDir: layout.dataDir, pidFile: layout.pidFile, logFile: layout.logFile },
  });
}

export async function makePlan(
  target: Target,
  layout: Layout,
  options: ProvisionOptions,
  given: Secrets,
): Promise<Plan> {
  const host = await detectHost(target, layout);
  checkMaxmemory({
    maxmemory: options.maxmemory,
    persistence: options.persistence,
    totalRamBytes: host.totalRamBytes,
    ramSource: host.ramSource,
  });
  const changes: Change[] = [];
  const readOnly: string[] = [];
  const live = await readText(target, layout.config);
  const { secrets, notes } = effectiveSecrets(options, given, live);
  const hidden = [secrets.password, secrets.appPassword, ...secretsInConfig(live)].filter(
    (s): s is string => s !== undefined && s !== '',
  );

  const packages = await packageStates(target, [...PACKAGES, ...(options.extraPackages ?? [])]);
  const missing = packages.filter((p) => !p.installed).map((p) => p.name);
  if (missing.length > 0) changes.push({ kind: 'packages', summary: `apt-get install ${missing.join(' ')}` });

  const candidate = renderFor(options, secrets, host, layout);
  const configChanged = live !== candidate.text;
  if (configChanged) {
    changes.push({
      kind: 'config',
      summary: live === undefined ? `create ${layout.config}` : `update ${layout.config} (a backup is kept)`,
      diff: mask(
        unifiedDiff(live ?? '', candidate.text, [`${layout.config} (live)`, `${layout.config} (candidate)`]),
        hidden,
      ),
    });
  } else {
    const meta = await configMetaDrift(target, layout);
    if (meta) changes.push({ kind: 'config-mode', summary: meta });
  }

  const tcpBacklog = Number(parseConfig(candidate.text).get('tcp-backlog')?.[0] ?? 511);
  const liveKernel: Record<string, string | undefined> = {
    'vm.overcommit_memory': await readKernel(target, layout, 'vm.overcommit_memory'),
    'net.core.somaxconn': await readKernel(target, layout, 'net.core.somaxconn'),
  };
  const values = desiredSysctl(liveKernel['net.core.somaxconn'], tcpBacklog);
  const wantSysctl = renderSysctlFile(values);
  const sysctlFile = await readText(target, layout.sysctlFile);
  if (sysctlFile !== wantSysctl) {
    changes.push({
      kind: 'sysctl-file',
      summary: `${sysctlFile === undefined ? 'create' : 'update'} ${layout.sysctlFile}`,
      diff: unifiedDiff(sysctlFile ?? '', wantSysctl, [
        `${layout.sysctlFile} (live)`,
        `${layout.sysctlFile} (candidate)`,
      ]),
    });
  }
  for (const [key, want] of Object.entries(values)) {
    const have = liveKernel[key];
    if (have !== undefined && have !== want) {
      const summary = `${key}: ${have} → ${want} (${kernelPath(layout, key)})`;
      if (await writable(target, kernelPath(layout, key))) changes.push({ kind: 'sysctl-live', summary });
      else readOnly.push(summary);
    }
  }

  const thpFile = await readText(target, layout.tmpfilesFile);
  if (thpFile !== THP_TMPFILES) {
    changes.push({
      kind: 'thp-file',
      summary: `${thpFile === undefined ? 'create' : 'update'} ${layout.tmpfilesFile}`,
      diff: unifiedDiff(thpFile ?? '', THP_TMPFILES, [
        `${layout.tmpfilesFile} (live)`,
        `${layout.tmpfilesFile} (candidate)`,
      ]),
    });
  }
  const thpLive = await readThp(target, layout);
  for (const file of THP_FILES) {
    const have = thpLive[file];
    if (have !== undefined && have !== 'never') {
      const summary = `transparent_hugepage/${file}: ${have} → never`;
      if (await writable(target, `${layout.thpDir}/${file}`)) changes.push({ kind: 'thp-live', summary });
      else readOnly.push(summary);
    }
  }

  let dropInChanged = false;
  if (host.systemd) {
    const dropIn = await readText(target, layout.unitDropIn);
    dropInChanged = dropIn !== UNIT_DROP_IN;
    if (dropInChanged) {
      changes.push({
        kind: 'unit-drop-in',
        summary: `${dropIn === undefined ? 'create' : 'update'} ${layout.unitDropIn} (LimitNOFILE=65536), daemon-reload`,
        diff: unifiedDiff(dropIn ?? '', UNIT_DROP_IN, [
          `${layout.unitDropIn} (live)`,
          `${layout.unitDropIn} (candidate)`,
        ]),
      });
    }
  }

  const service = await serviceState(target, layout, host.systemd);
  const how = service.manager === 'systemd' ? 'systemd' : 'supervised directly: no systemd';
  // The file alone does not say what runs: compare the running server with the live file (CONFIG GET, auth, ACL).
  const serverDrift =
    service.running && !configChanged && live !== undefined
      ? (await verifyLive(target, live)).filter((c) => !c.ok)
      : [];
  if (!service.running) changes.push({ kind: 'service', summary: `start redis-server (${how})` });
  else if (configChanged)
    changes.push({ kind: 'service', summary: `restart redis-server pid ${service.pid} (${how})` });
  else if (serverDrift.length > 0) {
    changes.push({
      kind: 'service',
      summary: `restart redis-server pid ${service.pid}: the running server differs from ${layout.config}: ${serverDrift
        .map((c) => `${c.setting} (running ${c.actual}, file ${c.expected})`)
        .join('; ')}`,
    });
  } else if (service.supervisorOutdated) {
    changes.push({ kind: 'service', summary: 'update the supervisor script and restart redis-server under it' });
  }
  let blocker: string | undefined;
  if (service.manager === 'supervise' && !service.running) {
    const busy = await target.exec([
      'sh',
      '-c',
      'ss -Hltnp "sport = :$1" 2>/dev/null | head -1',
      'sh',
      String(options.port),
    ]);
    const line = busy.stdout.trim().replace(/\s+/g, ' ');
    if (line) {
      blocker =
        `port ${options.port} on ${target.name} is already held by a server provisioning did not start (${line}): ` +
        'stop it (or choose another --port) and provision again';
    }
  }
  if (service.manager === 'systemd' && !service.enabled) {
    changes.push({ kind: 'service', summary: 'systemctl enable redis-server (start at boot)' });
  }

  return {
    host,
    packages,
    candidate,
    live,
    configChanged,
    sysctl: { file: sysctlFile, want: wantSysctl, live: liveKernel, values },
    thp: { file: thpFile, live: thpLive },
    service,
    changes,
    blocker,
    secrets,
    hidden,
    serverDrift,
    readOnly,
    notes,
  };
}

import type { ProvisionOptions } from '../command/options.ts';
import { mask } from '../command/secrets.ts';
import { checkMaxmemory } from '../config/budget.ts';
import { configMetaDrift } from '../config/install-config.ts';
import { parseConfig, type RenderedConfig, readTemplate, renderConfig } from '../config/render-config.ts';
import { detectHost, type HostInfo } from '../host/host-detect.ts';
import type { Layout } from '../host/layout.ts';
import { type PackageState, packageStates } from '../host/packages.ts';
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
    redisVersion: host.redisVersion,
    paths: { dataDir: layout.dataDir, pidFile: layout.pidFile, logFile: layout.logFile },
  });
}

export async function makePlan(
  target: Target,
  layout: Layout,
  options: ProvisionOptions,
  secrets: Secrets,
): Promise<Plan> {
  const host = await detectHost(target, layout);
  checkMaxmemory({ maxmemory: options.maxmemory, persistence: options.persistence, totalRamBytes: host.totalRamBytes });
  const hidden = [secrets.password, secrets.appPassword];
  const changes: Change[] = [];

  const packages = await packageStates(target);
  const missing = packages.filter((p) => !p.installed).map((p) => p.name);
  if (missing.length > 0) changes.push({ kind: 'packages', summary: `apt-get install ${missing.join(' ')}` });

  const candidate = renderFor(options, secrets, host, layout);
  const live = await readText(target, layout.config);
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
      changes.push({ kind: 'sysctl-live', summary: `${key}: ${have} → ${want} (${kernelPath(layout, key)})` });
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
      changes.push({ kind: 'thp-live', summary: `transparent_hugepage/${file}: ${have} → never` });
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
  if (!service.running) changes.push({ kind: 'service', summary: `start redis-server (${how})` });
  else if (configChanged)
    changes.push({ kind: 'service', summary: `restart redis-server pid ${service.pid} (${how})` });
  else if (service.supervisorOutdated) {
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
  };
}

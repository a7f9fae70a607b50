import { must, type Target } from './target.ts';

/** The Debian packages of the cache: the server and redis-cli. */
export const PACKAGES = ['redis-server', 'redis-tools'] as const;

export interface PackageState {
  name: string;
  installed: boolean;
  version?: string;
}

/** dpkg-query first, so a second run never calls apt-get. */
export async function packageStates(target: Target, names: readonly string[] = PACKAGES): Promise<PackageState[]> {
  const out: PackageState[] = [];
  for (const name of names) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
    const result = await target.exec(['dpkg-query', '-W', '-f=${Status}\t${Version}', name]);
    const [status = '', version] = result.stdout.split('\t');
    const installed = result.exitCode === 0 && status.trim() === 'install ok installed';
    out.push({ name, installed, version: installed ? version : undefined });
  }
  return out;
}

/**
 * Packages whose postinst would start a service on the package's own, open config: redis-sentinel's binds every
 * address without a password (protected-mode no). They are installed with a policy-rc.d that forbids starts (exit
 * 101, Debian's invoke-rc.d protocol); provisioning starts them once its own file is in place.
 */
const NO_START = new Set(['redis-sentinel']);

const GUARDED_INSTALL = `p=/usr/sbin/policy-rc.d; own=0
if [ ! -e "$p" ]; then printf '#!/bin/sh\nexit 101\n' > "$p" && chmod 0755 "$p" && own=1; fi
env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; rc=$?
if [ "$own" = 1 ]; then rm -f "$p"; fi
exit $rc`;

/** Installs the missing packages with apt-get (never upgrades what is there). */
export async function installPackages(target: Target, missing: readonly string[]): Promise<void> {
  if (missing.length === 0) return;
  await must(target, 'apt-get update', ['apt-get', 'update', '-qq'], { timeoutMs: 300_000 });
  const argv = missing.some((m) => NO_START.has(m))
    ? ['sh', '-c', GUARDED_INSTALL, 'sh', ...missing]
    : [
        'env',
        'DEBIAN_FRONTEND=noninteractive',
        'apt-get',
        'install',
        '-y',
        '-qq',
        '--no-install-recommends',
        ...missing,
      ];
  await must(target, `apt-get install ${missing.join(' ')}`, argv, { timeoutMs: 600_000 });
}

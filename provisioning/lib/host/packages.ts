import { must, type Target } from './target.ts';

/** The Debian packages of the cache: the server and redis-cli. */
export const PACKAGES = ['redis-server', 'redis-tools'] as const;

export interface PackageState {
  name: string;
  installed: boolean;
  version?: string;
}

/** dpkg-query first, so a second run never calls apt-get. */
export async function packageStates(target: Target): Promise<PackageState[]> {
  const out: PackageState[] = [];
  for (const name of PACKAGES) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format, not a template
    const result = await target.exec(['dpkg-query', '-W', '-f=${Status}\t${Version}', name]);
    const [status = '', version] = result.stdout.split('\t');
    const installed = result.exitCode === 0 && status.trim() === 'install ok installed';
    out.push({ name, installed, version: installed ? version : undefined });
  }
  return out;
}

/** Installs the missing packages with apt-get (never upgrades what is there). */
export async function installPackages(target: Target, missing: readonly string[]): Promise<void> {
  if (missing.length === 0) return;
  await must(target, 'apt-get update', ['apt-get', 'update', '-qq'], { timeoutMs: 300_000 });
  await must(
    target,
    `apt-get install ${missing.join(' ')}`,
    ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing],
    { timeoutMs: 600_000 },
  );
}

import type { Layout } from '../host/layout.ts';
import { readText, type Target } from '../host/target.ts';

export const SYSCTL_HEADER =
  '# Installed by `npm run provision` for redis-server (Redis production checklist):\n' +
  "# overcommit so BGSAVE's fork cannot fail on a small host; an accept queue at least as long as tcp-backlog.\n";

export function kernelPath(layout: Layout, key: string): string {
  return `${layout.procSys}/${key.replaceAll('.', '/')}`;
}

/** A live kernel value (trimmed), or undefined when this kernel (or container) does not expose it. */
export async function readKernel(target: Target, layout: Layout, key: string): Promise<string | undefined> {
  return (await readText(target, kernelPath(layout, key)))?.trim();
}

/** Writes a live kernel value; false when /proc/sys is read-only (a container): the persisted file still counts. */
export async function writeKernel(target: Target, path: string, value: string): Promise<boolean> {
  const result = await target.exec(['sh', '-c', 'printf "%s\\n" "$2" > "$1"', 'sh', path, value]);
  return result.exitCode === 0;
}

/**
 * The settings to persist: overcommit on; somaxconn at least tcp-backlog but never lowered below what the kernel
 * has (so a second run computes the same value and changes nothing).
 */
export function desiredSysctl(liveSomaxconn: string | undefined, tcpBacklog: number): Record<string, string> {
  const live = Number(liveSomaxconn ?? 0) || 0;
  return {
    'vm.overcommit_memory': '1',
    'net.core.somaxconn': String(Math.max(live, tcpBacklog)),
  };
}

export function renderSysctlFile(values: Record<string, string>): string {
  return `${SYSCTL_HEADER}${Object.entries(values)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
}

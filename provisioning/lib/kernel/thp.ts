import type { Layout } from '../host/layout.ts';
import { readText, type Target } from '../host/target.ts';

/** systemd-tmpfiles writes these at every boot: transparent huge pages off persistently. */
export const THP_TMPFILES =
  '# Installed by `npm run provision`: transparent huge pages off at every boot (Redis latency spikes and\n' +
  "# copy-on-write cost of BGSAVE's fork). Applied by systemd-tmpfiles.\n" +
  'w /sys/kernel/mm/transparent_hugepage/enabled - - - - never\n' +
  'w /sys/kernel/mm/transparent_hugepage/defrag - - - - never\n';

export const THP_FILES = ['enabled', 'defrag'] as const;

/** "always madvise [never]" → "never". */
export function selectedMode(text: string): string {
  return /\[([a-z+]+)\]/.exec(text)?.[1] ?? text.trim();
}

/** The live THP modes, or undefined where the kernel has no THP (or hides /sys). */
export async function readThp(target: Target, layout: Layout): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const file of THP_FILES) {
    const text = await readText(target, `${layout.thpDir}/${file}`);
    out[file] = text === undefined ? undefined : selectedMode(text);
  }
  return out;
}

export async function disableThp(target: Target, layout: Layout, file: string): Promise<boolean> {
  const result = await target.exec(['sh', '-c', 'echo never > "$1"', 'sh', `${layout.thpDir}/${file}`]);
  return result.exitCode === 0;
}

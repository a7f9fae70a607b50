import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onProcessExit } from '../../../src/stack/cleanup.ts';

/** This machine's cgroup v1 memory hierarchy (no systemd here to make a slice: field notes, "A memory cap"). */
export const MEMORY_CGROUP_ROOT = '/sys/fs/cgroup/memory';

/** A memory cgroup v1 directory capping a test host (startSystemdHost's `memoryCgroup`). */
export interface MemoryCgroup {
  readonly dir: string;
  /** memory.max_usage_in_bytes: the peak since creation (page cache included). */
  peakBytes(): number;
  usageBytes(): number;
  /** OOM kills inside the cgroup (memory.oom_control `oom_kill`; 0 when the kernel does not count them). */
  oomKills(): number;
  /** memory.failcnt: how often the limit was hit (reclaim ran; not a kill). */
  limitHits(): number;
  /** Removes the directory (once its processes are gone). */
  remove(): void;
}

/** Why a memory cgroup cannot be made here, or undefined. */
export function memoryCgroupUnavailable(): string | undefined {
  if (!existsSync(join(MEMORY_CGROUP_ROOT, 'cgroup.procs'))) {
    return `no cgroup v1 memory hierarchy at ${MEMORY_CGROUP_ROOT}`;
  }
  return undefined;
}

export function createMemoryCgroup(limitBytes: number): MemoryCgroup {
  const dir = join(MEMORY_CGROUP_ROOT, `fastnpc-host-${randomBytes(3).toString('hex')}`);
  mkdirSync(dir);
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    try {
      rmdirSync(dir);
      removed = true;
    } catch {
      // processes still inside: the caller stops the host first
    }
  };
  const unregister = onProcessExit(remove);
  try {
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
  } catch (error) {
    remove();
    unregister();
    throw error;
  }
  return {
    dir,
    peakBytes: () => Number(read('memory.max_usage_in_bytes').trim()),
    usageBytes: () => Number(read('memory.usage_in_bytes').trim()),
    oomKills: () => Number(/^oom_kill (\d+)/m.exec(read('memory.oom_control'))?.[1] ?? 0),
    limitHits: () => Number(read('memory.failcnt').trim()),
    remove: () => {
      remove();
      if (removed) unregister();
    },
  };
}

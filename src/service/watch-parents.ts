/**
 * Notices when the processes that started us die (npm killed with SIGKILL, a closed terminal): watches every
 * ancestor below init (npm → sh → tsx → this process), polling whether each still exists.
 */
import { procStat } from '../stack/ownership.ts';

function parentOf(pid: number): number | undefined {
  const ppid = Number(procStat(pid)?.[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Our ancestors below init, nearest first (at most `depth`). */
export function ancestors(depth = 8): number[] {
  const out: number[] = [];
  let pid: number | undefined = process.ppid;
  while (pid !== undefined && pid > 1 && out.length < depth) {
    out.push(pid);
    pid = parentOf(pid);
  }
  return out;
}

/** Calls `onDeath` once when an ancestor goes away; returns a function that stops watching. */
export function watchParents(onDeath: () => void, intervalMs = 1000): () => void {
  const parent = process.ppid;
  const watched = ancestors();
  const timer = setInterval(() => {
    if (process.ppid !== parent || watched.some((pid) => !alive(pid))) {
      clearInterval(timer);
      onDeath();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

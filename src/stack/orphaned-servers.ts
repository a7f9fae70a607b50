/**
 * Private redis-servers and PostgreSQL clusters whose owner was killed with SIGKILL (no exit hook ran): found by
 * their temp folder's owner file (ownership.ts) and stopped before the next one starts, so a killed test worker or
 * gate does not leave servers holding memory and ports until reboot. A server is only signalled when it really is
 * the one on that folder (its working directory is the folder: redis-server runs in `--dir`, PostgreSQL in its data
 * directory), never by a pid file alone.
 */
import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killTree, orphanedDirs } from './ownership.ts';

export const REDIS_DIR_PREFIX = 'fastnpc-redis-';
export const POSTGRES_DIR_PREFIX = 'fastnpc-pg-';

function pidFrom(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]?.trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function runsIn(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === dir;
  } catch {
    return false;
  }
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

function stop(pid: number | undefined, dir: string, gentle: NodeJS.Signals): void {
  if (pid === undefined || !runsIn(pid, dir)) return;
  try {
    process.kill(pid, gentle); // PostgreSQL: SIGQUIT is its immediate shutdown (children and shared memory go)
  } catch {
    return;
  }
  for (let waited = 0; waited < 5_000 && runsIn(pid, dir); waited += 100) sleepSync(100);
  if (runsIn(pid, dir)) killTree(pid);
}

/** Stops and removes the servers of owners that are gone; returns their folders. */
export function reapOrphanedServers(base = tmpdir()): string[] {
  const reaped: string[] = [];
  for (const { dir } of orphanedDirs(REDIS_DIR_PREFIX, base)) {
    stop(pidFrom(join(dir, 'redis.pid')), dir, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  for (const { dir } of orphanedDirs(POSTGRES_DIR_PREFIX, base)) {
    const data = join(dir, 'data');
    stop(pidFrom(join(data, 'postmaster.pid')), data, 'SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

import { ProvisionError } from '../command/errors.ts';

const MB = 1024 * 1024;

/** The plan's 2 GB host and what it reserves for everything but Redis (plan.md, "Memory budget"). */
export const HOST_BUDGET = {
  hostMb: 2048,
  systemMb: 300,
  appWorkersMb: 500,
  postgresMb: 200,
  otherMb: 200,
} as const;

/** MB left for Redis on the plan's host once the OS, the two app workers, PostgreSQL and "other" are served. */
export const REDIS_ROOM_MB =
  HOST_BUDGET.hostMb - HOST_BUDGET.systemMb - HOST_BUDGET.appWorkersMb - HOST_BUDGET.postgresMb - HOST_BUDGET.otherMb;

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 ** 2,
  mb: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1024 ** 3,
};

/** Parses a Redis memory value (`200mb`, `1gb`, `500m`, `209715200`) to bytes, as redis-server does. */
export function parseMemory(value: string): number | undefined {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(value);
  if (!match) return undefined;
  const unit = UNITS[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  return Number(match[1]) * unit;
}

export function formatMb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

export interface BudgetInput {
  /** The --maxmemory value as given. */
  maxmemory: string;
  /** Whether RDB snapshots are on (a save forks: copy-on-write can need up to 2× the used memory). */
  persistence: boolean;
  /** Physical RAM of the target host in bytes (or its memory cgroup's limit when lower: a container). */
  totalRamBytes: number;
  /** Where totalRamBytes comes from, for the message. @default 'MemTotal' */
  ramSource?: string;
}

/**
 * MB the plan's host needs for a Redis of `maxmemoryBytes`: the other residents (OS, two app workers, PostgreSQL) plus
 * Redis, plus as much again with snapshots on (a save's fork can copy every page it shares).
 */
export function planNeedsMb(maxmemoryBytes: number, persistence: boolean): number {
  const redisMb = Math.ceil(maxmemoryBytes / MB);
  return HOST_BUDGET.systemMb + HOST_BUDGET.appWorkersMb + HOST_BUDGET.postgresMb + redisMb * (persistence ? 2 : 1);
}

/**
 * Refuses a maxmemory that breaks the plan's budget or exceeds half of the host's RAM, explaining why; returns the
 * value in bytes.
 */
export function checkMaxmemory(input: BudgetInput): number {
  const bytes = parseMemory(input.maxmemory);
  if (bytes === undefined) {
    throw new ProvisionError(
      'E_USAGE',
      `--maxmemory ${input.maxmemory}: not a memory size (use e.g. 200mb, 256mb, 1gb)`,
    );
  }
  if (bytes === 0) {
    throw new ProvisionError(
      'E_BUDGET',
      '--maxmemory 0 means "no limit": on the plan\'s 2 GB host Redis would grow into the memory of the app ' +
        'workers and PostgreSQL; give a limit such as 200mb',
    );
  }
  if (bytes < MB) {
    throw new ProvisionError('E_BUDGET', `--maxmemory ${input.maxmemory} is below 1 MB: the cache could hold nothing`);
  }
  const factor = input.persistence ? 2 : 1;
  const capMb = Math.floor(REDIS_ROOM_MB / factor);
  const reasons: string[] = [];
  if (bytes > capMb * MB) {
    reasons.push(
      `the plan's ${HOST_BUDGET.hostMb} MB host reserves ${HOST_BUDGET.systemMb} MB for the OS, ` +
        `${HOST_BUDGET.appWorkersMb} MB for two app workers, ${HOST_BUDGET.postgresMb} MB for PostgreSQL and ` +
        `${HOST_BUDGET.otherMb} MB for other processes, leaving ${REDIS_ROOM_MB} MB for Redis` +
        (input.persistence
          ? `; a snapshot's fork can need up to 2× the used memory (copy-on-write), so maxmemory may be at most ${capMb}mb (or ${REDIS_ROOM_MB}mb with --no-persistence)`
          : `, so maxmemory may be at most ${capMb}mb`),
    );
  }
  const halfRam = Math.floor(input.totalRamBytes / 2);
  const ram = `${formatMb(input.totalRamBytes)}${input.ramSource ? `, ${input.ramSource}` : ''}`;
  if (bytes > halfRam) reasons.push(`it is more than half of this host's RAM (${ram})`);
  const needMb = planNeedsMb(bytes, input.persistence);
  if (input.totalRamBytes < needMb * MB) {
    const redisMb = Math.ceil(bytes / MB);
    reasons.push(
      `this host is too small for the plan: it has ${ram} and needs ${needMb} MB — OS ${HOST_BUDGET.systemMb} + two app ` +
        `workers ${HOST_BUDGET.appWorkersMb} + PostgreSQL ${HOST_BUDGET.postgresMb} + Redis ${redisMb}` +
        (input.persistence ? ` + ${redisMb} for a snapshot's copy-on-write` : ''),
    );
  }
  if (reasons.length > 0) {
    throw new ProvisionError('E_BUDGET', `--maxmemory ${input.maxmemory} refused: ${reasons.join('; and ')}`);
  }
  return bytes;
}

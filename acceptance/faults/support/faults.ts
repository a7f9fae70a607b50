/** How each fault row injects its fault (see ../index.ts for the list the gate shows). */
import { FAULTS } from '../index.ts';
import type { FaultContext, FaultDefinition } from './fault-run.ts';

const title = (id: string): string => FAULTS.find((f) => f.id === id)?.title ?? id;

async function workerPid(url: string): Promise<number> {
  const health = (await (await fetch(`${url}/health`)).json()) as { pid: number };
  return health.pid;
}

const INJECT: Record<string, (ctx: FaultContext) => Promise<void>> = {
  // A snapshot of the warm cache, writes after it (their invalidations confirmed), a crash, a restart that loads
  // the snapshot: the entries those writes invalidated come back.
  F1: async ({ stack, admin, workload, sleep }) => {
    await admin.save();
    await workload.pause();
    await workload.writeEveryUserVia(0); // acknowledged after the snapshot, invalidation confirmed
    workload.resume();
    await sleep(1_000);
    await stack.redis!.kill();
    await stack.redis!.restart();
  },
  F2: async ({ stack, workload, sleep }) => {
    const pid = stack.redis!.pid()!;
    process.kill(pid, 'SIGSTOP');
    try {
      await sleep(1_000);
      await workload.pause();
      await workload.writeEveryUserVia(0); // their invalidation can only be pending in worker 1
      workload.resume();
      await sleep(9_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  },
  F3: async ({ admin }) => {
    await admin.flushall();
  },
  // maxmemory just above what is used, then 3 s of filler writes outside the namespace: allkeys-lru evicts
  // entries, leases and whatever else it picks.
  F4: async ({ admin, sleep }) => {
    const before = await admin.config('GET', 'maxmemory');
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? 0);
    await admin.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
    const filler = 'x'.repeat(64 * 1024);
    const until = Date.now() + 3_000;
    let i = 0;
    try {
      while (Date.now() < until) {
        await admin.set(`fault-filler:${i++ % 2_000}`, filler).catch(() => {});
        if (i % 20 === 0) await sleep(5);
      }
    } finally {
      await admin.config('SET', 'maxmemory', (before as string[])[1] ?? '0');
      const names = Array.from({ length: Math.min(i, 2_000) }, (_, n) => `fault-filler:${n}`);
      if (names.length > 0) await admin.unlink(...names);
    }
    const evicted = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1] ?? 0);
    if (evicted === 0) throw new Error('F4 injected no eviction (maxmemory pressure too weak)');
  },
  F5: async ({ stack }) => {
    await stack.postgres!.restart(1_500);
  },
  F6: async ({ proxy, workload, sleep }) => {
    proxy!.partition();
    try {
      await sleep(500);
      await workload.pause();
      await workload.writeEveryUserVia(0);
      workload.resume();
      await sleep(2_500);
    } finally {
      proxy!.heal();
    }
  },
  // Redis down (after a snapshot of the warm cache), writes whose invalidation cannot be confirmed, the worker that
  // holds them killed, Redis back from its snapshot.
  F7: async ({ stack, service, admin, workload, sleep }) => {
    await admin.save();
    await workload.pause();
    await stack.redis!.kill();
    await workload.writeEveryUserVia(0); // invalidations pending only in worker 1's memory
    workload.resume();
    await sleep(1_000);
    const pid = await workerPid(service.workerUrls[0]!);
    process.kill(pid, 'SIGKILL');
    await sleep(300);
    await stack.redis!.restart();
  },
};

/**
 * Rows whose fault the design before the invalidator survives on its own (F3 FLUSHALL, F4 eviction, F5 PostgreSQL
 * restart: an emptied cache is consistent, leases refuse late fills) or survived in every run here (F2 stall, F6
 * partition: the writer's in-memory replay beat the other worker's reads; the issue saw D3 in 3 of 5 trials) or in
 * most runs (F7: the workload's next write for each user healed the restored entries first; its control caught
 * 0–1 stale entries, so it could not be relied on to fail): their control adds
 * FastNPC's forgotten invalidation, so it shows the row's checks catch a stale entry under that fault.
 */
const FORGOTTEN_IN_CONTROL = new Set(['F2', 'F3', 'F4', 'F5', 'F6', 'F7']);

export function faultDefinition(id: string): FaultDefinition {
  const inject = INJECT[id];
  if (!inject) throw new Error(`no fault ${id}`);
  return {
    id,
    title: title(id),
    inject,
    ...(id === 'F6' ? { viaProxy: true } : {}),
    ...(FORGOTTEN_IN_CONTROL.has(id) ? { controlEnv: { FASTNPC_TEST_SKIP_INVALIDATION: 'settings_update' } } : {}),
  };
}

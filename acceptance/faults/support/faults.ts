/** How each fault row injects its fault (see ../index.ts for the list the gate shows). */
import pg from 'pg';
import { setting } from '../../config.ts';
import { FAULTS } from '../index.ts';
import type { FaultContext, FaultDefinition } from './fault-run.ts';

const title = (id: string): string => FAULTS.find((f) => f.id === id)?.title ?? id;

/**
 * Waits until the worker at `url` uses Redis again (its breaker closed) — not whether it trusts it: the fence is
 * what the guarded run adds. Throws after `timeoutMs`.
 */
async function untilBreakerClosed(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.text())
      .catch(() => '');
    if (/^fastnpc_cache_breaker_open\{[^}]*\} 0$/m.test(text)) return;
    if (Date.now() > deadline) throw new Error(`the breaker of ${url} did not close within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads every user's settings through worker 2 a few times over `ms` (stale reads are recorded by the workload). */
async function readAcross(ctx: FaultContext, ms: number, every = 250): Promise<void> {
  const until = Date.now() + ms;
  do {
    await ctx.workload.readEveryUserVia(1);
    await ctx.sleep(every);
  } while (Date.now() < until);
}

const INJECT: Record<string, (ctx: FaultContext) => Promise<void>> = {
  // A snapshot of the warm cache (the workload parked, every entry cached through worker 2), one write per user
  // after it through worker 1 (its deletion confirmed), a crash, a restart that loads the snapshot: the entries
  // those writes deleted come back. The workload stays parked until worker 2 has read every user for 2 s (with it
  // running, writes during the restart left deletions pending that were replayed on reconnect: one run here caught
  // nothing).
  F1: async (ctx) => {
    const { control, workerUrls, admin, workload, sleep } = ctx;
    await workload.pause();
    await workload.readEveryUserVia(1);
    await admin.save();
    await workload.writeEveryUserVia(0); // acknowledged after the snapshot, invalidation confirmed
    await sleep(1_000);
    await control.redisKill();
    await control.redisStart();
    ctx.redisBack();
    await untilBreakerClosed(workerUrls[1]);
    await readAcross(ctx, 2_000);
  },
  // Redis stopped 10 s. The workload is parked first and every user's entry cached through worker 2 (a round that
  // wrote through worker 2 last leaves it deleted, and worker 2's own pending deletions are replayed by worker 2).
  // During the stall, a read per user through worker 1 (its connection times out and is reset, so no DEL of the
  // next step sits in a socket buffer to land at SIGCONT), then one write per user through worker 1: its deletion
  // can only be pending in worker 1's memory (D3). Worker 1 is starved (SIGSTOP) for the moment Redis comes back
  // — a busy or paused process, which the plain fault leaves to chance (which worker's breaker probe comes first)
  // — and worker 2 reads every user as soon as it uses Redis again: without the invalidator and fence it serves
  // the old values.
  F2: async (ctx) => {
    const { control, workerUrls, workload, sleep } = ctx;
    await workload.pause();
    await workload.readEveryUserVia(1);
    await control.redisStop();
    let writerStopped = false;
    try {
      try {
        await workload.readEveryUserVia(0);
        await workload.writeEveryUserVia(0);
        await sleep(9_000);
        await control.worker1Stop();
        writerStopped = true;
      } finally {
        await control.redisCont();
        ctx.redisBack();
      }
      await untilBreakerClosed(workerUrls[1]);
      await readAcross(ctx, 2_000);
    } finally {
      if (writerStopped) await control.worker1Cont();
    }
  },
  F3: async ({ admin, redisBack }) => {
    await admin.flushall();
    redisBack();
  },
  // maxmemory just above what is used, then 3 s of filler writes outside the namespace: allkeys-lru evicts
  // entries, leases and whatever else it picks.
  F4: async ({ admin, sleep, redisBack }) => {
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
      redisBack();
    }
    const evicted = Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))?.[1] ?? 0);
    if (evicted === 0) throw new Error('F4 injected no eviction (maxmemory pressure too weak)');
  },
  // PostgreSQL restarted while commits are in flight: a synchronous standby that never comes holds every COMMIT
  // after its WAL record is written (the stack runs synchronous_commit=off, so the database is switched to `on` and
  // the service's connections are closed — its pool reconnects with it); the fast shutdown then cuts the
  // connections: the writes answer 503 (no invalidation: the service cannot tell a commit from a rollback) although
  // PostgreSQL recovers them as committed. The old entries stay in Redis (settings have no TTL) unless something
  // reads the commit log.
  F5: async ({ control, databaseUrl, workload, sleep, redisBack }) => {
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    let writes: Promise<number> | undefined;
    const name = (await db.query<{ name: string }>('SELECT quote_ident(current_database()) AS name')).rows[0]!.name;
    try {
      await db.query('SET synchronous_commit = off'); // this session never waits for the standby
      await db.query(`ALTER DATABASE ${name} SET synchronous_commit = on`);
      await db.query("ALTER SYSTEM SET synchronous_standby_names = 'fault_f5_no_such_standby'");
      await db.query('SELECT pg_reload_conf()');
      await workload.pause();
      await db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      await sleep(300);
      writes = workload.writeEveryUserVia(0, { concurrent: true });
      await sleep(1_500); // every COMMIT waiting for the standby
    } finally {
      // read at the restart (and by every new connection)
      await db.query(`ALTER DATABASE ${name} RESET synchronous_commit`).catch(() => {});
      await db.query('ALTER SYSTEM RESET synchronous_standby_names').catch(() => {});
      await db.end().catch(() => {});
    }
    await control.postgresRestart();
    redisBack(); // Redis never stopped: the clock starts when PostgreSQL is back
    const acknowledged = await writes;
    if (acknowledged > 0) throw new Error(`F5: ${acknowledged} writes were acknowledged while COMMIT had to wait`);
  },
  // Worker 1 cut off from Redis while worker 2 and the invalidator still reach it (local target: worker 1's link
  // down in Redis's network namespace): worker 1's writes cannot delete what worker 2 keeps serving.
  F6: async (ctx) => {
    const { control, workload, sleep } = ctx;
    await control.partition();
    try {
      await sleep(1_500); // worker 1's connection times out, its breaker opens
      await workload.pause();
      // every user's entry cached now (a round that wrote through worker 2 last left it deleted): a write through
      // worker 1 then has something to leave stale
      await workload.readEveryUserVia(1);
      await workload.writeEveryUserVia(0);
      await readAcross(ctx, 2_500);
    } finally {
      await control.heal();
      ctx.redisBack();
    }
  },
  // Redis killed (after a snapshot of the warm cache), one write per user through worker 1 — its invalidation can
  // only be pending in worker 1's memory, and a killed Redis has no socket buffer a DEL could land from later —,
  // worker 1 killed, Redis restarted from the snapshot that still holds the old entries. The workload stays parked
  // (no later write repairs an entry) until worker 2 has read every user once Redis is back.
  F7: async (ctx) => {
    const { control, workerUrls, admin, workload, sleep } = ctx;
    await admin.save();
    await workload.pause();
    await control.redisKill();
    await workload.writeEveryUserVia(0);
    await sleep(1_000);
    await control.worker1Kill();
    await sleep(300);
    await control.redisStart();
    ctx.redisBack();
    await untilBreakerClosed(workerUrls[1]);
    await readAcross(ctx, 2_000);
  },
};

/**
 * Rows whose fault the design before the invalidator survives on its own — F3 FLUSHALL and F4 eviction: they only
 * remove entries and leases, an emptied cache is consistent, and a fill whose lease was flushed or evicted is
 * refused (docs/invalidation.md, "Fault rows") —: their control adds FastNPC's forgotten invalidation, so it shows
 * the row's checks catch a stale entry under that fault. Every other row's control is the switch alone.
 */
const FORGOTTEN_IN_CONTROL = new Set(['F3', 'F4']);
export function faultDefinition(id: string): FaultDefinition {
  const inject = INJECT[id];
  if (!inject) throw new Error(`no fault ${id}`);
  return {
    id,
    title: title(id),
    inject,
    ...(id === 'F6' ? { partitionedRedis: true } : {}),
    // FAULT_CONTROL_SWITCH_ONLY=1 runs F3/F4's control with the switch alone too: the evidence that today's design
    // survives them (that control then reads 0 and its test fails)
    ...(FORGOTTEN_IN_CONTROL.has(id) && !setting('FAULT_CONTROL_SWITCH_ONLY')
      ? { controlEnv: { FASTNPC_TEST_SKIP_INVALIDATION: 'settings_update' } }
      : {}),
  };
}

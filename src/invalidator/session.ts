import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import type { RedisClient } from '../redis/connect.ts';
import { createApplier } from './applier.ts';
import { createDecoder } from './decoder.ts';
import { SessionLost } from './errors.ts';
import { formatLsn } from './lsn.ts';
import {
  DEFAULT_INVALIDATOR_OPTIONS,
  type InvalidatorStatus,
  type ResolvedInvalidatorOptions,
  TICK_PREFIX,
} from './options.ts';
import { reconcile } from './reconcile.ts';
import type { ReplicationWatch } from './replicated.ts';

/** What a session shares with the process running it (one Redis connection, one pool, the status). */
export interface SessionContext {
  options: ResolvedInvalidatorOptions;
  pool: pg.Pool;
  redis: RedisClient;
  /** The consistency marker's key. */
  marker: string;
  status: InvalidatorStatus;
  replication: ReplicationWatch | undefined;
  slotReady: { value: boolean };
  /** Bumped whenever the Redis connection closed (the Redis behind it may be another one now). */
  generation: () => number;
  stopped: () => boolean;
  /** The running session's abort (the process calls it on a lost connection or stop()). */
  setAbort: (abort: ((reason: Error) => void) | undefined) => void;
}

/** Waits until every promise settled, or `ms` passed. */
async function settle(work: (Promise<unknown> | undefined)[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const pending = work.filter((w): w is Promise<unknown> => w !== undefined);
  if (pending.length === 0) return;
  await Promise.race([
    Promise.allSettled(pending),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * One session: slot and marker reconciled (reconcile.ts), then the stream from the position this Redis holds,
 * decoded (decoder.ts), applied in batches and acknowledged once persisted (applier.ts), with ticks that tell the
 * workers how far it got. Returns never; it rejects when the session ends (SessionLost: a fault of Redis or
 * PostgreSQL, the connection changed, PostgreSQL shutting down), after its work in flight settled.
 */
export async function runSession(ctx: SessionContext): Promise<void> {
  const { options, pool, redis, marker, status } = ctx;
  const gen = ctx.generation();
  const guard = (): void => {
    if (gen !== ctx.generation() || ctx.stopped()) throw new SessionLost('Redis connection changed');
  };
  const sessionId = randomUUID();
  const start = await reconcile({ ...ctx, sessionId, guard });
  status.sessions += 1;

  const stream = new LogicalReplicationService(
    { connectionString: options.databaseUrl },
    { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
  );
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [options.publication], messages: true });
  let failed: Error | undefined;
  let abort: ((reason: Error) => void) | undefined;
  /** Ends the session (once): the first error wins; nothing is thrown back into the stream's emitter. */
  const fail = (error: unknown): void => {
    failed ??= error instanceof Error ? error : new Error(String(error));
    abort?.(failed);
  };
  const decoder = createDecoder({
    profile: options.profile,
    pool,
    sessionId,
    redisLsn: start.redisLsn,
    onSkip: () => {
      status.transactionsSkipped += 1;
    },
  });
  const applier = createApplier({
    options,
    redis,
    marker,
    sessionId,
    status,
    replication: ctx.replication,
    stream,
    acknowledged: start.slotLsn,
    guard,
    fail,
    failed: () => failed !== undefined,
  });
  stream.on('data', async (_lsn: string, msg: Pgoutput.Message) => {
    if (failed) return;
    try {
      const decoded = await decoder.decode(msg);
      if (decoded) await applier.enqueue(decoded);
    } catch (error) {
      fail(error);
    }
  });

  let lastTickAt = 0;
  const tick = async (): Promise<void> => {
    guard();
    // a tick costs a statement in PostgreSQL: only when a fenced worker waits for one (`tick_wanted`), or every
    // `idleTickMs` to show the workers the invalidator is alive
    const wanted = Number(await redis.hdel(marker, 'tick_wanted')) > 0;
    if (!wanted && Date.now() - lastTickAt < options.idleTickMs) return;
    lastTickAt = Date.now();
    // issued in Redis before it enters the WAL: a worker that read `tick_seq` = n earlier knows that tick n + 1
    // coming back means every commit made before its reading has been applied
    const seq = await redis.hincrby(marker, 'tick_seq', 1);
    await pool.query('SELECT pg_logical_emit_message(false, $1, $2)', [TICK_PREFIX, `${sessionId}:${seq}`]);
  };

  /** Ticks and acknowledgements in flight: a failure ends the session; the teardown waits for them. */
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>): Promise<void> => {
    const settled = work.catch(fail);
    inFlight.add(settled);
    void settled.finally(() => inFlight.delete(settled));
    return settled;
  };
  const aborted = new Promise<never>((_, reject) => {
    abort = reject;
    ctx.setAbort(reject);
    stream.on('error', (error: Error) => reject(error));
    stream.on('heartbeat', (_lsn: string, _t: number, shouldRespond: boolean) => {
      if (!shouldRespond) return;
      // PostgreSQL asks for a reply only when it waits for one: a walsender stopping with the server (fast or
      // smart shutdown) exits only once its consumer confirmed everything it sent — which this invalidator never
      // does before Redis persisted it — or closed the stream. (The other case, no status for wal_sender_timeout/2,
      // cannot happen while the acknowledgement runs every second.) Acknowledge what is persisted and let go at
      // once: the slot keeps the rest for the next session, and the restart is not held up to the next failing
      // tick (up to idleTickMs: the 0.34–2.07 s restarts of issue 22).
      void track(applier.acknowledge()).then(() =>
        fail(new SessionLost('PostgreSQL asked for a final reply (shutting down)')),
      );
    });
  });
  aborted.catch(() => {});
  let ticking = false;
  const ticker = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void track(tick()).finally(() => {
      ticking = false;
    });
  }, options.tickMs);
  const acker = setInterval(() => void track(applier.acknowledge()), options.acknowledgeMs);
  try {
    // Streamed from the position this Redis holds, not from the slot's (which waits for Redis to persist, so it
    // may be minutes behind): PostgreSQL skips, without sending them, the transactions whose commit starts
    // before it — all of them already applied here. The slot still holds the WAL from its own position.
    // biome-ignore lint/complexity/useMathMinMax: bigints (Math.max takes numbers)
    const from = start.redisLsn > start.slotLsn ? start.redisLsn : start.slotLsn;
    const subscribed = stream.subscribe(plugin, options.slot, formatLsn(from));
    await Promise.race([subscribed.then(() => Promise.reject(new SessionLost('replication ended'))), aborted]);
  } finally {
    ctx.setAbort(undefined);
    abort = undefined;
    clearInterval(ticker);
    clearInterval(acker);
    failed ??= new SessionLost('session over');
    // nothing of this session outlives it: the apply in flight (its Redis command rejects on its own time-out,
    // or at once on a closed connection), the tick and the acknowledgement settle before the stream is torn down
    await settle([applier.applying, ...inFlight], DEFAULT_INVALIDATOR_OPTIONS.settleMs);
    await stream.destroy().catch(() => {});
    // a late 'error' of the torn-down stream must not become an unhandled one (it ended the process before)
    stream.on('error', () => {});
  }
}

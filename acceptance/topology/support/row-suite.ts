/**
 * The three tests of one topology row: guarded (invalidator + fence on: 0 stale reads, every cached entry equal to
 * PostgreSQL, no 5xx, the cache back in use) and its two controls, each of which must show stale reads or entries
 * — the acknowledged invalidations replication lost: invalidator and fence off (the plan's design), and both on
 * with the invalidator's replay off (a new session resumes from the live stream: proves the replay is what holds).
 * Only the local target on the row's topology runs them; anywhere else the row reads SKIP "not applicable" with the
 * reason.
 */
import { describe, expect, test } from 'vitest';
import { setting } from '../../config.ts';
import { recordConsistency, recordControlCaught } from '../../faults/support/consistency.ts';
import { recorder } from '../../support/record.ts';
import { target } from '../../support/target.ts';
import { TOPOLOGY_ROWS } from '../index.ts';
import type { FailoverMode } from './failover-environment.ts';
import { type FailoverFigures, formatFailover, runFailover } from './failover-run.ts';

/** The controls, each of which must show the lost invalidations (stale reads or mismatching entries > 0). */
const CONTROLS: ReadonlyArray<{ mode: FailoverMode; label: string }> = [
  { mode: 'control', label: 'invalidator and fence off' },
  { mode: 'replay-off', label: "invalidator and fence on, the invalidator's replay off" },
];

/** Topology + PostgreSQL + service start (slow on a loaded 2-core machine), the failover, 20 s of watching. */
const ROW_TIMEOUT_MS = 420_000;

export function topologyRowSuite(id: string): void {
  const row = TOPOLOGY_ROWS.find((r) => r.id === id);
  if (!row) throw new Error(`no topology row ${id}`);
  const kind = row.topology as 'sentinel' | 'cluster';
  const rec = recorder(id);
  /** Why the row does not apply here, or undefined when it runs. */
  const notApplicable = (): string | undefined => {
    const info = target();
    const running = info.redisTopology?.kind ?? 'single';
    if (info.kind !== 'local') return `not applicable: ${id} starts its own ${kind} topology on the local target only`;
    if (running !== kind) return `not applicable on topology ${running}: run npm start -- --topology ${kind}`;
    return undefined;
  };

  describe(`${id} ${row.title}`, () => {
    test(
      'invalidator + fence on: 0 stale reads, 0 mismatching entries, no 5xx, the cache back in use',
      async (ctx) => {
        const reason = notApplicable();
        if (reason) {
          rec.note(reason);
          ctx.skip();
          return;
        }
        const f = await runFailover(kind, 'guarded');
        console.log(`[topology-table] ${formatFailover(f)}`);
        const ok = [
          ...recordConsistency(rec, f),
          rec.figure('5xx responses', f.errors5xx, 'responses', '= 0', f.errors5xx === 0),
          rec.figure(
            'cache back in use (kill → every user served through it)',
            f.cacheBackMs < 0 ? 'never' : f.cacheBackMs,
            f.cacheBackMs < 0 ? '' : 'ms',
            'back before the run ends',
            f.cacheBackMs >= 0,
          ),
        ];
        rec.headline('stale reads');
        figures(rec, f);
        expect(ok, formatFailover(f)).toEqual([true, true, true, true]);
      },
      ROW_TIMEOUT_MS,
    );

    for (const control of CONTROLS) {
      test(
        `control: the same failover with ${control.label} serves lost invalidations`,
        async (ctx) => {
          if (notApplicable()) {
            ctx.skip();
            return;
          }
          const f = await runFailover(kind, control.mode);
          console.log(`[topology-table] ${formatFailover(f)}`);
          rec.note(`control, ${control.label}: ${formatFailover(f)}`);
          expect(recordControlCaught(rec, control.label, f), formatFailover(f)).toBe(true);
        },
        ROW_TIMEOUT_MS,
      );
    }

    // A measurement, not a check (TOPOLOGY_ROW_REPLICA_WAIT_OFF=1): the invalidator on but acknowledging WAL without
    // waiting for the replicas — a promoted replica behind the slot is then emptied (safe, cold) rather than replayed.
    if (setting('TOPOLOGY_ROW_REPLICA_WAIT_OFF')) {
      test(
        'measured: invalidator + fence on, replica wait off (FASTNPC_INVALIDATOR_WAIT_FOR_REPLICAS=off)',
        async (ctx) => {
          if (notApplicable()) {
            ctx.skip();
            return;
          }
          const f = await runFailover(kind, 'replica-wait-off');
          console.log(`[topology-table] ${formatFailover(f)}`);
          rec.note(`replica wait off: ${formatFailover(f)}`);
        },
        ROW_TIMEOUT_MS,
      );
    }
  });
}

function figures(rec: ReturnType<typeof recorder>, f: FailoverFigures): void {
  rec.figure('failover (kill → another node primary)', Math.round(f.failoverMs / 100) / 10, 's', '', null);
  rec.figure(
    'writes succeed again (kill → first chat message answered 200)',
    Math.round(f.writesBackMs / 100) / 10,
    's',
    '',
    null,
  );
  rec.figure('chat messages failed before that', f.failedWrites, '', '', null);
  rec.figure('requests from the kill on', f.requests, '', '', null);
  rec.figure('requests without an answer', f.unanswered, '', '', null);
  rec.figure('chat messages from the kill on (failed)', `${f.chatMessages} (${f.chatFailed})`, '', '', null);
  rec.figure('cached entries compared', f.entries.compared, 'entries', '', null);
}

/**
 * The provisioning audit (auditRedis) against a target's live Redis: step 1 of the gate and part of criterion 01.
 * Lives on the acceptance side (the gate imports it, never the reverse).
 */
import pg from 'pg';
import { slotWalLimit } from '../src/invalidator/slot.ts';

/** The audit as one row: pass when every check holds; the drift as the detail. */
export interface AuditOutcome {
  status: 'pass' | 'fail';
  /** e.g. "14/14 checks" */
  figure: string;
  detail: string;
}

export interface AuditCheck {
  setting: string;
  expected: unknown;
  actual: unknown;
  ok: boolean;
  note?: string;
}
export interface AuditReport {
  ok: boolean;
  target?: string;
  checks: AuditCheck[];
}
type AuditRedis = (options: {
  redisUrl: string;
  password?: string;
  expected?: { bind?: string; protectedMode?: 'yes' | 'no'; loopbackOnly?: boolean };
}) => Promise<AuditReport>;

/** Loads provisioning's auditRedis (another part of this repository) lazily, so a missing part is a clear message. */
export async function loadAuditRedis(): Promise<AuditRedis> {
  const path = '../provisioning/lib/audit.ts';
  const mod = (await import(path)) as { auditRedis?: AuditRedis };
  if (typeof mod.auditRedis !== 'function') throw new Error('provisioning/lib/audit.ts does not export auditRedis');
  return mod.auditRedis;
}

export function auditOutcome(report: AuditReport): AuditOutcome {
  const passed = report.checks.filter((c) => c.ok).length;
  const drift = report.checks.filter((c) => !c.ok);
  return {
    status: report.ok && drift.length === 0 ? 'pass' : 'fail',
    figure: `${passed}/${report.checks.length} checks`,
    detail: drift
      .map((c) => `${c.setting}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`)
      .join('; '),
  };
}

export async function runAudit(
  redisUrl: string,
  password: string | undefined,
  expected?: { bind?: string; protectedMode?: 'yes' | 'no'; loopbackOnly?: boolean },
): Promise<AuditOutcome & { report?: AuditReport }> {
  let auditRedis: AuditRedis;
  try {
    auditRedis = await loadAuditRedis();
  } catch (error) {
    return { status: 'fail', figure: '—', detail: `audit unavailable: ${(error as Error).message.split('\n')[0]}` };
  }
  try {
    const report = await auditRedis({ redisUrl, password, expected });
    return { ...auditOutcome(report), report };
  } catch (error) {
    return { status: 'fail', figure: '—', detail: `audit failed to run: ${(error as Error).message.split('\n')[0]}` };
  }
}

/**
 * The commit-log invalidator's slot cannot take the target's database down (issue 22 item 7): with
 * `max_slot_wal_keep_size = -1` (PostgreSQL's default) a slot whose consumer stopped keeps WAL until the disk is full,
 * so an unlimited setting is a finding (the invalidator itself refuses to start there without a waiver). An
 * unreachable database is reported, not judged.
 */
export async function slotWalCheck(databaseUrl: string | undefined): Promise<AuditCheck> {
  const setting = 'postgres max_slot_wal_keep_size';
  const expected = 'a cap (e.g. 1GB)';
  if (!databaseUrl) return { setting, expected, actual: 'not checked (no DATABASE_URL)', ok: true };
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const limit = await slotWalLimit(client);
    return limit.bytes !== null
      ? { setting, expected, actual: limit.setting, ok: true }
      : {
          setting,
          expected,
          actual: limit.setting,
          ok: false,
          note: "a stopped invalidator's replication slot would keep WAL until the disk is full (docs/invalidation.md)",
        };
  } catch (error) {
    return {
      setting,
      expected,
      actual: `not checked (${(error as Error).message.split('\n')[0]})`,
      ok: true,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The audit with one more check (the slot's WAL risk on an external target) folded into its outcome. */
export function withCheck(
  outcome: AuditOutcome & { report?: AuditReport },
  check: AuditCheck,
): AuditOutcome & { report?: AuditReport } {
  if (!outcome.report) {
    // the Redis audit itself did not run: keep its failure, add the finding to the detail
    if (check.ok) return outcome;
    const finding = `${check.setting}: expected ${JSON.stringify(check.expected)}, got ${JSON.stringify(check.actual)}`;
    return { ...outcome, detail: `${outcome.detail}; ${finding}` };
  }
  const report: AuditReport = {
    ...outcome.report,
    ok: outcome.report.ok && check.ok,
    checks: [...outcome.report.checks, check],
  };
  return { ...auditOutcome(report), report };
}

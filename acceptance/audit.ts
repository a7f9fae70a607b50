/**
 * The provisioning audit (auditRedis) against a target's live Redis: step 1 of the gate and part of criterion 01.
 * Lives on the acceptance side (the gate imports it, never the reverse).
 */

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

/** The audit's stable import path for the deploy gate (src/gate) and docs: the code lives in checks/audit.ts. */
export {
  type AuditExpected,
  type AuditOptions,
  type AuditReport,
  auditRedis,
  expectedFromConfig,
} from './checks/audit.ts';
export type { Check } from './checks/verify.ts';

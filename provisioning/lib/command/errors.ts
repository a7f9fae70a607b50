import { provisionSetting } from './variables.ts';
/** Exit codes of the provisioning commands: the project's one convention (docs/exit-codes.md). */
export const EXIT = {
  /** Done, or `--check` found nothing to change, or the audit found no drift. */
  OK: 0,
  /** A step failed (candidate rejected, verification failed, unsupported host, no backup). */
  FAILED: 1,
  /** The host is not what the repository says: `--check` would change something, or the audit found drift. */
  DRIFT: 1,
  /** Bad input: unknown option, invalid value, a value the plan's budget refuses. Nothing ran. */
  USAGE: 2,
  /** The host (SSH) or the server (audit) cannot be reached. */
  UNREACHABLE: 3,
} as const;

/**
 * Only between `runOnEachHost` and its child processes (never a command's own exit code): a child's `--check` that
 * found changes exits with this instead of DRIFT, so the fleet can tell "changes to apply" from "failed" (both 1).
 */
export const FLEET_CHILD_CHANGES = 10;
export const FLEET_CHILD_ENV = 'FASTNPC_PROVISION_FLEET_CHILD' as const;

/** The exit code of a run whose `--check` found changes: DRIFT, or FLEET_CHILD_CHANGES inside a fleet. */
export function changesExit(): number {
  return provisionSetting(FLEET_CHILD_ENV) ? FLEET_CHILD_CHANGES : EXIT.DRIFT;
}

export type ProvisionErrorCode =
  | 'E_USAGE'
  | 'E_BUDGET'
  | 'E_SECRET'
  | 'E_NO_AUTH'
  | 'E_UNSUPPORTED_HOST'
  | 'E_UNREACHABLE'
  | 'E_CANDIDATE_REJECTED'
  | 'E_STEP_FAILED'
  | 'E_VERIFY_FAILED'
  | 'E_NO_BACKUP';

const EXIT_BY_CODE: Record<ProvisionErrorCode, number> = {
  E_USAGE: EXIT.USAGE,
  E_BUDGET: EXIT.USAGE,
  E_SECRET: EXIT.USAGE,
  E_NO_AUTH: EXIT.USAGE,
  E_UNSUPPORTED_HOST: EXIT.FAILED,
  E_UNREACHABLE: EXIT.UNREACHABLE,
  E_CANDIDATE_REJECTED: EXIT.FAILED,
  E_STEP_FAILED: EXIT.FAILED,
  E_VERIFY_FAILED: EXIT.FAILED,
  E_NO_BACKUP: EXIT.FAILED,
};

/** Thrown for every expected failure: the CLI prints `message` as one red line and exits with `exitCode`. */
export class ProvisionError extends Error {
  readonly code: ProvisionErrorCode;
  readonly exitCode: number;
  constructor(code: ProvisionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProvisionError';
    this.code = code;
    this.exitCode = EXIT_BY_CODE[code];
  }
}

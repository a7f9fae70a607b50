/** Exit codes of the provisioning commands (sysexits.h where one fits). */
export const EXIT = {
  /** Done, or `--check` found nothing to change, or the audit found no drift. */
  OK: 0,
  /** A step failed (candidate rejected, verification failed, drift found by the audit). */
  FAILED: 1,
  /** `--check`: something would change. */
  CHANGES: 2,
  /** Bad input: unknown option, invalid value, a value the plan's budget refuses. */
  USAGE: 64,
  /** The host is not one we provision (OS / version), or it cannot be reached. */
  UNSUPPORTED: 69,
} as const;

export type ProvisionErrorCode =
  | 'E_USAGE'
  | 'E_BUDGET'
  | 'E_SECRET'
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
  E_UNSUPPORTED_HOST: EXIT.UNSUPPORTED,
  E_UNREACHABLE: EXIT.UNSUPPORTED,
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

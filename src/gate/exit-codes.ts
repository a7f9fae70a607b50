/**
 * The exit codes of every command of this repository (gate, load, serve, seed — and provisioning's CLIs follow the
 * same meanings), stated once in docs/exit-codes.md.
 */
export const EXIT = {
  /** Done: the gate passed, the load thresholds held, the command did what it was asked. */
  pass: 0,
  /** Ran and failed: a criterion or threshold failed, drift found, a step failed. */
  fail: 1,
  /** Usage error: unknown flag, missing or malformed setting. Nothing was run and no report was touched. */
  usage: 2,
  /** Something needed cannot be reached: the target's app, Redis or database, the container runtime, k6. */
  unreachable: 3,
  /**
   * Not judged: the gate's only non-PASS rows are timing rows whose calibration probe says the host was too busy to
   * judge their bound ("host too busy"). Nothing says the app failed: run it again (sysexits' EX_TEMPFAIL).
   */
  hostBusy: 75,
  /** Interrupted by SIGINT / SIGTERM / SIGHUP (128 + SIGINT, as shells report it); what was started is stopped. */
  interrupted: 130,
} as const;

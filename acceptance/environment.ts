/**
 * The one place the acceptance side touches the process's environment. The suites run under vitest — started by the
 * gate in its own process (it writes its flags into this environment first: src/gate/args.ts `applyToEnv`) or
 * directly — so they read the live environment when a row runs, never at import. What each variable means:
 * acceptance/config.ts (the registry; docs/configuration.md).
 */
export function acceptanceEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/**
 * The k6 scenarios under `load/`, one file each, the cache mode the local service runs with for each, and whether
 * the scenario gates on the hit rate (then the server-side hit rate is gated too when the target sends no X-Cache).
 */
export const SCENARIOS = {
  'chat-100-users': { cacheMode: 'on', script: 'load/chat-100-users.ts', gatesHitRate: true },
  'cached-reads': { cacheMode: 'on', script: 'load/cached-reads.ts', gatesHitRate: true },
  'two-worker-consistency': { cacheMode: 'on', script: 'load/two-worker-consistency.ts', gatesHitRate: false },
  'cache-off-baseline': { cacheMode: 'off', script: 'load/cache-off-baseline.ts', gatesHitRate: false },
} as const satisfies Record<string, { cacheMode: 'on' | 'off'; script: string; gatesHitRate: boolean }>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** Thrown when the command line names no scenario or one that does not exist. */
export class UnknownScenarioError extends Error {
  readonly code = 'E_UNKNOWN_SCENARIO';
  constructor(name: string | undefined) {
    super(
      name
        ? `unknown load scenario '${name}' — choose one of: ${SCENARIO_NAMES.join(', ')}`
        : `name a load scenario: npm run load -- <${SCENARIO_NAMES.join('|')}>`,
    );
    this.name = 'UnknownScenarioError';
  }
}

export function isScenarioName(name: string | undefined): name is ScenarioName {
  return name !== undefined && Object.hasOwn(SCENARIOS, name);
}

/** Validates a scenario name from the command line (exact match; no paths, no `.ts`). */
export function parseScenario(name: string | undefined): ScenarioName {
  if (!isScenarioName(name)) throw new UnknownScenarioError(name);
  return name;
}

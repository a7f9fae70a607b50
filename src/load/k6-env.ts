import type { ScenarioName } from './scenarios.ts';

/** Default password of the service's seeded users (test data only). */
export const DEFAULT_SEED_PASSWORD = 'seed-password';

/** Where a scenario's load goes. */
export interface LoadTarget {
  baseUrl: string;
  worker1Url: string;
  worker2Url: string;
}

export interface K6EnvOptions {
  scenario: ScenarioName;
  target: LoadTarget;
  /** Password of the seeded users; travels to k6 in the environment, never on its command line. */
  seedPassword: string;
  /** Directory for the JSON, JUnit and HTML reports (relative to k6's working directory). */
  reportDir: string;
  /** The environment the runner was started with (PROFILE, DURATION, RATES … pass through). */
  baseEnv: NodeJS.ProcessEnv;
}

/** The paths a scenario's reports land at (handleSummary writes json/junit, k6's web dashboard the html). */
export function reportPaths(scenario: ScenarioName, reportDir: string) {
  const stem = `${reportDir.replace(/\/+$/, '')}/load-${scenario}`;
  return { json: `${stem}.json`, junit: `${stem}.junit.xml`, html: `${stem}.html` };
}

/**
 * The environment k6 runs with. k6 hands the process environment to scripts as __ENV, so targets and the seed
 * password go there (argv is visible in the process list). The web dashboard runs without its HTTP port (-1, so k6
 * exits at the end in CI) and exports its HTML report next to the JSON one.
 */
export function k6Env(options: K6EnvOptions): NodeJS.ProcessEnv {
  const { scenario, target, baseEnv } = options;
  return {
    ...baseEnv,
    BASE_URL: target.baseUrl,
    WORKER1_URL: target.worker1Url,
    WORKER2_URL: target.worker2Url,
    SEED_PASSWORD: options.seedPassword,
    REPORT_DIR: options.reportDir,
    K6_WEB_DASHBOARD: baseEnv.K6_WEB_DASHBOARD ?? 'true',
    K6_WEB_DASHBOARD_PORT: baseEnv.K6_WEB_DASHBOARD_PORT ?? '-1',
    K6_WEB_DASHBOARD_EXPORT: reportPaths(scenario, options.reportDir).html,
    K6_NO_USAGE_REPORT: baseEnv.K6_NO_USAGE_REPORT ?? 'true',
  };
}

/** The target given by the caller (BASE_URL, optional WORKER1_URL / WORKER2_URL), or undefined to start one. */
export function givenTarget(env: NodeJS.ProcessEnv): LoadTarget | undefined {
  const baseUrl = env.BASE_URL?.trim();
  if (!baseUrl) return undefined;
  return {
    baseUrl,
    worker1Url: env.WORKER1_URL?.trim() || baseUrl,
    worker2Url: env.WORKER2_URL?.trim() || baseUrl,
  };
}

/** How many users the local service seeds: enough for the plan's 100 and for whatever USERS / WRITERS+READERS ask. */
export function seedUserCount(env: NodeJS.ProcessEnv): number {
  const int = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return Math.max(100, int('USERS', 100), int('WRITERS', 10) + int('READERS', 10));
}

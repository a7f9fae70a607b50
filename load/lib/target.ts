// Where the load goes: every URL and credential comes from __ENV (set by `npm run load`), with local defaults so a
// script can also be run by hand with `k6 run load/<scenario>.ts` against a service on the default port.
import http from 'k6/http';

/** Default target when BASE_URL is not given: the reference service's default port. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8000';

function env(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The service under load (both workers behind one port, like uvicorn --workers 2). */
export const BASE_URL = withoutTrailingSlash(env('BASE_URL', DEFAULT_BASE_URL));
/** Worker 1 alone (writers of the two-worker scenario). @default BASE_URL */
export const WORKER1_URL = withoutTrailingSlash(env('WORKER1_URL', BASE_URL));
/** Worker 2 alone (readers of the two-worker scenario). @default BASE_URL */
export const WORKER2_URL = withoutTrailingSlash(env('WORKER2_URL', BASE_URL));
/** Password of the seeded users `user001…` (test data only). @default 'seed-password' */
export const SEED_PASSWORD = env('SEED_PASSWORD', 'seed-password');
/** Prefix of the seeded user names. @default 'user' */
export const USER_PREFIX = env('USER_PREFIX', 'user');
/** Where handleSummary writes its files (relative to k6's working directory). @default 'reports' */
export const REPORT_DIR = withoutTrailingSlash(env('REPORT_DIR', 'reports'));

/** Reads an integer from __ENV, failing loudly on garbage instead of running a wrong load. */
export function envInt(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return value;
}

/** Reads a k6 duration ('60s', '5m', '1h30m') from __ENV. */
export function envDuration(name: string, fallback: string): string {
  const value = env(name, fallback);
  if (!/^(\d+(ms|s|m|h))+$/.test(value))
    throw new Error(`${name} must be a k6 duration like 60s or 5m, got '${value}'`);
  return value;
}

/**
 * Called from setup(): throws (and so aborts the run before any load) when `/health` of a target does not answer
 * 200 `{"ok":true}` — a run against a dead target would otherwise "pass" with 100 % failed requests.
 */
export function assertTargetUp(url: string = BASE_URL): void {
  const res = http.get(`${url}/health`, { timeout: '5s', tags: { type: 'health' } });
  let ok = false;
  try {
    ok = res.status === 200 && (res.json() as { ok?: unknown } | null)?.ok === true;
  } catch {
    ok = false;
  }
  if (!ok) {
    const why = res.error ? res.error : `status ${res.status}`;
    throw new Error(
      `target ${url} is not answering GET /health (${why}); start it with \`npm run load -- <scenario>\` or set BASE_URL`,
    );
  }
}

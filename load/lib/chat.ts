// The chat workload of the plan — 100 users online, 10 chat messages per user per minute — shared by
// chat-100-users.ts (cache on) and cache-off-baseline.ts (the same load against CACHE_MODE=off).
// One iteration = one user sending one message, doing what the app does: settings, character list (→ character
// id), structured profile, then the chat POST (which reads settings, character id and profile server-side).
import exec from 'k6/execution';
import http from 'k6/http';
import type { Scenario } from 'k6/options';
import { getProfile, getSettings, listCharacters, postChat } from './api.ts';
import { authParams, loginSeededUsers, type Session } from './auth.ts';
import { header } from './metrics.ts';
import type { LoadProfile } from './profiles.ts';
import { assertTargetUp, BASE_URL, envInt } from './target.ts';

/** The plan's figures. */
export const PLAN_USERS = 100;
export const PLAN_MESSAGES_PER_USER_PER_MINUTE = 10;

export interface ChatSetupData {
  sessions: Session[];
}

/** Users online (USERS, default 100). */
export function chatUsers(): number {
  return envInt('USERS', PLAN_USERS);
}

/** A constant-arrival-rate scenario: users × messages/min (× the profile's factor), per minute. */
export function chatScenario(profile: LoadProfile): Scenario {
  const users = chatUsers();
  const perMinute = Math.round(
    users * envInt('MESSAGES_PER_MINUTE', PLAN_MESSAGES_PER_USER_PER_MINUTE) * profile.rateFactor,
  );
  return {
    executor: 'constant-arrival-rate',
    rate: perMinute,
    timeUnit: '1m',
    duration: profile.duration,
    // ~17 iterations/s of a few ms each need few VUs; the headroom keeps dropped_iterations at 0 when the
    // service slows down (each VU stands for one browser tab, so never more than the users online).
    preAllocatedVUs: Math.min(users, 20),
    maxVUs: Math.max(users, 20),
    gracefulStop: '10s',
  };
}

/** What cache mode setup() expects the target to run with. */
export type ExpectedCacheMode = 'on' | 'off';

/**
 * setup(): target up, users logged in, each user's characters known, and each user's cached entries (settings, list,
 * every character's id and profile) read once, not recorded in the fastnpc_ metrics, so the hit-rate threshold
 * measures the steady state the plan is about.
 * Fails loudly when the target's cache mode is not the one the scenario is about.
 */
export function chatSetup(expect: ExpectedCacheMode): ChatSetupData {
  assertTargetUp();
  const sessions = loginSeededUsers(chatUsers());
  const seen: string[] = [];
  for (const session of sessions) {
    const list = http.get(`${BASE_URL}/api/characters`, authParams(session, { type: 'warmup' }));
    const items = list.status === 200 ? ((list.json() as { items?: Array<{ role: string }> }).items ?? []) : [];
    session.roles = items.map((item) => item.role);
    if (session.roles.length === 0) {
      throw new Error(`seeded user ${session.username} has no characters (status ${list.status}); seed characters`);
    }
    const params = authParams(session, { type: 'warmup' });
    const warm = http.batch([
      { method: 'GET', url: `${BASE_URL}/api/me/settings`, params },
      ...session.roles.map((role) => ({
        method: 'GET',
        url: `${BASE_URL}/api/characters/${encodeURIComponent(role)}/structured`,
        params: { ...params, tags: { type: 'warmup', name: `${BASE_URL}/api/characters/{role}/structured` } },
      })),
    ]);
    for (const res of [list, ...warm]) seen.push(header(res, 'X-Cache') ?? '');
  }
  assertCacheMode(expect, seen);
  return { sessions };
}

/** Throws when the X-Cache headers seen in setup contradict the expected mode; warns when there are none. */
export function assertCacheMode(expect: ExpectedCacheMode, seen: string[]): void {
  const reported = seen.filter((v) => v !== '');
  if (reported.length === 0) {
    console.warn(`${BASE_URL} sends no X-Cache header: fastnpc_cache_hit will have no samples`);
    return;
  }
  const bypass = reported.filter((v) => v === 'bypass').length;
  if (expect === 'on' && bypass === reported.length) {
    throw new Error(`${BASE_URL} answers X-Cache: bypass — its cache is off; run cache-off-baseline instead`);
  }
  if (expect === 'off' && bypass !== reported.length) {
    throw new Error(`${BASE_URL} answers X-Cache: hit/miss — start the target with CACHE_MODE=off for the baseline`);
  }
}

/** One chat message of one user; users take turns so each sends exactly its share per minute. */
export function chatIteration(data: ChatSetupData): void {
  const n = exec.scenario.iterationInTest;
  const session = data.sessions[n % data.sessions.length];
  if (!session) return;
  getSettings(session);
  const roles = listCharacters(session);
  const pool = roles.length > 0 ? roles : session.roles;
  const role = pool[Math.floor(n / data.sessions.length) % pool.length];
  if (role === undefined) return;
  getProfile(session, role);
  postChat(session, role, `load message ${n} from ${session.username}`);
}

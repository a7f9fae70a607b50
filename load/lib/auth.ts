// Logs the seeded users in (setup() only) and hands their session cookies to the VUs.
//
// Why not rely on the VU's cookie jar alone: k6 empties each VU's default jar after every iteration, and setup()
// runs in its own VU, so a login there would not reach the others. setup() therefore logs every user in once,
// returns the `fastnpc_auth` cookie values as setup data (plain JSON, shared with all VUs), and each request carries
// its user's cookie as a request-scoped cookie (`replace: true` overrides whatever the jar holds).
import http from 'k6/http';
import { BASE_URL, SEED_PASSWORD, USER_PREFIX } from './target.ts';

/** The session cookie of the FastNPC API (signed; httponly, samesite=lax). */
export const SESSION_COOKIE = 'fastnpc_auth';
/** Logins sent in one http.batch while logging users in. */
const LOGIN_BATCH = 10;

/** One logged-in seeded user, as passed from setup() to the VUs. */
export interface Session {
  readonly username: string;
  readonly cookie: string;
  /** Character names of this user (filled by the scenario's setup when it needs them). */
  roles: string[];
}

/** `user001`, `user002`, … — the names the service's seed gives its users. */
export function seededUsername(index: number): string {
  return `${USER_PREFIX}${String(index).padStart(3, '0')}`;
}

/**
 * Logs in seeded users 1…count against `baseUrl`. Throws (failing setup and the run) on the first user that
 * cannot log in: a load run with half its users answering 401 measures nothing.
 */
export function loginSeededUsers(count: number, baseUrl: string = BASE_URL): Session[] {
  const sessions: Session[] = [];
  for (let first = 1; first <= count; first += LOGIN_BATCH) {
    const names: string[] = [];
    for (let i = first; i < first + LOGIN_BATCH && i <= count; i++) names.push(seededUsername(i));
    const responses = http.batch(
      names.map((username) => ({
        method: 'POST',
        url: `${baseUrl}/auth/login`,
        body: JSON.stringify({ username, password: SEED_PASSWORD }),
        params: { headers: { 'Content-Type': 'application/json' }, tags: { type: 'login' }, timeout: '30s' },
      })),
    );
    responses.forEach((res, i) => {
      const username = names[i] ?? '?';
      const cookie = res.cookies[SESSION_COOKIE]?.[0]?.value;
      if (res.status !== 200 || !cookie) {
        throw new Error(
          `login of seeded user ${username} at ${baseUrl} failed (status ${res.status}${res.error ? `, ${res.error}` : ''}); ` +
            `the target needs at least ${count} seeded users with SEED_PASSWORD`,
        );
      }
      sessions.push({ username, cookie, roles: [] });
    });
  }
  return sessions;
}

/** Request params carrying a session cookie, JSON content type and the given tags. */
export function authParams(session: Session, tags: { [name: string]: string } = {}) {
  return {
    cookies: { [SESSION_COOKIE]: { value: session.cookie, replace: true } },
    headers: { 'Content-Type': 'application/json' },
    tags,
  };
}

/**
 * Is the external base URL the app? Before anything runs, two requests that change nothing must be answered as
 * FastNPC answers them (docs/service.md, shared/reference/fastnpc.md): the settings route without a session is refused
 * with 401 and a JSON `{"error": …}`, and a login of a user that does not exist is refused (400/401/403) with a JSON
 * `{"error": …}`. A static file server (200 or 404 to everything), a proxy's error page or another service fails one
 * of them: the gate then exits 3 with one line instead of printing fifteen failing rows.
 */
import { randomBytes } from 'node:crypto';
import { maskUrlCredentials } from '../secrets/redact.ts';

/** What the probe asks; exported so the docs and the test name the same routes. */
export const APP_ROUTES = {
  settings: { method: 'GET', path: '/api/me/settings', expect: [401] },
  login: { method: 'POST', path: '/auth/login', expect: [400, 401, 403] },
} as const;

export class NotTheAppError extends Error {
  override readonly name = 'NotTheAppError';
  readonly code = 'E_NOT_THE_APP';
}

interface Answer {
  status: number;
  contentType: string;
  error: boolean;
}

async function ask(base: URL, route: (typeof APP_ROUTES)[keyof typeof APP_ROUTES], timeoutMs: number): Promise<Answer> {
  // the suites' client sends no credentials from the URL: neither does the probe, so both see the same app
  const url = new URL(base.toString());
  url.username = '';
  url.password = '';
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (route.method === 'POST') {
    headers['content-type'] = 'application/json';
    // a user that cannot exist: the login is refused and nothing is created
    const probe = `gate-probe-${randomBytes(6).toString('hex')}`;
    body = JSON.stringify({ username: probe, password: randomBytes(12).toString('hex') });
  }
  const res = await fetch(new URL(`${url.pathname.replace(/\/+$/, '')}${route.path}`, url), {
    method: route.method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let error = false;
  try {
    error = typeof (JSON.parse(text) as { error?: unknown })?.error === 'string';
  } catch {
    error = false;
  }
  return {
    status: res.status,
    contentType: (res.headers.get('content-type') ?? 'no content type').split(';')[0] ?? '',
    error,
  };
}

/** Throws NotTheAppError (one line, credentials masked) when the base URL does not answer like the app. */
export async function checkIsTheApp(baseUrl: string, timeoutMs = 5000): Promise<void> {
  const base = new URL(baseUrl);
  const shown = maskUrlCredentials(baseUrl);
  for (const route of Object.values(APP_ROUTES)) {
    let answer: Answer;
    try {
      answer = await ask(base, route, timeoutMs);
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      throw new NotTheAppError(
        `BASE_URL ${shown} does not answer ${route.method} ${route.path}: ${reason} — nothing was run`,
      );
    }
    const statusOk = (route.expect as readonly number[]).includes(answer.status);
    if (!statusOk || !answer.error) {
      throw new NotTheAppError(
        `BASE_URL ${shown} does not behave like the app: ${route.method} ${route.path} ${
          route.method === 'POST' ? 'of an unknown user' : 'without a session'
        } answered ${answer.status} ${answer.contentType}${answer.error ? '' : ' without {"error": …}'}, expected ${route.expect.join(
          '/',
        )} with {"error": …} — is it the app's URL? nothing was run`,
      );
    }
  }
}

// The FastNPC routes the scenarios call, each feeding the fastnpc_ metrics. Shapes follow the real app
// (docs: shared reference fastnpc.md): GET/PUT /api/me/settings, GET /api/characters,
// GET /api/characters/{role}/structured, POST /api/chat/{role}/messages {"content"} → {"reply"}.
import { check } from 'k6';
import http from 'k6/http';
import { authParams, type Session } from './auth.ts';
import { header, record } from './metrics.ts';
import { BASE_URL } from './target.ts';

/** Settings as GET /api/me/settings returns them (fields the scenarios use). */
export interface Settings {
  profile: string | null;
  updated_at?: number;
}

function ok(res: { status: number }, what: string): boolean {
  return check(res, { [`${what} answers 200`]: (r) => r.status === 200 });
}

/** The parsed JSON body, or undefined when the body is not JSON (an error page, a dropped connection). */
function body<T>(res: { json(): unknown }): T | undefined {
  try {
    return (res.json() ?? undefined) as T | undefined;
  } catch {
    return undefined;
  }
}

/** GET /api/me/settings → the settings, or undefined when the request failed. */
export function getSettings(session: Session, tags: { [name: string]: string } = {}, baseUrl = BASE_URL) {
  const res = http.get(`${baseUrl}/api/me/settings`, authParams(session, { ...tags, type: 'settings' }));
  record(res, 'settings', tags);
  const settings = ok(res, 'settings read') ? body<{ settings?: Settings }>(res)?.settings : undefined;
  return settings ? { settings, worker: workerOf(res) } : undefined;
}

/** PUT /api/me/settings with a partial body; true when acknowledged (200 {"ok":true}). */
export function putSettings(
  session: Session,
  patch: Partial<Settings>,
  tags: { [name: string]: string } = {},
  baseUrl = BASE_URL,
): boolean {
  const res = http.put(
    `${baseUrl}/api/me/settings`,
    JSON.stringify(patch),
    authParams(session, { ...tags, type: 'settings_write' }),
  );
  record(res, 'settings_write', tags);
  return ok(res, 'settings write') && body<{ ok?: unknown }>(res)?.ok === true;
}

/** GET /api/characters → the role names of the user. */
export function listCharacters(session: Session, tags: { [name: string]: string } = {}, baseUrl = BASE_URL) {
  const res = http.get(`${baseUrl}/api/characters`, authParams(session, { ...tags, type: 'character_list' }));
  record(res, 'character_list', tags);
  if (!ok(res, 'character list')) return [];
  return (body<{ items?: Array<{ role: string }> }>(res)?.items ?? []).map((item) => item.role);
}

/** GET /api/characters/{role}/structured (the cached profile). */
export function getProfile(session: Session, role: string, tags: { [name: string]: string } = {}, baseUrl = BASE_URL) {
  const res = http.get(
    `${baseUrl}/api/characters/${encodeURIComponent(role)}/structured`,
    authParams(session, { ...tags, type: 'profile', name: `${baseUrl}/api/characters/{role}/structured` }),
  );
  record(res, 'profile', tags);
  return ok(res, 'profile read');
}

/** POST /api/chat/{role}/messages — reads settings, character id and profile server-side, then "calls the LLM". */
export function postChat(
  session: Session,
  role: string,
  content: string,
  tags: { [name: string]: string } = {},
  baseUrl = BASE_URL,
) {
  const res = http.post(
    `${baseUrl}/api/chat/${encodeURIComponent(role)}/messages`,
    JSON.stringify({ content }),
    authParams(session, { ...tags, type: 'chat', name: `${baseUrl}/api/chat/{role}/messages` }),
  );
  record(res, 'chat', tags);
  return check(res, {
    'chat answers 200': (r) => r.status === 200,
    'chat has a reply': (r) => typeof body<{ reply?: unknown }>(r)?.reply === 'string',
  });
}

/** The worker number from X-Worker (1-based), or 0 when the target does not send it. */
export function workerOf(res: { headers: { [name: string]: string } }): number {
  return Number(header(res, 'X-Worker')) || 0;
}

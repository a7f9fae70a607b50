import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from './errors.ts';
import type { SessionMemo } from './session-memo.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This worker's verified session cookies (session-memo.ts); absent = every cookie is verified. */
    sessionMemo?: SessionMemo;
  }
}

export const SESSION_COOKIE = 'fastnpc_auth';

/** What the signed cookie carries: uid, username, issued-at (FastNPC's payload) and the admin flag the guard reads. */
export interface Session {
  uid: number;
  username: string;
  isAdmin: boolean;
  /** Issued at, epoch seconds. */
  iat: number;
}

interface Payload {
  uid: number;
  u: string;
  adm: 0 | 1;
  iat: number;
}

export function encodeSession(session: Session): string {
  const payload: Payload = { uid: session.uid, u: session.username, adm: session.isAdmin ? 1 : 0, iat: session.iat };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** undefined for anything malformed. */
export function decodeSession(value: string): Session | undefined {
  try {
    const payload = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Payload>;
    if (typeof payload.uid !== 'number' || typeof payload.u !== 'string' || typeof payload.iat !== 'number') {
      return undefined;
    }
    return { uid: payload.uid, username: payload.u, isAdmin: payload.adm === 1, iat: payload.iat };
  } catch {
    return undefined;
  }
}

/** Sets the signed, httponly, samesite=lax session cookie with an expiry. */
export function setSessionCookie(reply: FastifyReply, session: Session, maxAgeSeconds: number, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, encodeSession(session), {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    maxAge: maxAgeSeconds,
    expires: new Date((session.iat + maxAgeSeconds) * 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/**
 * The session of a request, or undefined (no cookie, bad signature, malformed, expired). A cookie this worker
 * verified before comes from its memo (the same signed value: no HMAC again), still checked for expiry.
 */
export function readSession(request: FastifyRequest, maxAgeSeconds: number): Readonly<Session> | undefined {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) return undefined;
  const now = Math.floor(Date.now() / 1000);
  const memo = request.server.sessionMemo;
  const known = memo?.get(raw, maxAgeSeconds, now);
  if (known) return known;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  const session = decodeSession(unsigned.value);
  if (!session) return undefined;
  if (session.iat + maxAgeSeconds < now) return undefined;
  return memo ? memo.remember(raw, session) : session;
}

/** The session or a 401 `{"error":"unauthorized"}`. */
export function requireSession(request: FastifyRequest, maxAgeSeconds: number): Readonly<Session> {
  const session = readSession(request, maxAgeSeconds);
  if (!session) throw unauthorized();
  return session;
}

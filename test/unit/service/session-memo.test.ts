import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encodeSession, readSession, SESSION_COOKIE, type Session } from '../../../src/service/session.ts';
import { SessionMemo } from '../../../src/service/session-memo.ts';

// The per-worker memo of verified session cookies must keep every property of the full check: a tampered cookie
// is refused although its genuine original was remembered (the memo is keyed by the whole signed value, not the
// payload), a remembered session is refused once expired, and the memo stays bounded.
const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const MAX_AGE = 60;

async function appWith(memo: SessionMemo | undefined): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyCookie, { secret: SECRET, hook: 'onRequest' });
  if (memo) app.decorate('sessionMemo', memo);
  app.get('/me', async (request, reply) => {
    const session = readSession(request, MAX_AGE);
    return session ? { uid: session.uid } : reply.code(401).send({ error: 'unauthorized' });
  });
  return app;
}

function signed(app: FastifyInstance, session: Session): string {
  return app.signCookie(encodeSession(session));
}

const now = () => Math.floor(Date.now() / 1000);
const get = (app: FastifyInstance, cookie: string) =>
  app.inject({ method: 'GET', url: '/me', cookies: { [SESSION_COOKIE]: cookie } });

afterEach(() => {
  vi.useRealTimers();
});

describe('SessionMemo', () => {
  it('remembers a verified cookie and answers it again without a second verification', async () => {
    const memo = new SessionMemo();
    const app = await appWith(memo);
    const cookie = signed(app, { uid: 7, username: 'u', isAdmin: false, iat: now() });
    const remember = vi.spyOn(memo, 'remember');
    expect((await get(app, cookie)).json()).toEqual({ uid: 7 });
    expect((await get(app, cookie)).json()).toEqual({ uid: 7 });
    expect(memo.size).toBe(1);
    expect(remember).toHaveBeenCalledTimes(1); // verified once: the second request came from the memo
  });

  it('refuses a tampered cookie after its genuine original was remembered (payload or signature changed)', async () => {
    const memo = new SessionMemo();
    const app = await appWith(memo);
    const cookie = signed(app, { uid: 7, username: 'u', isAdmin: false, iat: now() });
    expect((await get(app, cookie)).statusCode).toBe(200);
    const [payload, signature] = cookie.split('.') as [string, string];
    const forged = encodeSession({ uid: 8, username: 'u', isAdmin: true, iat: now() });
    const flip = (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
    for (const bad of [`${forged}.${signature}`, `${payload}.${flip(signature)}`, `${flip(payload)}.${signature}`]) {
      expect((await get(app, bad)).statusCode).toBe(401);
    }
    expect(memo.size).toBe(1); // nothing refused was remembered
  });

  it('refuses a remembered session once it has expired, as a fresh check would', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T08:00:00Z'));
    const memo = new SessionMemo();
    const app = await appWith(memo);
    const cookie = signed(app, { uid: 7, username: 'u', isAdmin: false, iat: now() - MAX_AGE + 5 });
    expect((await get(app, cookie)).statusCode).toBe(200);
    expect(memo.size).toBe(1);
    vi.setSystemTime(new Date('2026-12-07T08:00:06Z'));
    expect((await get(app, cookie)).statusCode).toBe(401);
    expect(memo.size).toBe(0); // the expired entry is forgotten
    // control: the same app without a memo refuses it too (the memo changes nothing)
    const plain = await appWith(undefined);
    expect((await get(plain, cookie)).statusCode).toBe(401);
  });

  it('stays bounded: beyond its size the oldest cookie goes', async () => {
    const memo = new SessionMemo(3);
    const app = await appWith(memo);
    const cookies = [1, 2, 3, 4, 5].map((uid) => signed(app, { uid, username: 'u', isAdmin: false, iat: now() }));
    for (const cookie of cookies) expect((await get(app, cookie)).statusCode).toBe(200);
    expect(memo.size).toBe(3);
    expect(memo.get(cookies[0] as string, MAX_AGE, now())).toBeUndefined();
    expect(memo.get(cookies[4] as string, MAX_AGE, now())?.uid).toBe(5);
    // a forgotten cookie is verified again and still accepted
    expect((await get(app, cookies[0] as string)).json()).toEqual({ uid: 1 });
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => new SessionMemo(0)).toThrow(RangeError);
  });
});

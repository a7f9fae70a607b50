import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentXid } from '../db.ts';
import type { ServiceDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';
import { hashPassword, verifyPassword } from '../password.ts';
import { clearSessionCookie, requireSession, setSessionCookie } from '../session.ts';
import { createUser, deleteUser, findUserById, findUserByName, type UserRow } from '../store/users.ts';
import { parsePassword, parseUsername, ValidationError } from '../validation.ts';

function body(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError('body', 'must be a JSON object');
  return raw as Record<string, unknown>;
}

/** POST /auth/register|login|logout, GET /auth/me, and account deletion (POST /api/me/delete, DELETE /api/me). */
export function registerAuthRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { keys } = deps;
  const { config, db } = deps;
  const maxAge = config.sessionMaxAgeSeconds;

  const signIn = (reply: FastifyReply, user: UserRow) => {
    const isAdmin = user.is_admin === 1 || user.username === config.adminUser;
    setSessionCookie(
      reply,
      { uid: user.id, username: user.username, isAdmin, iat: Math.floor(Date.now() / 1000) },
      maxAge,
      config.production,
    );
    return { ok: true, user: { id: user.id, username: user.username, is_admin: isAdmin ? 1 : 0 } };
  };

  app.post('/auth/register', async (request, reply) => {
    const input = body(request.body);
    const username = parseUsername(input.username);
    const password = parsePassword(input.password);
    const user = await createUser(db, username, await hashPassword(password), username === config.adminUser);
    if (!user) throw new HttpError(400, 'username already exists');
    return signIn(reply, user);
  });

  app.post('/auth/login', async (request, reply) => {
    const input = body(request.body);
    const username = typeof input.username === 'string' ? input.username.trim() : '';
    const password = typeof input.password === 'string' ? input.password : '';
    const user = username ? await findUserByName(db, username) : undefined;
    if (!user || !(await verifyPassword(password, user.password_hash))) {
      throw new HttpError(401, 'invalid username or password');
    }
    return signIn(reply, user);
  });

  app.post('/auth/logout', async (_request, reply) => {
    clearSessionCookie(reply);
    return { ok: true };
  });

  app.get('/auth/me', async (request) => {
    const session = requireSession(request, maxAge);
    return { id: session.uid, username: session.username, is_admin: session.isAdmin ? 1 : 0 };
  });

  // Account deletion: FastNPC's POST /api/me/delete {"password"}; DELETE /api/me is the same.
  const deleteAccount = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = requireSession(request, maxAge);
    const input = body(request.body ?? {});
    const user = await findUserById(db, session.uid);
    if (!user) throw new HttpError(401, 'unauthorized');
    const password = typeof input.password === 'string' ? input.password : '';
    if (!(await verifyPassword(password, user.password_hash))) throw new HttpError(400, 'password incorrect');
    const deleted = await db.transaction(async (tx) => {
      const names = await deleteUser(tx, session.uid);
      return names && { names, xid: await currentXid(tx) };
    });
    if (deleted === undefined) throw new HttpError(401, 'unauthorized');
    await deps.writeInvalidation.afterWrite(
      'account_delete',
      [
        keys.userSettings(session.uid),
        keys.characterList(session.uid),
        ...deleted.names.flatMap((name) => [
          keys.characterId(session.uid, name),
          keys.characterProfile(session.uid, name),
        ]),
      ],
      deleted,
    );
    clearSessionCookie(reply);
    return { ok: true };
  };
  app.post('/api/me/delete', deleteAccount);
  app.delete('/api/me', deleteAccount);
}

import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../deps.ts';
import { notFound, unauthorized } from '../errors.ts';
import { requireSession } from '../session.ts';
import { addMessage, listMessages } from '../store/messages.ts';
import { parseRoleName, ValidationError } from '../validation.ts';

/** Messages of history the reply is built from. */
const HISTORY_LIMIT = 20;
const MAX_CONTENT = 4000;

/**
 * The chat path the plan measures: settings, character id and profile (cached), insert the user message, list the
 * recent messages, produce the reply (local responder), insert it. Warm: 3 statements; cold: 19.
 */
export function registerChatRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { db, reads, responder } = deps;
  const maxAge = deps.config.sessionMaxAgeSeconds;

  app.post<{ Params: { role: string } }>('/api/chat/:role/messages', async (request) => {
    const { uid } = requireSession(request, maxAge);
    const role = parseRoleName(request.params.role);
    const input = request.body as Record<string, unknown> | null;
    const content = typeof input?.content === 'string' ? input.content.trim() : '';
    if (!content) throw new ValidationError('content', 'must not be empty');
    if (content.length > MAX_CONTENT) throw new ValidationError('content', `must be at most ${MAX_CONTENT} characters`);
    const settings = await reads.settings(uid);
    if (!settings) throw unauthorized();
    const profile = await reads.profile(uid, role);
    if (!profile) throw notFound();
    await addMessage(db, uid, profile.characterId, 'user', content);
    const history = await listMessages(db, uid, profile.characterId, HISTORY_LIMIT);
    const reply = await responder.reply({ profile, history, content });
    await addMessage(db, uid, profile.characterId, 'assistant', reply);
    return { reply };
  });

  app.get<{ Params: { role: string }; Querystring: { after_id?: string; limit?: string } }>(
    '/api/chat/:role/messages',
    async (request) => {
      const { uid } = requireSession(request, maxAge);
      const role = parseRoleName(request.params.role);
      const afterId = Number(request.query.after_id ?? 0);
      const limit = Number(request.query.limit ?? 200);
      if (!Number.isInteger(afterId) || afterId < 0) throw new ValidationError('after_id', 'must be an integer >= 0');
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError('limit', 'must be 1–1000');
      const id = await reads.characterId(uid, role);
      if (id === null) throw notFound();
      return { messages: await listMessages(db, uid, id, limit, afterId) };
    },
  );
}

import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../deps.ts';
import { unauthorized } from '../errors.ts';
import { JSON_CONTENT_TYPE, jsonObjectBytes } from '../response-body.ts';
import { requireSession } from '../session.ts';
import { updateSettings } from '../store/settings.ts';
import { parseSettingsUpdate } from '../validation.ts';

/** GET|PUT /api/me/settings — the plan's step 4 (no TTL, invalidated on update). */
export function registerSettingsRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { keys } = deps;
  const maxAge = deps.config.sessionMaxAgeSeconds;

  // the body is assembled from the entry's bytes as Redis returned them: no decoding, no JSON.parse, no
  // JSON.stringify (docs/cache.md, "Value format")
  app.get('/api/me/settings', async (request, reply) => {
    const session = requireSession(request, maxAge);
    const entry = await deps.reads.settingsEntry(session.uid);
    if (entry.isNull) throw unauthorized(); // the account was deleted
    return reply.type(JSON_CONTENT_TYPE).send(jsonObjectBytes(['settings', entry.bytes]));
  });

  app.put('/api/me/settings', async (request) => {
    const session = requireSession(request, maxAge);
    const update = parseSettingsUpdate(request.body);
    const written = await updateSettings(deps.db, session.uid, update);
    if (!written) throw unauthorized();
    await deps.writeInvalidation.afterWrite('settings_update', [keys.userSettings(session.uid)], written);
    return { ok: true };
  });
}

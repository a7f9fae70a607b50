import type { FastifyInstance } from 'fastify';
import type { ServiceDeps } from '../deps.ts';
import { unauthorized } from '../errors.ts';
import { ResponseBodies } from '../response-body.ts';
import { requireSession } from '../session.ts';
import type { UserSettings } from '../store/settings.ts';
import { updateSettings } from '../store/settings.ts';
import { parseSettingsUpdate } from '../validation.ts';

/** GET|PUT /api/me/settings — the plan's step 4 (no TTL, invalidated on update). */
export function registerSettingsRoutes(app: FastifyInstance, deps: ServiceDeps): void {
  const { keys } = deps;
  const maxAge = deps.config.sessionMaxAgeSeconds;

  const bodies = new ResponseBodies((settings: UserSettings) => ({ settings }));
  app.get('/api/me/settings', async (request, reply) => {
    const session = requireSession(request, maxAge);
    const settings = await deps.reads.settings(session.uid);
    if (!settings) throw unauthorized(); // the account was deleted
    return bodies.send(reply, settings);
  });

  app.put('/api/me/settings', async (request) => {
    const session = requireSession(request, maxAge);
    const update = parseSettingsUpdate(request.body);
    const written = await updateSettings(deps.db, session.uid, update);
    if (!written) throw unauthorized();
    await deps.invalidator.afterWrite('settings_update', [keys.userSettings(session.uid)], written);
    return { ok: true };
  });
}

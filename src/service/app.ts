import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerFactory, type onRouteHookHandler } from 'fastify';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './db-unavailable.ts';
import type { ServiceDeps } from './deps.ts';
import { HttpError } from './errors.ts';
import { checkJsonBody } from './hostile-input.ts';
import {
  newRequestContext,
  type RequestContext,
  runWithContext,
  serverTiming,
  summarizeCache,
} from './request-context.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerCharacterRoutes } from './routes/characters.ts';
import { registerChatRoutes } from './routes/chat.ts';
import { registerSettingsRoutes } from './routes/settings.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { SessionMemo } from './session-memo.ts';
import { ValidationError } from './validation.ts';

declare module 'fastify' {
  interface FastifyRequest {
    fastnpc: RequestContext;
    startedAt: bigint;
  }
}

/** Longest path parameter: a 100-code-point name, every code point 4 UTF-8 bytes, each byte `%XX`, plus room. */
export const MAX_ENCODED_PARAM_LENGTH = 100 * 4 * 3 + 200;

export interface BuildAppOptions {
  /** Lets the worker serve the same app on a second port (see worker.ts). */
  serverFactory?: FastifyServerFactory;
  logLevel?: string;
  /** Applied to every route as it is added (the worker's emulated route defects: defect-wrappers.ts). */
  onRoute?: onRouteHookHandler;
}

/** The FastNPC-compatible HTTP app: routes, JSON failures, and the X-Worker / X-Cache / X-DB-Queries headers. */
export async function buildApp(deps: ServiceDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config, metrics } = deps;
  const app = Fastify({
    logger: { level: options.logLevel ?? config.logLevel ?? 'warn' },
    bodyLimit: config.bodyLimitBytes,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // a character name of 100 code points percent-encoded is up to 1 200 characters (4 UTF-8 bytes × 3)
    routerOptions: { maxParamLength: MAX_ENCODED_PARAM_LENGTH },
    ...(options.serverFactory ? { serverFactory: options.serverFactory } : {}),
  });
  await app.register(fastifyCookie, { secret: config.secret, hook: 'onRequest' });
  app.decorate('sessionMemo', new SessionMemo());

  app.decorateRequest('fastnpc', null as unknown as RequestContext);
  app.decorateRequest('startedAt', 0n);
  // Everything after this hook (parsing, handler, store) runs inside the request's AsyncLocalStorage context,
  // so each statement sent to PostgreSQL is counted for X-DB-Queries.
  app.addHook('onRequest', (request, _reply, done) => {
    const context = newRequestContext();
    request.fastnpc = context;
    request.startedAt = process.hrtime.bigint();
    runWithContext(context, done);
  });
  // Callback hooks, not async ones: every request runs them, and an async hook costs a promise each.
  const workerHeader = String(config.workerIndex);
  app.addHook('onSend', (request, reply, payload, done) => {
    const context = request.fastnpc ?? newRequestContext();
    reply.header('X-Worker', workerHeader);
    reply.header('X-DB-Queries', String(context.dbQueries));
    if (config.serverTiming) reply.header('Server-Timing', serverTiming(context));
    const { summary, detail } = summarizeCache(context.cache);
    if (summary) {
      reply.header('X-Cache', summary);
      reply.header('X-Cache-Detail', detail);
    }
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const seconds = Number(process.hrtime.bigint() - (request.startedAt || process.hrtime.bigint())) / 1e9;
    metrics.requestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      seconds,
    );
    done();
  });

  // NUL, lone surrogates and absurd nesting are refused with a reason before any route (PostgreSQL would fail)
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined) return done();
    try {
      checkJsonBody(request.body);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });

  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: 'not_found' });
  });
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ValidationError) return reply.code(400).send({ error: error.message, field: error.field });
    if (error instanceof HttpError) return reply.code(error.status).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    const message0 = error instanceof Error ? error.message : String(error);
    if (status && status >= 400 && status < 500) {
      const message = status === 413 ? `request body larger than ${config.bodyLimitBytes} bytes` : message0;
      return reply.code(status).send({ error: message });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ route: request.routeOptions.url, err: message0 }, 'PostgreSQL unavailable: answered 503');
      reply.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return reply.code(503).send({ error: 'database_unavailable' });
    }
    request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    return reply.code(500).send({ error: 'internal_error' });
  });

  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  registerSystemRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerSettingsRoutes(app, deps);
  registerCharacterRoutes(app, deps);
  registerChatRoutes(app, deps);
  registerAdminRoutes(app, deps);
  return app;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

import { afterAll, beforeAll } from 'vitest';
import { Client } from './http.ts';
import type { RoutesContext } from './routes/context.ts';
import { dataRoutes } from './routes/data.ts';
import { adminRoutes, systemRoutes } from './routes/system.ts';
import { startFixture } from './setup.ts';

// Route tests against a real two-worker cluster on a private PostgreSQL + redis-server: every endpoint, the
// FastNPC response shapes, the 400/401/403/404/413 cases and the headers every response carries. One fixture for all
// of them (a cluster's start is most of this file's time); the tests by concept in routes/.
const ctx = { secret: 'routes-test-session-secret-0123456789' } as RoutesContext;

beforeAll(async () => {
  ctx.fx = await startFixture({ env: { FASTNPC_SECRET: ctx.secret } });
  ctx.admin = new Client(ctx.fx.w1);
  await ctx.admin.login(ctx.fx.service.seed!.admin.username, ctx.fx.service.seed!.admin.password);
});
afterAll(async () => {
  await ctx.fx?.stop();
});

// in this order: the admin's clear deletes entries the others read
systemRoutes(ctx);
dataRoutes(ctx);
adminRoutes(ctx);

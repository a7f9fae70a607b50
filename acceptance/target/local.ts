/**
 * The embedded targets (`local`, `containers`): Redis + PostgreSQL + the seeded two-worker reference service, plus
 * a small loopback stack-control server (kill/restart Redis, for R8). The service gets FASTNPC_EMULATE_DEFECTS
 * passed through, so the gate can be run against a service that behaves like one of FastNPC's defects.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { appAclRules } from '../../provisioning/lib/acl.ts';
import { startService } from '../../src/service/cluster.ts';
import {
  type StartedPostgres,
  type StartedRedisServer,
  startPostgres,
  startRedisServer,
} from '../../src/stack/index.ts';
import { ensureStatStatements, startContainers } from './containers.ts';
import type { ProfileName } from './profile.ts';
import { SEED, SHORT_LIST_TTL_SECONDS, type StartedTarget, stripSlash } from './types.ts';

/** Gives a private Redis an admin password and the app's ACL user over a connection (never through argv). */
async function applyRedisAuth(url: string, adminPassword: string, appPassword: string): Promise<void> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', 'app', 'reset', 'on', `>${appPassword}`, ...appAclRules());
    await admin.config('SET', 'requirepass', adminPassword);
  } finally {
    admin.disconnect();
  }
}

/** Local or containers: Redis + PostgreSQL + the seeded two-worker service, plus a small stack-control server. */
export async function embeddedTarget(
  kind: 'local' | 'containers',
  options: { profile?: ProfileName; defects?: string[] } = {},
): Promise<StartedTarget> {
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };
  const adminPassword = randomBytes(18).toString('base64url');
  const appPassword = randomBytes(18).toString('base64url');
  const notes: string[] = [];
  try {
    let redisHostUrl: string;
    let databaseUrl: string;
    let redisServer: StartedRedisServer | undefined;
    let postgres: StartedPostgres | undefined;
    if (kind === 'local') {
      [redisServer, postgres] = await Promise.all([startRedisServer(), startPostgres()]);
      const r = redisServer;
      const p = postgres;
      cleanups.push(
        () => r.stop(),
        () => p.stop(),
      );
      redisHostUrl = redisServer.url;
      databaseUrl = postgres.url;
    } else {
      const started = await startContainers();
      cleanups.push(() => started.stop());
      redisHostUrl = started.redisUrl;
      databaseUrl = started.databaseUrl;
    }
    await applyRedisAuth(redisHostUrl, adminPassword, appPassword);
    const statStatements = postgres?.statStatements ?? (await ensureStatStatements(databaseUrl));
    if (!statStatements) notes.push('pg_stat_statements unavailable: statements counted from pg_stat_database');

    const host = new URL(redisHostUrl);
    // The app's ACL user and its password in the URL: ioredis lets an empty URL password ("redis://app@…") win over
    // the `password` option, so REDIS_URL=redis://app@… + REDIS_PASSWORD fails with WRONGPASS (reported to the cache).
    const appRedisUrl = `redis://app:${encodeURIComponent(appPassword)}@${host.host}`;
    const serviceEnv: Record<string, string> = {
      REDIS_PASSWORD: appPassword,
      CACHE_TTL_LIST_SECONDS: String(SHORT_LIST_TTL_SECONDS),
      FASTNPC_SECRET: randomBytes(24).toString('hex'),
      FASTNPC_ADMIN_USER: 'admin',
      FASTNPC_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
      SEED_PASSWORD: randomBytes(12).toString('base64url'),
    };
    const defects = options.defects ?? [];
    if (defects.length > 0) {
      serviceEnv.FASTNPC_EMULATE_DEFECTS = defects.join(',');
      notes.push(`the reference service emulates FastNPC defects: ${defects.join(', ')}`);
    }
    const svc = await startService({
      port: 0,
      workers: 2,
      redisUrl: appRedisUrl,
      databaseUrl,
      cacheMode: 'on',
      env: serviceEnv,
      seed: { ...SEED },
      // a busy shared host (load 25–35 on 2 cores) takes 45–90 s to start two workers and seed them; 60 s failed there
      startTimeoutMs: 180_000,
    });
    cleanups.push(() => svc.stop());
    const seeded = svc.seed;
    if (!seeded) throw new Error('startService did not report its seed');

    let control: Server | undefined;
    let controlUrl: string | undefined;
    if (redisServer) {
      const r = redisServer;
      control = createServer((req, res) => {
        const reply = (status: number, body: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        };
        if (req.method !== 'POST') return reply(405, { error: 'POST only' });
        const run = async (): Promise<unknown> => {
          if (req.url === '/redis/kill') {
            await r.kill();
            return { ok: true };
          }
          if (req.url === '/redis/restart') {
            await r.restart();
            await applyRedisAuth(r.url, adminPassword, appPassword);
            return { ok: true };
          }
          throw new Error(`unknown control ${req.url}`);
        };
        run().then(
          (body) => reply(200, body),
          (error: Error) => reply(500, { error: error.message }),
        );
      });
      await new Promise<void>((resolve) => control?.listen(0, '127.0.0.1', resolve));
      controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
      const c = control;
      cleanups.push(() => new Promise<void>((resolve) => c.close(() => resolve())));
    }

    return {
      info: {
        kind,
        profile: options.profile ?? 'reference',
        baseUrl: stripSlash(svc.baseUrl),
        workerUrls: svc.workerUrls.map(stripSlash),
        redisUrl: redisHostUrl,
        redisPassword: adminPassword,
        appRedisUser: 'app',
        databaseUrl,
        statStatements,
        users: seeded.users.map((u) => ({ username: u.username, password: u.password, characters: u.characters })),
        admin: { username: seeded.admin.username, password: seeded.admin.password },
        listTtlSeconds: SHORT_LIST_TTL_SECONDS,
        profileTtlSeconds: 300,
        controlUrl,
        auditExpected:
          kind === 'containers' ? { bind: '0.0.0.0', protectedMode: 'no', loopbackOnly: false } : undefined,
        serviceEnv: { ...serviceEnv, REDIS_URL: appRedisUrl },
        defects,
        notes,
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
